"""Russian texts of intake (issue 8): errors of the API, oversized forms, submissions sent twice."""

RU = {
    # The API's JSON errors
    "The request is too large. Send shorter text (screenshots go as files).":
        "Запрос слишком большой. Отправьте текст покороче (скриншоты — отдельными файлами).",
    "The request could not be read.": "Не удалось прочитать запрос.",
    "You do not have permission to perform this action.": "У вас нет прав на это действие.",
    "Not found.": "Не найдено.",
    "Server error. Please try again later.": "Ошибка сервера. Попробуйте позже.",
    "This Idempotency-Key was already used for a different submission.":
        "Этот Idempotency-Key уже использован для другого обращения.",
    "Use 1 to 255 printable ASCII characters.": "Используйте от 1 до 255 печатных символов ASCII.",
    # The forms
    "The text is too long: at most %(limit)s characters. Shorten it and send again.":
        "Текст слишком длинный: не больше %(limit)s символов. Сократите его и отправьте снова.",
    # Models (admin)
    "scope": "область",
    "API (Idempotency-Key header)": "API (заголовок Idempotency-Key)",
    "web form (one-time form token)": "веб-форма (одноразовый ключ формы)",
    "status page reply (one-time form token)": "ответ на странице обращения (одноразовый ключ формы)",
    "client": "клиент",
    "Digest of the client's identity (its IP address).": "Хеш того, кто отправил (его IP-адрес).",
    "key": "ключ",
    "request digest": "хеш запроса",
    "idempotency key": "ключ повтора",
    "idempotency keys": "ключи повтора",
    "classification started": "классификация начата",
    "created at": "создан",
}
