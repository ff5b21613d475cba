"""Russian texts of the desk's tools (issue 12, second half): search, merging, bulk actions, canned answers, the
student's other tickets."""

RU = {
    # Search
    "Best match first": "Сначала самые подходящие",
    "Words are found in any of their forms, in the request, the messages, the internal notes and the text on the screenshots of every queue you work in.":
        "Слова находятся в любой форме: в обращении, сообщениях, внутренних заметках и тексте на скриншотах во всех ваших очередях.",
    "names and contact": "имена и контакт",
    "word stems": "основы слов",
    "search document": "поисковый документ",
    "search documents": "поисковые документы",
    # The student's other tickets, duplicates, merging
    "This student's other tickets": "Другие обращения этого студента",
    "merged into #%(id)s": "объединено с №%(id)s",
    "No other tickets in your queues.": "В ваших очередях других обращений нет.",
    "Likely duplicates": "Возможные дубликаты",
    "near-identical": "почти совпадает",
    "text %(score)s%% alike": "текст похож на %(score)s%%",
    "Merge into #%(id)s": "Объединить с №%(id)s",
    "Merge": "Объединить",
    "Only tickets of the same student: messages and screenshots move there, this ticket is closed, and the student is told once.":
        "Только обращения одного студента: сообщения и скриншоты переносятся туда, это обращение закрывается, студент получает одно сообщение.",
    "This ticket was merged into <a href=\"%(url)s\">#%(id)s</a>.": "Это обращение объединено с <a href=\"%(url)s\">№%(id)s</a>.",
    "This request is now part of request #%(id)s: the conversation continues there.":
        "Это обращение теперь часть обращения №%(id)s: переписка продолжается там.",
    "Open request #%(id)s": "Открыть обращение №%(id)s",
    "There is no ticket #%(id)s in your queues.": "В ваших очередях нет обращения №%(id)s.",
    "Merge this ticket into ticket #": "Объединить это обращение с №",
    "Merged": "Объединено",
    "merged into": "объединено с",
    "A ticket cannot be merged into itself.": "Обращение нельзя объединить с самим собой.",
    "You may merge only tickets of your queues.": "Объединять можно только обращения из ваших очередей.",
    "Only tickets of the same student can be merged.": "Объединять можно только обращения одного студента.",
    "Ticket #%(id)s was already merged into #%(into)s.": "Обращение №%(id)s уже объединено с №%(into)s.",
    "Ticket #%(id)s was merged into #%(into)s: merge into that one.": "Обращение №%(id)s объединено с №%(into)s: объединяйте с ним.",
    "No such ticket.": "Такого обращения нет.",
    "Your request #%(source)s is now part of request #%(target)s: we answer both here.":
        "Ваше обращение №%(source)s теперь часть обращения №%(target)s: отвечаем на оба здесь.",
    "Give the number of the ticket to merge this one into.": "Укажите номер обращения, с которым объединить это.",
    "Ticket #%(source)s is merged into this one; the student was told.": "Обращение №%(source)s объединено с этим; студенту сообщили.",
    "Ticket #%(source)s merged into this one": "С этим обращением объединено №%(source)s",
    "Merged into ticket #%(target)s": "Объединено с обращением №%(target)s",
    # Bulk actions
    "Select tickets in the list first.": "Сначала отметьте обращения в списке.",
    "Apply to the selected": "Применить к отмеченным",
    "selected:": "отмечено:",
    "Select all on this page": "Отметить все на странице",
    "Select": "Выбор",
    "Select #%(id)s": "Отметить №%(id)s",
    "Select tickets from the list.": "Отметьте обращения в списке.",
    "Set status": "Сменить статус на",
    "Merge into ticket #": "Объединить с №",
    "With the selected tickets": "С отмеченными обращениями",
    "Ticket #": "Обращение №",
    "Nobody (unassign)": "Никого (снять исполнителя)",
    "Select at least one ticket.": "Отметьте хотя бы одно обращение.",
    "At most %(n)s tickets at once.": "Не больше %(n)s обращений за раз.",
    "Unknown action: %(action)s": "Неизвестное действие: %(action)s",
    "not found": "не найдено",
    "Ticket #%(id)s: %(reason)s": "Обращение №%(id)s: %(reason)s",
    # Canned answers
    "Canned answers": "Шаблоны ответов",
    "Manage canned answers": "Настроить шаблоны ответов",
    "shared": "общий",
    "personal": "личный",
    "Edit": "Изменить",
    "Delete": "Удалить",
    "No canned answers yet.": "Шаблонов ответов пока нет.",
    "Edit “%(title)s”": "Изменить «%(title)s»",
    "New canned answer": "Новый шаблон ответа",
    "Placeholders, filled in for the ticket when inserted:": "Подстановки, заполняются для обращения при вставке:",
    "Cancel": "Отмена",
    "Title": "Название",
    "Text": "Текст",
    "Shared with all operators": "Общий для всех операторов",
    "shared with all operators": "общий для всех операторов",
    "the student's name": "имя студента",
    "the ticket's number": "номер обращения",
    "your name": "ваше имя",
    "the student's status link": "ссылка студента на страницу обращения",
    "Unknown placeholders: %(names)s. Known: %(known)s.": "Неизвестные подстановки: %(names)s. Известные: %(known)s.",
    "owner": "владелец",
    "canned answer": "шаблон ответа",
    "canned answers": "шаблоны ответов",
    "Give the answer a title.": "Дайте шаблону название.",
    "A title has at most %(n)s characters.": "В названии не больше %(n)s символов.",
    "The answer is empty.": "Текст шаблона пустой.",
    "An answer has at most %(n)s characters.": "В шаблоне не больше %(n)s символов.",
    "The canned answer is saved.": "Шаблон ответа сохранён.",
    "The canned answer is deleted.": "Шаблон ответа удалён.",
    # Merging across contacts (one person writing from two contacts)
    "The same person": "Тот же человек",
    "Tick when the two tickets come from different contacts of one person.":
        "Отметьте, если обращения пришли с разных контактов одного человека.",
    "another contact": "другой контакт",
    "this ticket": "это обращение",
    "These tickets come from different contacts: merge them only if it is the same person, with \"The same person\" ticked on the ticket page.":
        "Эти обращения пришли с разных контактов: объединяйте их, только если это один человек, отметив «Тот же человек» на странице обращения.",
    "Another contact of the same person (another e-mail, Telegram): tick «The same person»; the student is told on the other ticket's contact.":
        "Другой контакт того же человека (другая почта, Telegram): отметьте «Тот же человек»; студенту сообщат на контакт другого обращения.",
    "Merged across contacts, confirmed as the same person: %(old)s → %(new)s":
        "Объединено с другим контактом (подтверждено, что это тот же человек): %(old)s → %(new)s",
}

PLURALS = {
    "%(n)s ticket in your queues in all.": [
        "Всего %(n)s обращение в ваших очередях.", "Всего %(n)s обращения в ваших очередях.",
        "Всего %(n)s обращений в ваших очередях.", "Всего %(n)s обращений в ваших очередях.",
    ],
    "And %(n)s ticket in queues you do not see.": [
        "И ещё %(n)s обращение в очередях, которые вам не видны.", "И ещё %(n)s обращения в очередях, которые вам не видны.",
        "И ещё %(n)s обращений в очередях, которые вам не видны.", "И ещё %(n)s обращений в очередях, которые вам не видны.",
    ],
    "Done for %(n)s ticket.": ["Готово: %(n)s обращение.", "Готово: %(n)s обращения.", "Готово: %(n)s обращений.", "Готово: %(n)s обращений."],
}
