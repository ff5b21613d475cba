"""Russian UI strings. `python locale/ru_translations.py` fills locale/ru/LC_MESSAGES/django.po after
`manage.py makemessages -l ru`; then `manage.py compilemessages` (needs gettext's msgfmt) builds the .mo.
"""
import re
import sys
from pathlib import Path

RU = {
    "Russian": "Русский",
    "English": "English",
    "Support": "Поддержка",
    "Support desk": "Служба поддержки",
    "Queues": "Очереди",
    "Model quality": "Качество модели",
    "Admin": "Администрирование",
    "Log out": "Выйти",
    "New request": "Новое обращение",
    "Language": "Язык",
    "open": "открыто",
    "%(n)s new": "новых: %(n)s",
    "You have no queues yet. Ask an administrator.": "У вас пока нет очередей. Обратитесь к администратору.",
    "Log in": "Войти",
    "Operator log in": "Вход для операторов",
    "Username": "Имя пользователя",
    "Password": "Пароль",
    "Model quality from operators' corrections": "Качество модели по исправлениям операторов",
    "Days": "Дней",
    "Group by": "Группировать по",
    "week": "неделям",
    "day": "дням",
    "Show": "Показать",
    "Classified tickets": "Классифицировано обращений",
    "%(n)s failed": "ошибок: %(n)s",
    "Routed automatically": "Распределено автоматически",
    "Corrected by operators": "Исправлено операторами",
    "Corrections: predicted → corrected": "Исправления: предсказано → исправлено",
    "Predicted": "Предсказано",
    "Corrected to": "Исправлено на",
    "Count": "Количество",
    "No corrections yet.": "Исправлений пока нет.",
    "Over time": "По времени",
    "Period": "Период",
    "Classified": "Классифицировано",
    "Corrected": "Исправлено",
    "No data yet.": "Данных пока нет.",
    "text, name or e-mail": "текст, имя или e-mail",
    "Filter": "Показать",
    "Student": "Студент",
    "Description": "Описание",
    "Label": "Метка",
    "Status": "Статус",
    "Assignee": "Исполнитель",
    "Created": "Создано",
    "classifying…": "классифицируется…",
    "failed": "ошибка",
    "unsure": "не уверена",
    "No tickets here.": "Обращений нет.",
    "Previous": "Назад",
    "Page %(n)s of %(total)s": "Страница %(n)s из %(total)s",
    "Next": "Дальше",
    "queue": "очередь",
    "assignee": "исполнитель",
    "Screenshots": "Скриншоты",
    "Conversation": "Переписка",
    "Send reply": "Отправить ответ",
    "Classification": "Классификация",
    "Classifying…": "Классифицируется…",
    "corrected by an operator": "исправлено оператором",
    "The classifier failed": "Классификатор не справился",
    "confidence": "уверенность",
    "Text on the screenshots (OCR)": "Текст на скриншотах (OCR)",
    "Actions": "Действия",
    "Take (assign to me)": "Взять себе",
    "Change status": "Сменить статус",
    "Correct the label": "Исправить метку",
    "History": "История",
    "system": "система",
    "Contact support": "Написать в поддержку",
    "Tell us what went wrong and attach screenshots. We will answer by e-mail and on your request's page.":
        "Расскажите, что случилось, и приложите скриншоты. Мы ответим по e-mail и на странице обращения.",
    "Send": "Отправить",
    "Request #%(id)s": "Обращение №%(id)s",
    "Queue": "Очередь",
    "sorting…": "определяется…",
    "This is your private link; we have also sent it to your e-mail:": "Это ваша личная ссылка; мы также отправили её на e-mail:",
    "You": "Вы",
    "Write to support": "Написать в поддержку",
    "This request is closed. If you need more help, please submit a new one.":
        "Обращение закрыто. Если нужна помощь, создайте новое.",
    "Your name": "Ваше имя",
    "E-mail": "E-mail",
    "What happened?": "Что случилось?",
    "Up to %(count)s PNG, JPEG or WebP images, %(mb)s MB each.": "До %(count)s изображений PNG, JPEG или WebP, до %(mb)s МБ каждое.",
    "Describe the problem or attach a screenshot.": "Опишите проблему или приложите скриншот.",
    "Your message": "Ваше сообщение",
    "Write a message or attach a screenshot.": "Напишите сообщение или приложите скриншот.",
    "Reply to the student": "Ответ студенту",
    "Correct label": "Правильная метка",
    "Reason (optional)": "Причина (необязательно)",
    "All": "Все",
    "Open (new, open, waiting)": "Незакрытые (новые, в работе, ждут студента)",
    "Newest first": "Сначала новые",
    "Oldest first": "Сначала старые",
    "Search": "Поиск",
    "Order": "Порядок",
    "slug": "код",
    "name": "название",
    "position": "позиция",
    "Order on the dashboard.": "Порядок на главной странице.",
    "queues": "очереди",
    "label": "метка",
    "e.g. payment-problem": "например, payment-problem",
    "title": "заголовок",
    "descriptions": "описания",
    "prompts": "подсказки для CLIP",
    "examples": "примеры",
    "keywords": "ключевые слова",
    "in scope": "относится к школе",
    "Off for pseudo-labels such as 'other': predicting them means 'unsure' and the ticket goes to triage.":
        "Выключено для псевдометок вроде «other»: такое предсказание означает «не уверена», и обращение идёт на разбор.",
    "active": "активна",
    "intent": "намерение",
    "intents": "намерения",
    "all queues": "все очереди",
    "operator profile": "профиль оператора",
    "operator profiles": "профили операторов",
    "New": "Новое",
    "Open": "В работе",
    "Waiting for student": "Ждёт студента",
    "Resolved": "Решено",
    "Closed": "Закрыто",
    "Done": "Готово",
    "Failed": "Ошибка",
    "Web form": "Веб-форма",
    "API": "API",
    "Telegram": "Telegram",
    "e-mail": "e-mail",
    "description": "описание",
    "status": "статус",
    "classification": "классификация",
    "label corrected by an operator": "метка исправлена оператором",
    "classification attempts": "попытки классификации",
    "source": "источник",
    "language": "язык",
    "ticket": "обращение",
    "tickets": "обращения",
    "Operator": "Оператор",
    "System": "Система",
    "message": "сообщение",
    "messages": "сообщения",
    "screenshot": "скриншот",
    "screenshots": "скриншоты",
    "Empty when the classifier was unsure.": "Пусто, если классификатор не уверен.",
    "prediction": "предсказание",
    "predictions": "предсказания",
    "Routed": "Распределено",
    "Label corrected": "Метка исправлена",
    "Status changed": "Статус изменён",
    "Assigned": "Назначено",
    "Replied": "Ответ",
    "ticket event": "событие обращения",
    "ticket events": "события обращений",
    "At most %(limit)s screenshots.": "Не больше %(limit)s скриншотов.",
    "Your request #%(id)s has been received": "Ваше обращение №%(id)s получено",
    "Hello, %(name)s!\n\nWe have received your request. Its status and our answers are here:\n%(url)s\n\nKeep this link private: anyone who has it can read the conversation.":
        "Здравствуйте, %(name)s!\n\nМы получили ваше обращение. Статус и наши ответы — здесь:\n%(url)s\n\nНикому не передавайте эту ссылку: по ней можно прочитать переписку.",
    "This request is closed. Please submit a new one.": "Обращение закрыто. Пожалуйста, создайте новое.",
    "Too many screenshots in this conversation.": "В этой переписке слишком много скриншотов.",
    "Unknown label: %(label)s": "Неизвестная метка: %(label)s",
    "Unknown status: %(status)s": "Неизвестный статус: %(status)s",
    "The reply is empty.": "Ответ пустой.",
    "New answer to your request #%(id)s": "Новый ответ на ваше обращение №%(id)s",
    "Hello, %(name)s!\n\nSupport has answered:\n\n%(body)s\n\nReply or follow the request here:\n%(url)s":
        "Здравствуйте, %(name)s!\n\nПоддержка ответила:\n\n%(body)s\n\nОтветить или следить за обращением можно здесь:\n%(url)s",
    "The file is empty.": "Файл пустой.",
    "The image is too large: at most %(mb)s MB and %(mp)s megapixels.": "Изображение слишком большое: не больше %(mb)s МБ и %(mp)s мегапикселей.",
    "The image is damaged or incomplete; please take the screenshot again.": "Изображение повреждено или не до конца загружено; сделайте скриншот заново.",
    "This is not a PNG, JPEG or WebP image.": "Это не изображение PNG, JPEG или WebP.",
    "The ticket is yours.": "Обращение назначено на вас.",
    "Reply sent; the student has been notified by e-mail.": "Ответ отправлен; студент получит письмо.",
    "Unknown status.": "Неизвестный статус.",
    "Status changed.": "Статус изменён.",
    "Choose a label.": "Выберите метку.",
    "Label corrected; the ticket moved to its queue.": "Метка исправлена; обращение перешло в её очередь.",
    "Thank you! Your request is saved. Keep this page's link: it is your way back.":
        "Спасибо! Обращение сохранено. Сохраните ссылку на эту страницу — по ней вы вернётесь к обращению.",
    "Your message has been sent.": "Сообщение отправлено.",
    "label correction": "исправление метки",
    "label corrections": "исправления меток",
    "Classify again (e.g. after editing intents)": "Классифицировать заново (например, после правки намерений)",
    "%(n)s ticket(s) queued for classification.": "Обращений поставлено в очередь на классификацию: %(n)s.",
    # FAQ layer (issue 4): automatic answers, feedback, suggestions, off-topic.
    "topic": "тема",
    "automatic answer": "автоответ",
    "automatic answer sent at": "автоответ отправлен",
    "None": "Нет",
    "Waiting for the student's feedback": "Ждёт отзыва студента",
    "Solved by the automatic answer": "Решено автоответом",
    "Handed to an operator": "Передано оператору",
    "Automatic answer": "Автоматический ответ",
    "FAQ entry": "Статья FAQ",
    "Answered automatically": "Отвечено автоматически",
    "Off-topic: closed with a fixed reply": "Не по теме: закрыто стандартным ответом",
    "Left to an operator (suggestions only)": "Оставлено оператору (только подсказки)",
    "Not analysed": "Не анализировалось",
    "Analysis failed": "Ошибка анализа",
    "topic confidence": "уверенность в теме",
    "needs a human": "нужен оператор",
    "needs-human score": "оценка «нужен оператор»",
    "best FAQ entry": "лучшая статья FAQ",
    "FAQ confidence": "уверенность FAQ",
    "answered automatically": "отвечено автоматически",
    "decision": "решение",
    "reason": "причина",
    "suggestions": "подсказки",
    "message analysis": "анализ сообщения",
    "message analyses": "анализы сообщений",
    "FAQ decision": "Решение FAQ",
    "Student feedback": "Отзыв студента",
    "Hello! This is the support service of the online school. We can help with studies, courses, payments and your account, but your message does not seem to be about any of these, so we have closed this request. If you do have a question about your studies, please submit a new request: we will be glad to help.":
        "Здравствуйте! Это служба поддержки онлайн-школы. Мы помогаем с вопросами об учёбе, курсах, оплате и "
        "личном кабинете, но ваше сообщение, кажется, не об этом, поэтому мы закрыли обращение. Если у вас есть "
        "вопрос об учёбе, пожалуйста, создайте новое обращение: мы будем рады помочь.",
    "Automatic answer to your request #%(id)s": "Автоматический ответ на ваше обращение №%(id)s",
    "Hello, %(name)s!\n\nThis is an automatic answer from our knowledge base:\n\n%(body)s\n\nDid it solve your problem? Please tell us on the request page (\"This solved it\" or \"I still need help\"; then an operator will answer):\n%(url)s":
        "Здравствуйте, %(name)s!\n\nЭто автоматический ответ из нашей базы знаний:\n\n%(body)s\n\nПомог ли он? "
        "Пожалуйста, отметьте это на странице обращения («Это помогло» или «Мне всё ещё нужна помощь» — тогда "
        "ответит оператор):\n%(url)s",
    "Your request #%(id)s has been closed": "Ваше обращение №%(id)s закрыто",
    "Hello, %(name)s!\n\n%(body)s\n\n%(url)s": "Здравствуйте, %(name)s!\n\n%(body)s\n\n%(url)s",
    "There is no automatic answer waiting for your feedback.": "Нет автоматического ответа, ожидающего вашего отзыва.",
    "Payment": "Оплата",
    "Course": "Курс",
    "Profile": "Профиль",
    "Career": "Карьера",
    "General": "Общее",
    "Off-topic": "Не по теме",
    "Topic": "Тема",
    "Choose one of the answers.": "Выберите один из ответов.",
    "Glad we could help! The request is resolved.": "Рады, что смогли помочь! Обращение решено.",
    "Thank you. An operator will answer you here as soon as possible.": "Спасибо. Оператор ответит вам здесь как можно скорее.",
    "Did the automatic answer solve your problem?": "Автоматический ответ решил вашу проблему?",
    "This solved it": "Это помогло",
    "I still need help": "Мне всё ещё нужна помощь",
    "If you do not answer, an operator will look at your request anyway.": "Если вы не ответите, оператор всё равно посмотрит ваше обращение.",
    "Suggested answers": "Предлагаемые ответы",
    "FAQ may answer": "FAQ может ответить",
    "Insert as reply": "Вставить в ответ",
    "No suggestions for this ticket.": "Для этого обращения подсказок нет.",
    # Knowledge base admin (knowledge app).
    "sent": "отправлено",
    "accepted": "принято",
    "rejected": "отклонено",
    "Export selected entries as faq.yaml": "Выгрузить выбранные статьи в faq.yaml",
    "Knowledge base (FAQ)": "База знаний (FAQ)",
    "id": "id",
    "Stable id, the `id` of the entry in faq.yaml.": "Постоянный идентификатор, `id` статьи в faq.yaml.",
    "payment, course, profile, career or general": "payment, course, profile, career или general",
    "question": "вопрос",
    "alternative questions": "другие формулировки вопроса",
    "A JSON list of other phrasings of the question.": "JSON-список других формулировок вопроса.",
    "answer": "ответ",
    "Inactive entries are never suggested or sent.": "Неактивные статьи не предлагаются и не отправляются.",
    "FAQ entries": "Статьи FAQ",
    "sent automatically": "отправлено автоматически",
    "inserted by an operator": "вставлено оператором",
    "accepted: this solved it": "принято: это помогло",
    "rejected: still need help": "отклонено: всё ещё нужна помощь",
    "entry": "статья",
    "kind": "вид",
    "FAQ usage": "Использование FAQ",
    # Issue 10: the outbox of messages to students, students, topics; and strings the catalogue still lacked.
    "Not delivered to the student (%(channel)s): %(kind)s": "Не доставлено студенту (%(channel)s): %(kind)s",
    "Not delivered yet (%(channel)s): %(kind)s; next attempt %(when)s": "Ещё не доставлено (%(channel)s): %(kind)s; следующая попытка %(when)s",
    "last error": "последняя ошибка",
    "Try again now": "Повторить сейчас",
    "As the classifier names it, e.g. payment.": "Как её называет классификатор, например payment.",
    "Order in the filters.": "Порядок в фильтрах.",
    "Off to hide it from the filters.": "Выключите, чтобы скрыть её из фильтров.",
    "topics": "темы",
    "Request received": "Обращение получено",
    "Operator's answer": "Ответ оператора",
    "Closed as off-topic": "Закрыто как не относящееся к теме",
    "Waiting to be sent": "Ждёт отправки",
    "Being sent": "Отправляется",
    "Sent": "Отправлено",
    "channel": "канал",
    "address": "адрес",
    "Where the channel sends it (an e-mail address, a chat id).": "Куда канал отправляет сообщение (адрес e-mail, id чата).",
    "payload": "содержимое",
    "attempts": "попытки",
    "next attempt at": "следующая попытка",
    "sent at": "отправлено",
    "delivery to a student": "доставка студенту",
    "deliveries to students": "доставки студентам",
    "The name the student gave most recently.": "Имя, которое студент указал последним.",
    "Lower case; empty when the student came through a channel without e-mail.": "Строчными буквами; пусто, если студент пришёл через канал без e-mail.",
    "student": "студент",
    "students": "студенты",
    "Enter a valid email address.": "Введите правильный адрес электронной почты.",
    "text": "текст",
    "Stop using the selected examples": "Не использовать выбранные примеры",
    "Use the selected examples again": "Снова использовать выбранные примеры",
    "created by": "кем создан",
    "Off to stop the classifier from using a bad example.": "Выключите, чтобы классификатор не использовал неудачный пример.",
    "label example": "пример метки",
    "label examples": "примеры меток",
    "Too many requests from your connection. Please wait a while and try again.": "Слишком много запросов с вашего подключения. Подождите немного и попробуйте снова.",
    "Service temporarily unavailable": "Сервис временно недоступен",
    "Service temporarily unavailable, please try again in a minute.": "Сервис временно недоступен, пожалуйста, попробуйте ещё раз через минуту.",
    "school name": "название школы",
    "As students see it, e.g. Кодариум.": "Как его видят студенты, например Кодариум.",
    "site": "сайт",
    "The main site, e.g. kodarium.ru.": "Основной сайт, например kodarium.ru.",
    "aliases": "другие названия",
    "Other names it appears under: the merchant name on bank statements, an English spelling, a product's name (a JSON list).": "Другие названия школы: имя получателя в банковской выписке, написание латиницей, название продукта (список JSON).",
    "other domains": "другие домены",
    "More host names it owns: the payment page, the learning platform (a JSON list).": "Другие домены школы: страница оплаты, учебная платформа (список JSON).",
    "school profile": "профиль школы",
    "version": "версия",
    "fitted settings": "подобранные настройки",
    "report": "отчёт",
    "Labels used, held-out figures of the settings in use and of the fit.": "Использованные метки; качество текущих и подобранных настроек на отложенных обращениях.",
    "applied": "применено",
    "classifier fit": "подбор классификатора",
    "classifier fits": "подборы классификатора",
}
PLURALS = {
    "%(n)s screenshot": ["%(n)s скриншот", "%(n)s скриншота", "%(n)s скриншотов", "%(n)s скриншотов"],
    "%(n)s attempt": ["%(n)s попытка", "%(n)s попытки", "%(n)s попыток", "%(n)s попыток"],
    "%(n)s delivery queued again.": [
        "%(n)s доставка снова в очереди.", "%(n)s доставки снова в очереди.", "%(n)s доставок снова в очереди.",
        "%(n)s доставок снова в очереди.",
    ],
}


