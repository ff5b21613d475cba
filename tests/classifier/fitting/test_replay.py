"""The replay: corrections along a stream, remembered as the desk remembers them; figures per half."""
from __future__ import annotations

import csv

import numpy as np
import pytest

from classifier.fitting.datasets import OcrCache
from classifier.fitting.replay import IMAGE_KEYS, TEXT_KEYS, fit_memory, halves, image_stream, replay, replay_dataset
from classifier.runtime.labels import LabelSet
from classifier.runtime.messages import MessageClassifier
from classifier.runtime.pipeline import TicketPipeline
from tests.classifier.fake_encoders import PrefixHashEncoder

# A course screen worded like a payment one (the classifier gets it wrong until corrected), seen four times,
# among unrelated screens that must come out the same with or without the memory.
REPEATED = ("course-problem", "Тренажёр КодЛаб\nЗаказ проверки решения не оплачен\nКарта отклонена, платёж не прошёл")
STREAM = [
    REPEATED,
    ("payment-problem", "Оплата заказа\nПлатёж отклонён банком\nПопробуйте другую карту"),
    ("profile-problem", "Вход в личный кабинет\nНеверный email или пароль"),
    REPEATED,
    ("other", "идём обедать в час?\nдавай в пиццерию у метро"),
    REPEATED,
    ("course-problem", "Урок 3. Видео не воспроизводится\nОшибка плеера"),
    REPEATED,
]


def _dataset(tmp_path, stream):
    root = tmp_path / "school"
    (root / "images").mkdir(parents=True)
    cache = OcrCache(str(tmp_path / "ocr.json"))
    with open(root / "images.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "label", "lang", "device", "notes"])
        for i, (label, text) in enumerate(stream):
            name = f"images/{i}.png"
            (root / name).write_bytes(b"x" * (i + 1))  # never decoded: the OCR text comes from the cache
            cache.put(cache.key(name, root / name), text)
            w.writerow([name, label, "ru", "desktop", ""])
    cache.save()
    with open(root / "texts.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "topic", "needs_human", "lang", "faq_id"])
        for text, topic in [("как оплатить курс частями", "payment"), ("забыл пароль", "profile"),
                            ("привет всем", "offtopic"), ("видео урока не грузится", "course")]:
            w.writerow([text, topic, 0, "ru", ""])
    return root, cache


@pytest.fixture
def pipeline():
    def no_ocr(image):
        raise AssertionError("the replay must read the OCR cache")

    return TicketPipeline(LabelSet.default_images(), encoder=PrefixHashEncoder(), ocr=no_ocr,
                          settings={"w_mem": 8.0, "mem_floor": 0.5})


def test_a_correction_fixes_the_repeats_and_changes_nothing_else(tmp_path, pipeline):
    root, cache = _dataset(tmp_path, STREAM)
    stream = image_stream(str(root), pipeline, cache)
    with_memory, corrections = replay(stream, pipeline.settings, screenshots=True)
    without, _ = replay(stream, {**pipeline.settings, "w_mem": 0.0, "w_mem_fallback": 0.0}, screenshots=True)
    course = pipeline.names.index("course-problem")
    repeats = [i for i, item in enumerate(STREAM) if item is REPEATED]
    assert without[repeats[0]] != course  # wrong before any correction ...
    assert all(with_memory[i] == course for i in repeats[1:])  # ... right once corrected
    assert all(without[i] != course for i in repeats)  # and only the memory made the difference
    others = [i for i in range(len(STREAM)) if i not in repeats]
    assert np.array_equal(with_memory[others], without[others])  # unrelated items unchanged
    assert corrections >= 1
    result = halves(stream, with_memory, corrections)
    assert result["second_half_accuracy"] >= halves(stream, without, corrections)["second_half_accuracy"]


def test_replay_dataset_prints_the_issues_keys(tmp_path, pipeline):
    root, cache = _dataset(tmp_path, STREAM)
    report = replay_dataset(str(root), pipeline, MessageClassifier(encoder=PrefixHashEncoder()), ocr_cache=cache)
    assert tuple(report["images"]) == IMAGE_KEYS and tuple(report["texts"]) == TEXT_KEYS
    assert report["images"]["n"] == 8 and report["texts"]["n"] == 4
    full = replay_dataset(str(root), pipeline, MessageClassifier(encoder=PrefixHashEncoder()), ocr_cache=cache, full=True)
    assert {"images_without_memory", "texts_without_memory"} <= set(full)
    assert "first_half_misroute_rate" in full["images"]


def test_fit_memory_prefers_a_memory_that_helps(tmp_path, pipeline):
    root, cache = _dataset(tmp_path, STREAM)
    stream = image_stream(str(root), pipeline, cache)
    chosen = fit_memory(stream, pipeline.settings, screenshots=True, orders=2)
    assert chosen["w_mem"] > 0 and chosen["w_mem_fallback"] == chosen["w_mem"] and 0 < chosen["mem_floor"] < 1


@pytest.mark.parametrize("orders_won, switched_on", [(1, False), (2, False), (3, True)])
def test_fit_memory_switches_a_memory_on_only_when_it_wins_most_orders(tmp_path, pipeline, monkeypatch,
                                                                       orders_won, switched_on):
    # Memory (any weight) beats none by a large margin in ``orders_won`` of 4 orders and loses a little in the
    # rest, so its mean is higher either way: only a majority of won orders may switch it on.
    import classifier.fitting.replay as replay_module

    root, cache = _dataset(tmp_path, STREAM)
    stream = image_stream(str(root), pipeline, cache)
    seen: dict[int, int] = {}

    def objective(sub, settings, *, screenshots):
        if settings["w_mem"] == 0.0:
            return 0.9
        k = seen.setdefault(id(sub), len(seen))
        return 1.0 if k < orders_won else 0.89

    monkeypatch.setattr(replay_module, "_objective", objective)
    chosen = fit_memory(stream, pipeline.settings, screenshots=True, orders=4)
    assert (chosen["w_mem"] > 0) is switched_on
