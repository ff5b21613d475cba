"""Russian texts of the FAQ's held-out check (issue 9): each entry's phrasings asked without themselves, in the
admin's FAQ entries (knowledge.admin)."""

RU = {
    "held-out check": "проверка формулировок",
    "mostly finds another entry": "чаще находится другая запись",
    "one phrasing only": "одна формулировка",
    "Not checked yet (manage.py faq_calibrate).": "Ещё не проверено (manage.py faq_calibrate).",
    "One phrasing only: it cannot be checked and is found only by its answer. Add alternative questions.":
        "Только одна формулировка: запись нельзя проверить, и её находят только по ответу. "
        "Добавьте другие формулировки вопроса.",
    "Held-out check: %(found)s of %(checked)s phrasings find this entry.":
        "Проверка формулировок (каждая задана без самой себя): эту запись находят %(found)s из %(checked)s.",
    "Found instead: %(entries)s.": "Вместо неё находятся: %(entries)s.",
    "It and %(entries)s find each other: add distinguishing alternative questions or merge the entries.":
        "Она и %(entries)s находят друг друга: добавьте различающие формулировки вопроса или объедините записи.",
    "Add alternative questions in the students' words.": "Добавьте формулировки вопроса словами студентов.",
}
