"""Signals, fusion and the abstain rule (fitted, global threshold; out-of-scope wins -> unsure)."""
from __future__ import annotations

import numpy as np
import pytest

from classifier.runtime.fusion import softmax
from classifier.runtime.labels import IntentSpec, LabelSet
from classifier.runtime.pipeline import TicketPipeline
from classifier.runtime.signals import TextScorer, compile_keyword, focus_text, segments_of
from classifier.runtime.textnorm import normalise_text


def small_labels(**settings) -> LabelSet:
    return LabelSet(
        intents=[
            IntentSpec("payment-problem", descriptions=["оплата не прошла, карта отклонена"], keywords=["оплат", "карт"]),
            IntentSpec("profile-problem", descriptions=["не могу войти, неверный пароль"], keywords=["пароль", "войти"]),
            IntentSpec("other", descriptions=["обед пицца погода"], keywords=["пицц"], in_scope=False),
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


@pytest.mark.parametrize("stem", ["оплат", "уже зарегистр", "карт", "re:\\d+\\s?₽", "re:ОШИБК"])
@pytest.mark.parametrize("text", ["ошибка оплаты", "неоплатный", "email уже зарегистрирован", "скарт карта",
                                  "итого 4 990 ₽", "ошибка", "", "картой оплатить"])
def test_the_literal_prefilter_never_changes_a_keyword_match(stem, text):
    """The literal check only skips regexes that cannot match: the same match as the bare regex, every time."""
    keyword = compile_keyword(stem)
    norm = normalise_text(text)
    bare = keyword.regex.search(norm)
    found = keyword.search(norm)
    assert (found is None) == (bare is None)
    assert found is None or found.span() == bare.span()
    assert (keyword.needle is None) == stem.startswith("re:")


def test_keyword_scores_are_the_per_intent_sums_of_the_stems_found(hash_encoder):
    """Each stem is searched once per text; an intent's score is still log1p of its found stems' weights, a stem
    shared by two intents weighing 1/2 in each."""
    labels = LabelSet(intents=[
        IntentSpec("payment-problem", descriptions=["оплата"], keywords=["оплат", "карт", "ошибк"]),
        IntentSpec("profile-problem", descriptions=["пароль"], keywords=["пароль", "ошибк", "re:код\\s?\\d+"]),
        IntentSpec("other", descriptions=["пицца"], keywords=["пицц"], in_scope=False),
    ])
    scorer = TextScorer(labels, hash_encoder)
    scores = dict(zip(scorer.names, scorer.keywords("Ошибка: карта отклонена, код 51")))
    assert scores["payment-problem"] == pytest.approx(np.log1p(1 + 0.5))  # карт + half of ошибк
    assert scores["profile-problem"] == pytest.approx(np.log1p(0.5 + 1))  # half of ошибк + the code regex
    assert scores["other"] == 0.0


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
