"""Russian texts of the Telegram channel (issue 11): the bot's messages, its admin."""

RU = {
    # the bot's messages (tgbot/texts.py)
    "Hello! This is the support service of the online school. Describe your problem in one message; a screenshot helps (send it as a photo or as a file). We will answer here.":
        "Здравствуйте! Это служба поддержки онлайн-школы. Опишите проблему одним сообщением; скриншот поможет (отправьте его фото или файлом). Ответим здесь.",
    "How it works:\n• write your question, attach screenshots if you have them: it becomes a request;\n• everything you write next is added to your open request;\n/new: the next message starts a new request;\n/status: your requests and their states;\n/help: this message.":
        "Как это работает:\n• напишите вопрос, приложите скриншоты, если есть: получится обращение;\n• всё, что вы напишете дальше, добавится к открытому обращению;\n/new: следующее сообщение начнёт новое обращение;\n/status: ваши обращения и их статусы;\n/help: эта подсказка.",
    "Fine: your next message starts a new request.": "Хорошо: следующее сообщение начнёт новое обращение.",
    "You have no requests yet. Just write your question.": "У вас пока нет обращений. Просто напишите свой вопрос.",
    "Your requests:": "Ваши обращения:",
    "Request #%(id)s received. We will answer in this chat; everything you write next is added to it.":
        "Обращение №%(id)s принято. Ответим в этом чате; всё, что вы напишете дальше, добавится к нему.",
    "Support's answer on request #%(id)s:\n\n%(body)s": "Ответ поддержки по обращению №%(id)s:\n\n%(body)s",
    "Automatic answer on request #%(id)s from our knowledge base:\n\n%(body)s\n\nDid it help?":
        "Автоматический ответ по обращению №%(id)s из нашей базы знаний:\n\n%(body)s\n\nЭто помогло?",
    "It helped": "Помогло",
    "I need an operator": "Нужен оператор",
    "Glad it helped! The request is resolved; write here if you need anything else.":
        "Рады, что помогло! Обращение решено; если понадобится что-то ещё, напишите сюда.",
    "An operator will answer you here soon.": "Оператор скоро ответит вам здесь.",
    "Request #%(id)s has been resolved. How did we do? Rate our help from 1 to 5.":
        "Обращение №%(id)s решено. Как мы справились? Оцените нашу помощь от 1 до 5.",
    "Thank you for the rating (%(score)s)!": "Спасибо за оценку (%(score)s)!",
    "We could not accept the file: %(error)s Your text was kept; send the screenshot again as a PNG or JPEG photo or file.":
        "Мы не смогли принять файл: %(error)s Ваш текст сохранён; пришлите скриншот ещё раз фото или файлом PNG или JPEG.",
    "only PNG, JPEG and WebP images are accepted.": "принимаются только изображения PNG, JPEG и WebP.",
    "Telegram did not give us the file.": "Telegram не отдал нам файл.",
    "This button is not for you.": "Эта кнопка не для вас.",
    "This needs a person: write to me privately, your question is carried over: %(link)s":
        "Здесь нужен сотрудник: напишите мне в личные сообщения, вопрос перенесётся туда: %(link)s",
    "%(body)s\n\nIf this does not solve it, write to me privately.": "%(body)s\n\nЕсли это не решило вопрос, напишите мне в личные сообщения.",
    "This link was for another person's question. Just write your own question here.":
        "Эта ссылка была для вопроса другого человека. Просто напишите свой вопрос здесь.",
    # the admin (tgbot/models.py, admin.py, apps.py)
    "Telegram user id": "ID пользователя Telegram",
    "private chat id": "ID личного чата",
    "Empty until the user writes to the bot privately.": "Пусто, пока пользователь не написал боту в личные сообщения.",
    "Telegram username": "имя пользователя Telegram",
    "Telegram name": "имя в Telegram",
    "next message starts a new request": "следующее сообщение начнёт новое обращение",
    "Telegram account": "аккаунт Telegram",
    "Telegram accounts": "аккаунты Telegram",
    "Waiting to join a request": "Ждёт объединения в обращение",
    "Handled": "Обработано",
    "Ignored": "Пропущено",
    "update id": "ID обновления",
    "chat id": "ID чата",
    "message id": "ID сообщения",
    "what was done": "что сделано",
    "received": "получено",
    "Telegram update": "обновление Telegram",
    "Telegram updates": "обновления Telegram",
    "answer questions here": "отвечать на вопросы здесь",
    "Telegram group": "группа Telegram",
    "Telegram groups": "группы Telegram",
    "FAQ answer": "ответ из FAQ",
    "Invitation to a private chat": "приглашение в личный чат",
    "deep-link token": "токен ссылки",
    "reply in a group": "ответ в группе",
    "replies in groups": "ответы в группах",
    "key": "ключ",
    "Why it is sent: one message per key.": "Зачем отправляется: одно сообщение на ключ.",
    "in reply to": "в ответ на",
    "buttons": "кнопки",
    "bot message": "сообщение бота",
    "bot messages": "сообщения бота",
    "requests": "обращения",
    "all requests": "все обращения",
}

PLURALS = {
    "%(n)s message queued again.": [
        "%(n)s сообщение снова в очереди.", "%(n)s сообщения снова в очереди.", "%(n)s сообщений снова в очереди.",
        "%(n)s сообщений снова в очереди.",
    ],
}
