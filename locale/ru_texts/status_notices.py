"""Russian texts of the student's status notices and the operators' escalation notices (issue 11 follow-up)."""

RU = {
    # tickets.models.Delivery.Kind, TicketEvent link on a delivery
    "Status change": "Изменение статуса",
    "status change": "изменение статуса",
    # the e-mail channel (tickets/channels/email.py)
    "Your request #%(id)s has been resolved": "Ваше обращение №%(id)s решено",
    "Hello, %(name)s!\n\nSupport has closed your request. It takes no more replies; if you need help again, please submit a new request. The conversation stays here:\n%(url)s":
        "Здравствуйте, %(name)s!\n\nПоддержка закрыла ваше обращение. Ответить в нём больше нельзя; если снова понадобится помощь, "
        "создайте новое обращение. Переписка остаётся здесь:\n%(url)s",
    "Hello, %(name)s!\n\nSupport has marked your request as resolved. If the problem is still there, just reply on the request page and it opens again:\n%(url)s":
        "Здравствуйте, %(name)s!\n\nПоддержка отметила ваше обращение как решённое. Если проблема осталась, просто ответьте на "
        "странице обращения, и оно откроется снова:\n%(url)s",
    # the bot (tgbot/texts.py)
    "Request #%(id)s has been closed by support. To ask something else, just write a new message here.":
        "Поддержка закрыла обращение №%(id)s. Чтобы спросить о другом, просто напишите новое сообщение сюда.",
    "Request #%(id)s has been marked as resolved by support. If the problem is still there, just write here.":
        "Поддержка отметила обращение №%(id)s как решённое. Если проблема осталась, просто напишите сюда.",
    # notifications to operators (tickets/models/kinds.py, tickets/notices.py)
    "A student needs an operator after an automatic answer": "Студенту нужен оператор после автоматического ответа",
    "#%(id)s: %(name)s did not answer the automatic answer; an operator is needed":
        "#%(id)s: %(name)s не ответил(а) на автоматический ответ; нужен оператор",
    "#%(id)s: %(name)s still needs help after the automatic answer":
        "#%(id)s: %(name)s всё ещё нужна помощь после автоматического ответа",
}
