"""A desk's own fit of the fusion from stored signals: features round-trip, refusal, the held-out gate."""
from __future__ import annotations

import numpy as np
import pytest

from classifier.fitting import desk_fit
from classifier.fitting.desk_fit import desk_refit, features_from_signals
from classifier.runtime.fusion import fused_logits, settings_of, softmax
from classifier.runtime.labels import LabelSet
from classifier.runtime.pipeline import TicketPipeline
from tests.classifier.fake_encoders import PrefixHashEncoder

SCREENS = {
    "payment-problem": ["Оплата заказа\nПлатёж отклонён банком\nПопробуйте другую карту", "Недостаточно средств на карте"],
    "course-problem": ["Урок 3. Видео не воспроизводится\nОшибка плеера", "Домашнее задание не отправлено"],
    "profile-problem": ["Вход в личный кабинет\nНеверный email или пароль", "Код из SMS неверный"],
    "other": ["идём обедать в час?\nдавай в пиццерию", "Погода сегодня облачно"],
}


@pytest.fixture(scope="module")
def pipeline():
    return TicketPipeline(LabelSet.default_images(), encoder=PrefixHashEncoder())


def _rows(pipeline, copies=5, relabel=None):
    rows = []
    for label, texts in SCREENS.items():
        for text in texts:
            for k in range(copies):
                result = pipeline.predict([], text=f"{text}\nобращение {k}")
                rows.append((result.signals, (relabel or {}).get(label, label)))
    return rows


def test_stored_signals_give_back_the_same_decision(pipeline):
    result = pipeline.predict([], text="Оплата заказа\nПлатёж отклонён банком")
    f = features_from_signals(result.signals, pipeline.names)
    probs = softmax(fused_logits(f, pipeline.settings, pipeline.out_of_scope), pipeline.settings["temperature"])
    assert probs == pytest.approx([result.scores[n] for n in pipeline.names], abs=1e-4)


def test_too_few_labels_are_refused(pipeline):
    result = desk_refit(_rows(pipeline, copies=1), pipeline.labels)
    assert result.status == "too_few" and not result.apply and "at least 30" in result.report["reason"]


def test_a_fit_at_least_as_good_as_the_settings_in_use_is_applied(pipeline):
    result = desk_refit(_rows(pipeline), pipeline.labels)
    assert result.status in ("better", "not_better")
    assert result.report["labels"] == 40 and result.report["held_out"] > 0
    if result.apply:
        assert {"temperature", "threshold"} <= set(result.settings)
        assert not {"w_ocr_sem", "w_ocr_kw"} & set(result.settings)  # only what a desk should refit


def test_a_fit_that_scores_worse_on_held_out_tickets_is_not_applied(pipeline, monkeypatch):
    # Whatever the data, this "fit" holds every ticket back: worse than the settings in use.
    monkeypatch.setattr(desk_fit, "fit_fusion", lambda *a, **k: {"threshold": 1.5, "temperature": 1.0})
    result = desk_refit(_rows(pipeline), pipeline.labels)
    assert result.status == "not_better" and not result.apply
    assert result.report["fitted"]["coverage"] == 0.0 and "worse" in result.report["reason"]


def test_labels_unknown_to_the_label_set_are_ignored(pipeline):
    rows = _rows(pipeline, copies=1) + [({"ocr_semantic": {"x": 1.0}}, "no-such-intent")] * 40
    assert desk_refit(rows, pipeline.labels).report["labels"] == 8
    assert settings_of(pipeline.labels)["threshold"] == pipeline.settings["threshold"]
    assert np.isfinite(pipeline.settings["temperature"])
