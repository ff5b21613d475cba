"""A desk's own fit of the fusion from stored signals: features round-trip, refusals, the repeated held-out gate."""
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


def test_too_few_out_of_scope_labels_are_refused_with_the_reason(pipeline):
    # 30 school questions and 4 "not ours": the held-out sets cannot show a fit that routes "not ours" tickets.
    rows = _rows(pipeline)
    rows = [row for row in rows if row[1] != "other"] + [row for row in rows if row[1] == "other"][:4]
    result = desk_refit(rows, pipeline.labels)
    assert result.status == "too_few" and not result.apply
    assert result.report["labels"] == 34 and result.report["out_of_scope_labels"] == 4
    assert "4 confirmed out-of-scope labels; at least 5" in result.report["reason"]
    assert "\"Not a support request — close\"" in result.report["reason"]  # the desk's one click that gives them
    assert desk_refit(rows, pipeline.labels, min_out_of_scope=4).status != "too_few"


def test_the_fit_is_scored_on_every_ticket_of_several_partitions(pipeline):
    result = desk_refit(_rows(pipeline), pipeline.labels)
    assert result.status in ("better", "not_better")
    assert result.report["labels"] == 40 and result.report["held_out"] == 40 * desk_fit.GATE_SEEDS
    assert result.report["partitions"]["folds"] == desk_fit.GATE_FOLDS
    assert {"temperature", "threshold"} <= set(result.settings)
    assert not {"w_ocr_sem", "w_ocr_kw"} & set(result.settings)  # only what a desk should refit


def _holding_everything(pipeline):
    """The settings in use hold every ticket back (accuracy 0.25: the "other" ones); the shipped ones route right."""
    return pipeline.labels.with_settings({"threshold": 1.5})


def _fit_winning_on(partitions, pipeline, monkeypatch):
    """``fit_fusion`` returns the shipped (winning) settings for the folds of the first ``partitions`` partitions and
    the settings in use (a tie) for every other fold."""
    calls = []
    shipped = {"threshold": pipeline.settings["threshold"], "temperature": pipeline.settings["temperature"]}

    def fit(*args, **kwargs):
        calls.append(1)
        return shipped if len(calls) <= partitions * desk_fit.GATE_FOLDS else {**shipped, "threshold": 1.5}
    monkeypatch.setattr(desk_fit, "fit_fusion", fit)


def test_a_fit_that_wins_on_every_partition_is_applied(pipeline, monkeypatch):
    _fit_winning_on(desk_fit.GATE_SEEDS, pipeline, monkeypatch)
    result = desk_refit(_rows(pipeline), _holding_everything(pipeline))
    assert result.status == "better" and result.apply
    assert result.report["partitions"]["won"] == desk_fit.GATE_SEEDS and result.report["current"]["accuracy"] == 0.25


def test_a_fit_that_wins_on_one_partition_only_is_not_applied(pipeline, monkeypatch):
    # Better overall (one partition much better, the others tied) and no misroute: luck of one split, not applied.
    _fit_winning_on(1, pipeline, monkeypatch)
    result = desk_refit(_rows(pipeline), _holding_everything(pipeline))
    assert result.report["fitted"]["objective"] > result.report["current"]["objective"]
    assert result.report["fitted"]["misroute_rate"] == 0.0
    assert result.status == "not_better" and not result.apply
    assert result.report["partitions"]["won"] == 1 and "won 1 of 5 partitions" in result.report["reason"]


def test_a_fit_that_scores_worse_on_held_out_tickets_is_not_applied(pipeline, monkeypatch):
    # Whatever the data, this "fit" holds every ticket back: worse than the settings in use.
    monkeypatch.setattr(desk_fit, "fit_fusion", lambda *a, **k: {"threshold": 1.5, "temperature": 1.0})
    result = desk_refit(_rows(pipeline), pipeline.labels)
    assert result.status == "not_better" and not result.apply
    assert result.report["fitted"]["coverage"] == 0.0 and "not better" in result.report["reason"]


def test_labels_unknown_to_the_label_set_are_ignored(pipeline):
    rows = _rows(pipeline, copies=1) + [({"ocr_semantic": {"x": 1.0}}, "no-such-intent")] * 40
    assert desk_refit(rows, pipeline.labels).report["labels"] == 8
    assert settings_of(pipeline.labels)["threshold"] == pipeline.settings["threshold"]
    assert np.isfinite(pipeline.settings["temperature"])