def _unquote(lines):
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', "\n".join(lines))).encode().decode("unicode_escape").encode("latin-1").decode("utf-8")


def _quote(text):
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    parts = escaped.split("\n")
    if len(parts) == 1:
        return f'msgstr "{escaped}"'
    lines = [p + "\\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return 'msgstr ""\n' + "\n".join(f'"{line}"' for line in lines)


def _unfuzzy(lines):
    """Drop the fuzzy flag and the previous-msgid hints: msgfmt skips fuzzy entries."""
    kept = []
    for line in lines:
        if line.startswith("#|"):
            continue
        if line.startswith("#,"):
            flags = [f.strip() for f in line[2:].split(",") if f.strip() and f.strip() != "fuzzy"]
            if not flags:
                continue
            line = "#, " + ", ".join(flags)
        kept.append(line)
    return kept


def fill(po_path: Path) -> list[str]:
    text = po_path.read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    missing = []
    for index, block in enumerate(blocks):
        lines = block.split("\n")
        id_start = next((i for i, line in enumerate(lines) if line.startswith("msgid ")), None)
        str_start = next((i for i, line in enumerate(lines) if line.startswith(("msgstr ", "msgid_plural "))), None)
        if id_start is None or str_start is None:
            continue
        msgid = _unquote([lines[id_start][6:]] + lines[id_start + 1:str_start])
        if not msgid:
            blocks[index] = "\n".join(_unfuzzy(lines))  # the header carries Plural-Forms
            continue
        if msgid in PLURALS:
            plural_start = next(i for i, line in enumerate(lines) if line.startswith("msgid_plural "))
            forms = [f'msgstr[{i}] "{form}"' for i, form in enumerate(PLURALS[msgid])]
            blocks[index] = "\n".join(_unfuzzy(lines[:plural_start + 1]) + forms)
            continue
        translation = RU.get(msgid)
        if translation is None:
            missing.append(msgid)
            continue
        lines = _unfuzzy(lines[:str_start]) + [_quote(translation)]
        blocks[index] = "\n".join(lines)
    po_path.write_text("\n\n".join(blocks), encoding="utf-8")
    return missing


if __name__ == "__main__":
    root = Path(__file__).resolve().parent
    missing = fill(root / "ru" / "LC_MESSAGES" / "django.po")
    for msgid in missing:
        print("untranslated:", msgid, file=sys.stderr)
