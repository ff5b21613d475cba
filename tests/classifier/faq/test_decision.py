"""The sure / unsure rule: an outcome (FaqOutcome) for every message, the reason text for people."""
from __future__ import annotations

import pytest

from classifier import FaqOutcome
from classifier.faq.decision import AutoAnswerDecision, answer_decision
from tests.classifier.faq.sample import rule_params as _params


def test_sure_when_score_and_margin_clear(index):
    d = answer_decision("как вернуть деньги за занятия", index, "payment", params=_params(0.5, 0.05))
    assert isinstance(d, AutoAnswerDecision)
    assert d.auto_answer and d.entry_id == "money_back" and d.entry.id == "money_back"
    assert d.reason.startswith("sure") and len(d.suggestions) == 3
    assert d.outcome is FaqOutcome.AUTO_ANSWER and d.outcome == "auto_answer"  # a str enum: stores as text


def test_unsure_when_score_too_low(index):
    d = answer_decision("как вернуть деньги за занятия", index, "payment", params=_params(5.0, 0.0))
    assert not d.auto_answer and "low score" in d.reason and d.outcome is FaqOutcome.LOW_SCORE
    assert d.suggestions[0].entry_id == "money_back"  # the operator still sees the suggestion


def test_unsure_when_margin_too_small(index):
    d = answer_decision("как вернуть деньги за занятия", index, "payment", params=_params(0.0, 10.0))
    assert not d.auto_answer and "margin" in d.reason and d.outcome is FaqOutcome.AMBIGUOUS


def test_unsure_when_signals_disagree(index):
    d = answer_decision("как вернуть деньги за занятия", index, "payment", params=_params(0.0, 0.0, min_votes=5))
    assert not d.auto_answer and "disagree" in d.reason and d.outcome is FaqOutcome.SIGNALS_DISAGREE


def test_offtopic_is_never_auto_answered(index):
    d = answer_decision("как вернуть деньги за занятия", index, "offtopic", params=_params(0.0, 0.0))
    assert not d.auto_answer and d.reason == "offtopic" and d.entry_id is None
    assert d.outcome is FaqOutcome.OFFTOPIC


def test_topic_prediction_object_is_accepted(index):
    class Pred:
        topic = "offtopic"

    d = answer_decision("как вернуть деньги", index, Pred(), params=_params(0.0, 0.0))
    assert d.reason == "offtopic" and d.outcome is FaqOutcome.OFFTOPIC and d.topic == "offtopic"


def test_needs_human_and_a_doubtful_score_are_outcomes_too(index):
    d = answer_decision("Верните деньги!!! Иначе подам в суд", index, "payment", params=_params(0.0, 0.0))
    assert d.outcome is FaqOutcome.NEEDS_HUMAN and d.reason.startswith("needs_human: ") and not d.auto_answer
    d = answer_decision("как вернуть деньги за занятия", index, "payment", params=_params(0.0, 0.0, max_nh=-1.0))
    assert d.outcome is FaqOutcome.POSSIBLY_NEEDS_HUMAN and "possibly needs a human" in d.reason


def test_the_re_ranked_order_is_shown_and_an_answer_needs_the_same_first_entry(index):
    text = "как вернуть деньги за занятия"
    params = _params(0.5, 0.05)
    base = answer_decision(text, index, "payment", params=params)
    assert base.auto_answer and base.entry_id == "money_back"
    flipped = {**params, "retrieval": {**params["retrieval"], "rerank": {"depth": 3, "weights": {"score": -1.0}}}}
    d = answer_decision(text, index, "payment", params=flipped)
    assert [h.entry_id for h in d.suggestions] == [h.entry_id for h in base.suggestions][::-1]
    assert d.entry_id == d.suggestions[0].entry_id != "money_back"
    assert not d.auto_answer and d.outcome is FaqOutcome.AMBIGUOUS and "re-ranking" in d.reason
    assert d.confidence == base.confidence  # the rule still reads the fused score's first entry


@pytest.mark.slow
def test_real_encoder_shipped_thresholds_answer_a_plain_question(real_index):
    d = answer_decision("Как восстановить пароль?", real_index, "profile")
    assert d.entry_id == "forgot_pass"
    assert d.auto_answer, d.reason


def test_the_rule_reads_the_segment_confidence_when_the_index_gives_one():
    from classifier.faq.decision import answer_confidence
    from classifier.faq.index import FaqHit
    from tests.classifier.faq.sample import ENTRIES

    plain = [FaqHit("a", 0.9, ENTRIES[0], {}), FaqHit("b", 0.7, ENTRIES[1], {})]
    assert answer_confidence(plain) == pytest.approx((0.9, 0.2))
    boosted = [FaqHit("a", 0.9, ENTRIES[0], {"confidence": 1.1, "confidence_margin": 0.05}), plain[1]]
    assert answer_confidence(boosted) == (1.1, 0.05)
    assert answer_confidence([]) == (0.0, 0.0)
