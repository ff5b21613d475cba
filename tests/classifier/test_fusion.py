"""Signals, fusion and the abstain rule (fitted, global threshold; out-of-scope wins -> unsure)."""
from __future__ import annotations

import numpy as np
import pytest

from classifier.calibrate import fit_temperature, fit_threshold, routing_metrics, write_settings
from classifier.labels import Intent, LabelSet
from classifier.pipeline import TicketPipeline
from classifier.scoring import compile_keyword, focus_text, segments_of, softmax


def small_labels(**settings) -> LabelSet:
    return LabelSet(
        intents=[
            Intent("payment-problem", descriptions=["оплата не прошла, карта отклонена"], keywords=["оплат", "карт"]),
            Intent("profile-problem", descriptions=["не могу войти, неверный пароль"], keywords=["пароль", "войти"]),
            Intent("other", descriptions=["обед пицца погода"], keywords=["пицц"], in_scope=False),
        ],
        settings=settings,
        cues=["не прош", "неверн"],
    )


def test_softmax_temperature():
    p1 = softmax(np.array([2.0, 0.0]), 1.0)
    p2 = softmax(np.array([2.0, 0.0]), 0.5)
    assert np.isclose(p1.sum(), 1) and p2[0] > p1[0]


def test_keyword_patterns():
    assert compile_keyword("оплат").search("ошибка оплаты")
    assert not compile_keyword("оплат").search("неоплатный")  # stems match at word starts
    assert compile_keyword("re:\\d+\\s?₽").search("итого 4 990 ₽")
    assert compile_keyword("уже зарегистр").search("email уже зарегистрирован")


def test_focus_keeps_cue_lines_and_neighbours():
    text = "Главная\nМои курсы\nОплата\nПлатёж не прошёл\nПопробуйте снова\nПрофиль\nНастройки"
    assert focus_text(text, [compile_keyword("не прош")]) == "Оплата\nПлатёж не прошёл\nПопробуйте снова"
    assert focus_text(text, [compile_keyword("ошибк")]) == ""


def test_segments_include_whole_text_lines_and_windows():
    segs = segments_of("первая строка текста\nвторая строка\nтретья строка\nчетвёртая")
    assert segs[0] == "первая строка текста вторая строка третья строка четвёртая"
    assert "вторая строка" in segs and "первая строка текста вторая строка третья строка" in segs


def test_keyword_and_semantic_evidence_pick_the_intent(hash_encoder):
    pipe = TicketPipeline(labels=small_labels(threshold=0.0, temperature=1.0), encoder=hash_encoder)
    logits, extra = pipe.fuse("Ошибка: оплата не прошла, карта отклонена")
    assert pipe.names[int(np.argmax(logits))] == "payment-problem"
    assert extra["signals"]["ocr_keywords"]["payment-problem"] > extra["signals"]["ocr_keywords"]["profile-problem"]
    assert "focus_semantic" in extra["signals"]


def test_no_text_means_unsure(hash_encoder):
    pipe = TicketPipeline(labels=small_labels(threshold=0.0), encoder=hash_encoder)
    label, conf, probs = pipe.decide(pipe.fuse("")[0])
    assert label is None
    assert probs[pipe.names.index("other")] == probs.max()


def test_abstain_rule_uses_the_global_threshold(hash_encoder):
    logits = np.array([1.0, 0.6, -3.0])  # payment slightly ahead of profile, other far behind
    low = TicketPipeline(labels=small_labels(threshold=0.3, temperature=1.0), encoder=hash_encoder)
    high = TicketPipeline(labels=small_labels(threshold=0.9, temperature=1.0), encoder=hash_encoder)
    assert low.decide(logits)[0] == "payment-problem"
    label, conf, _ = high.decide(logits)
    assert label is None and 0.5 < conf < 0.9  # confidence still reported for the best queue
    override = TicketPipeline(labels=small_labels(threshold=0.9), encoder=hash_encoder, threshold=0.1)
    assert override.decide(logits)[0] == "payment-problem"


def test_out_of_scope_winner_is_unsure_even_with_zero_threshold(hash_encoder):
    pipe = TicketPipeline(labels=small_labels(threshold=0.0), encoder=hash_encoder)
    assert pipe.decide(np.array([0.0, 0.0, 5.0]))[0] is None


def test_fit_threshold_separates_confident_right_from_unsure_wrong():
    # 4 items, classes: 0,1 in scope; 2 out of scope
    probs = np.array([[0.95, 0.03, 0.02], [0.9, 0.05, 0.05], [0.55, 0.4, 0.05], [0.6, 0.1, 0.3]])
    y = np.array([0, 0, 1, 2])
    in_scope = np.array([True, True, False])
    thr, obj = fit_threshold(probs, y, in_scope)
    assert 0.6 < thr <= 0.9  # routes the two confident items, holds back the two doubtful ones
    pred = np.where(probs.max(1) >= thr, probs.argmax(1), -1)
    acc, mis, cov = routing_metrics(pred, y, in_scope)
    assert (acc, mis) == (0.75, 0.0) and cov == pytest.approx(2 / 3)


def test_fit_temperature_sharpens_underconfident_logits():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 3, 200)
    logits = rng.normal(0, 0.3, (200, 3))
    logits[np.arange(200), y] += 1.0  # right most of the time but soft
    t, nll = fit_temperature(logits, y)
    assert t < 1.0
    assert nll < -np.log(softmax(logits)[np.arange(200), y]).mean()


def test_write_settings_keeps_comments(tmp_path):
    path = tmp_path / "labels.yaml"
    path.write_text("# comment\nsettings: {}\nintents:\n  - name: a\n", encoding="utf-8")
    write_settings(str(path), {"threshold": 0.7, "temperature": 0.5})
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# comment\n")
    assert LabelSet.from_yaml(path).settings == {"threshold": 0.7, "temperature": 0.5}
