"""Russian texts of the desk at a million tickets and its health checks (issue 13)."""

RU = {
    "First page": "Первая страница",
    "Page %(n)s of %(total)s+": "Страница %(n)s из %(total)s+",
    "Past page %(n)s": "Дальше страницы %(n)s",
}
