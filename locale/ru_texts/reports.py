"""Russian texts of the team lead's reports (issue 12): the page, its charts and the CSV export."""

RU = {
    "Reports": "Отчёты",
    "Reports: tickets, automatic answers, response times, satisfaction": "Отчёты: обращения, автоответы, время ответа, оценки",
    "7 days": "7 дней",
    "30 days": "30 дней",
    "90 days": "90 дней",
    "Download CSV": "Скачать CSV",
    "Showing the last %(n)s days instead.": "Вместо этого показаны последние %(n)s дней.",
    "Tickets that came in from %(since)s to %(until)s (%(tz)s), in the queues you see. Recent days still change: answers and resolutions are counted for the day a ticket came in.":
        "Обращения, поступившие с %(since)s по %(until)s (%(tz)s), в очередях, которые вам доступны. Последние дни ещё меняются: ответы и решения засчитываются дню поступления обращения.",
    "Tickets in": "Поступило",
    "Solved automatically": "Решено автоответом",
    "%(n)s solved, %(p)s awaiting feedback": "решено: %(n)s, ждут отзыва: %(p)s",
    "Handed to a person": "Передано человеку",
    "after an automatic answer": "после автоответа",
    "median; 90%%: %(p90)s": "медиана; 90%%: %(p90)s",
    "SLA breaches": "Нарушения SLA",
    "Satisfaction": "Удовлетворённость",
    "Label corrections": "Исправления меток",
    "Charts": "Графики",
    "Per day": "По дням",
    "Per queue": "По очередям",
    "Day": "День",
    "First response, median": "Первый ответ, медиана",
    "First response, p90": "Первый ответ, p90",
    "Resolution, median": "Решение, медиана",
    "Solved automatically: the student said the automatic answer solved it and no person replied. Handed to a person: the student still needed help, or did not answer in time. Times count from the moment the ticket came in.":
        "Решено автоответом: студент ответил, что автоответ помог, и человек не отвечал. Передано человеку: студенту всё ещё нужна помощь или он не ответил вовремя. Время считается с момента поступления обращения.",
    "hours": "часы",
    "minutes": "минуты",
    "Tickets per day": "Обращения по дням",
    "Tickets": "Обращения",
    "Tickets that came in each day, and how many of them the automatic answer solved.":
        "Сколько обращений поступило за каждый день и сколько из них решил автоответ.",
    "First response time per day": "Время первого ответа по дням",
    "Median and 90th percentile of the time until a person first answered, by the day the ticket came in.":
        "Медиана и 90-й процентиль времени до первого ответа человека, по дню поступления обращения.",
    "median (p50)": "медиана (p50)",
    "90th percentile (p90)": "90-й процентиль (p90)",
    "Tickets that came in per queue, and how many of them missed a service-level target.":
        "Сколько обращений поступило в каждую очередь и сколько из них нарушили SLA.",
    "%(days)d d %(hours)d h": "%(days)d д %(hours)d ч",
    "%(hours)d h %(minutes)02d min": "%(hours)d ч %(minutes)02d мин",
    "%(minutes)d min": "%(minutes)d мин",
    "%(seconds)d s": "%(seconds)d с",
}
PLURALS = {
    "%(n)s rating": ["%(n)s оценка", "%(n)s оценки", "%(n)s оценок", "%(n)s оценок"],
}
