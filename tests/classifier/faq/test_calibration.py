"""Self-calibration from a school's own FAQ (classifier/faq/calibration.py), with a model-free encoder."""
from __future__ import annotations

import pytest

from classifier.faq.calibration import (
    MAX_SHIFT, FaqCalibration, HeldOut, calibrate_faq, calibration_reference, fit_threshold, held_out_queries,
)
from classifier.faq.decision import answer_decision
from classifier.faq.documents import FaqDocument
from classifier.faq.index import FaqIndex
from classifier.faq.params import load_params
from tests.classifier.fake_encoders import TokenHashEncoder
from tests.classifier.faq.sample import ENTRIES


@pytest.fixture
def encoder():
    return TokenHashEncoder()


def test_every_question_is_asked_held_out_covered_and_not_covered(encoder):
    queries = held_out_queries(ENTRIES, encoder)
    asked_two_ways = sum(len(e.questions) for e in ENTRIES if len(e.questions) > 1)
    assert sum(q.covered for q in queries) == asked_two_ways
    assert sum(not q.covered for q in queries) == sum(len(e.questions) for e in ENTRIES)
    # a question whose entry is removed is never "right": nothing in the FAQ answers it
    assert not any(q.correct for q in queries if not q.covered)
    assert {q.question for q in queries} == {q for e in ENTRIES for q in e.questions}


def test_held_out_question_is_not_found_by_itself(encoder):
    """Leave-one-out: the asked phrasing is removed from its entry, so no held-out query scores a perfect match."""
    full = FaqIndex(ENTRIES, encoder=encoder)
    asked = "Не приходит письмо для сброса пароля"
    exact = full.search(asked, k=1)[0]
    held = next(q for q in held_out_queries(ENTRIES, encoder) if q.covered and q.question == asked)
    assert exact.entry_id == "forgot_pass"
    assert held.top < exact.score


def test_fit_threshold_takes_the_lowest_threshold_that_keeps_the_precision():
    right = [HeldOut(top=1.0 - i * 0.01, margin=0.5, votes=4, correct=True, covered=True) for i in range(40)]
    wrong = [HeldOut(top=0.5, margin=0.5, votes=4, correct=False, covered=False)]
    threshold, precision, coverage = fit_threshold(right + wrong, min_margin=0.1, min_votes=2, target_precision=0.97)
    assert threshold == pytest.approx(0.61)  # the lowest of the right ones; 0.5 would let the wrong one in
    assert precision == 1.0 and coverage == 1.0


def test_fit_threshold_ignores_queries_the_rule_never_answers():
    queries = [HeldOut(top=0.9, margin=0.01, votes=4, correct=False, covered=False)] + \
        [HeldOut(top=0.8, margin=0.5, votes=4, correct=True, covered=True)] * 50
    threshold, _, _ = fit_threshold(queries, min_margin=0.1, min_votes=0, target_precision=0.97)
    assert threshold == pytest.approx(0.8)


def test_calibration_version_follows_the_faq(encoder):
    first = calibrate_faq(ENTRIES, encoder)
    assert first.fitted and first.n_covered >= 8
    assert calibrate_faq(ENTRIES, encoder).version == first.version
    edited = [*ENTRIES[:-1], FaqDocument("schedule", "general", "Когда проходят уроки?", ("Во сколько занятия?",),
                                          "Уроки идут по выходным.")]
    assert calibrate_faq(edited, encoder).version != first.version
    assert FaqCalibration.from_dict(first.to_dict()) == first


def test_the_reference_school_keeps_the_shipped_threshold(encoder):
    params = load_params()
    own = calibrate_faq(ENTRIES, encoder, params)
    as_reference = {**params, "calibration_reference": calibration_reference(own)}
    assert own.apply(as_reference)["needs_human"]["threshold"] == pytest.approx(params["needs_human"]["threshold"])


def test_a_school_whose_questions_look_needy_gets_a_higher_threshold(encoder):
    params = load_params()
    shipped = params["needs_human"]["threshold"]
    own = calibrate_faq(ENTRIES, encoder, params)
    lower_ref = {**params, "calibration_reference": {"nh_quantile_score": own.nh_quantile_score - 0.1}}
    assert own.apply(lower_ref)["needs_human"]["threshold"] == pytest.approx(shipped + 0.1, abs=1e-4)
    far_ref = {**params, "calibration_reference": {"nh_quantile_score": own.nh_quantile_score - 5}}
    assert own.apply(far_ref)["needs_human"]["threshold"] == pytest.approx(shipped + MAX_SHIFT, abs=1e-4)
    assert params["needs_human"]["threshold"] == shipped  # apply copies


def test_too_small_a_faq_keeps_the_shipped_numbers(encoder):
    params = {**load_params(), "calibration_reference": {"nh_quantile_score": 0.0}}
    tiny = calibrate_faq(ENTRIES[:2], encoder, params)
    assert not tiny.fitted
    assert tiny.apply(params)["needs_human"]["threshold"] == params["needs_human"]["threshold"]


def test_decision_carries_the_calibration_version(encoder):
    index = FaqIndex(ENTRIES, encoder=encoder)
    calibration = calibrate_faq(ENTRIES, encoder, index.params)
    decided = answer_decision("Как восстановить пароль?", index, params=calibration.apply(index.params))
    assert decided.calibration == calibration.version
    assert answer_decision("Как восстановить пароль?", index).calibration == ""


def test_a_phrasing_listed_twice_is_held_out_once(encoder):
    doubled = [FaqDocument("pay_ways", "payment", "Какие способы оплаты?", ("Какие способы оплаты?",), "Картой."),
               *ENTRIES[1:]]
    queries = held_out_queries(doubled, encoder)
    assert sum(q.covered and q.question == "Какие способы оплаты?" for q in queries) == 2
