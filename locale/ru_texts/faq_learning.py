"""Russian texts of learning from operators' answers (issue 9, FAQ side): offered and learned phrasings."""

RU = {
    "learned phrasings": "выученные формулировки",
    "Students' questions added from tickets answered with this entry; they help find it by meaning.":
        "Вопросы студентов из обращений, на которые ответили этой записью; помогают находить её по смыслу.",
    "Students' questions added from tickets answered with this entry; they help find it by meaning. One per line; "
    "delete a line to forget it.":
        "Вопросы студентов из обращений, на которые ответили этой записью; помогают находить её по смыслу. "
        "По одной на строку; удалите строку, чтобы забыть формулировку.",
    "offered": "предложена",
    "added": "добавлена",
    "dismissed": "отклонена",
    "student's question": "вопрос студента",
    "offered phrasing": "предложенная формулировка",
    "offered phrasings": "предложенные формулировки",
    "phrasing added": "формулировка добавлена",
    "phrasing dismissed": "формулировка отклонена",
    "FAQ entry event": "событие записи FAQ",
    "FAQ entry events": "события записей FAQ",
    "None waiting.": "Нет ожидающих.",
    "Add": "Добавить",
    "Dismiss": "Отклонить",
    "This phrasing was already decided.": "Эта формулировка уже рассмотрена.",
    "Added as a learned phrasing: %(text)s": "Добавлено как выученная формулировка: %(text)s",
    "Dismissed: %(text)s": "Отклонено: %(text)s",
}
