"""What is remembered of a corrected ticket, and how a later ticket is compared with it."""
from __future__ import annotations

import numpy as np

from classifier.runtime.encoders import CachedEncoder
from classifier.runtime.memory import CorrectionMemory, correction_text, line_key, recurring_lines
from tests.classifier.fake_encoders import PrefixHashEncoder

CHROME = "Кодариум Главная\nМои курсы Расписание\nПоиск по курсам и урокам"


def test_the_schools_recurring_lines_are_not_remembered_but_the_students_words_are():
    others = [f"10:2{i} LTE\n{CHROME}\nДомашнее задание {i} отправлено" for i in range(5)]
    ticket = f"23:52 LTE\n{CHROME}\nОшибка загрузки файла ERR_UPLOAD_502\nПопробуйте ещё раз"
    recurring = recurring_lines(others)
    assert line_key("Мои курсы Расписание") in recurring
    text = correction_text(ticket, "  не грузится   домашка ", recurring)
    assert text.splitlines() == ["не грузится домашка", "Ошибка загрузки файла ERR_UPLOAD_502", "Попробуйте ещё раз"]


def test_clock_times_and_numbers_do_not_make_a_line_distinctive():
    assert line_key("Заказ KD-61207 ожидает оплаты 12:30") == line_key("Заказ KD-1 ожидает оплаты 09:00")


def test_a_line_on_a_few_of_many_screenshots_is_not_chrome():
    texts = ["Платёж отклонён банком"] * 3 + [f"экран номер {i} прочее" for i in range(97)]
    assert line_key("Платёж отклонён банком") not in recurring_lines(texts)  # 3 of 100 < 5 %
    assert line_key("Платёж отклонён банком") in recurring_lines(texts[:10])  # 3 of 10


def test_memory_scores_a_repeated_item_and_ignores_an_unrelated_one():
    memory = CorrectionMemory(["a", "b", "other"], {}, CachedEncoder(PrefixHashEncoder()), floor=0.5)
    assert not memory.scores("anything").any()
    assert memory.add("other", "ВкусноЕд доставка\nОплата заказа еды не прошла")
    assert not memory.add("missing-intent", "x y") and not memory.add("a", "   ")
    repeated = memory.scores("12:00\nВкусноЕд доставка\nОплата заказа еды не прошла\nПовторить")
    unrelated = memory.scores("Сертификат о прохождении курса формируется")
    assert repeated[2] > 0.5 and repeated[0] == repeated[1] == 0.0
    assert not unrelated.any()
    assert len(memory) == 1 and isinstance(repeated, np.ndarray)
