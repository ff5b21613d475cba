"""Russian texts of triage's one click: "Not a support request — close" (the ticket page and the queue list's bulk bar)."""

RU = {
    "Not a support request — close": "Не обращение в поддержку — закрыть",
    "Labels it out of scope (the classifier learns from it) and closes it; the student is told it was closed.":
        "Помечает как не относящееся к школе (классификатор учится на этом) и закрывает; студенту придёт уведомление о закрытии.",
    "Closed as not a support request.": "Закрыто: это не обращение в поддержку.",
    "This ticket is already closed as not a support request.": "Это обращение уже закрыто как не обращение в поддержку.",
    "The desk has no active out-of-scope intent (such as \"other\"); an administrator can switch one on.":
        "В службе нет активной метки «не относится к школе» (например, «other»); администратор может её включить.",
    # The queue list's bulk bar
    "Labels them out of scope (the classifier learns from it) and closes them; each student is told their ticket was closed.":
        "Помечает их как не относящиеся к школе (классификатор учится на этом) и закрывает; каждому студенту придёт уведомление о закрытии.",
    "already closed as not a support request": "уже закрыто как не обращение в поддержку",
}
