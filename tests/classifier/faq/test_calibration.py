"""Self-calibration from a school's own FAQ (classifier/faq/calibration.py), with a model-free encoder."""
from __future__ import annotations

import pytest

from classifier.faq.calibration import (
    MAX_SHIFT, EntryHealth, FaqCalibration, FaqHealth, HeldOut, calibrate_faq, calibration_reference, faq_health,
    fit_threshold, held_out_queries,
)
from classifier.faq.decision import answer_decision
from classifier.faq.documents import FaqDocument
from classifier.faq.index import FaqHit, FaqIndex
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


# --- faq_health: the per-entry outcome of the same held-out queries -------------------------------------------


def _asked(gold: str | None, found: str | None, question: str = "q") -> HeldOut:
    """A hand-made held-out query of entry ``gold`` (None: its entry removed) whose first hit is ``found``."""
    hits = (FaqHit(found, 0.8, ENTRIES[0]),) if found else ()
    return HeldOut(top=0.8, margin=0.2, votes=3, correct=gold is not None and found == gold, covered=gold is not None,
                   question=question, hits=hits, gold=gold)


def _doc(entry_id: str, *alternatives: str) -> FaqDocument:
    return FaqDocument(entry_id, "payment", f"{entry_id}?", alternatives, "Ответ.")


def test_faq_health_counts_the_entries_found_instead_and_lists_single_phrasing_entries():
    entries = [_doc("pay_ways", "a", "b", "c"), _doc("money_back", "d"), _doc("refund_policy", "e"), _doc("schedule")]
    queries = [_asked("pay_ways", "pay_ways"), _asked("pay_ways", "refund_policy"), _asked("pay_ways", "refund_policy"),
               _asked("pay_ways", "money_back"),
               _asked("money_back", "money_back"), _asked("money_back", None),  # no hit: not found, nothing instead
               _asked("refund_policy", "refund_policy"), _asked("refund_policy", "refund_policy"),
               _asked(None, "pay_ways"), _asked(None, "schedule")]  # removed-entry queries say nothing of an entry
    health = faq_health(entries, queries)
    pay = health.entry("pay_ways")
    assert (pay.checked, pay.found, pay.instead) == (4, 1, (("refund_policy", 2), ("money_back", 1)))
    assert health.entry("money_back") == EntryHealth("money_back", 2, 1, ())
    assert health.entry("refund_policy") == EntryHealth("refund_policy", 2, 2, ())
    assert [e.entry_id for e in health.confused] == ["pay_ways"]
    assert health.single_phrasing == ("schedule",) and health.entry("schedule") is None
    assert FaqHealth.from_dict(health.to_dict()) == health
    report = "\n".join(health.report_lines())
    assert "pay_ways: 1 of 4 phrasings find it; found instead: refund_policy (2), money_back (1)" in report
    assert "(1): schedule" in report and "money_back:" not in report


def test_faq_health_invents_nothing_for_a_clean_faq():
    entries = [_doc("pay_ways", "a"), _doc("money_back", "b")]
    queries = [_asked("pay_ways", "pay_ways"), _asked("pay_ways", "pay_ways"), _asked("money_back", "money_back"),
               _asked("money_back", "money_back"), _asked(None, "money_back")]
    health = faq_health(entries, queries)
    assert health.confused == () and health.single_phrasing == ()
    assert [(e.entry_id, e.checked, e.found) for e in health.entries] == [("pay_ways", 2, 2), ("money_back", 2, 2)]
    assert health.confusable_pairs == ()
    assert health.report_lines() == ["held-out check: no entry is missed by most of its phrasings, no pair is confusable"]


def test_faq_health_flags_a_majority_of_misses_and_pairs_that_find_each_other():
    """One miss of three is not flagged (held out, dev's own phrasings find their entry only 0.58 of the time);
    two entries whose phrasings find each other are a confusable pair: the one case where merging is advised."""
    entries = [_doc("reset_password", "a", "b"), _doc("change_email", "c"), _doc("pay_ways", "d", "e")]
    queries = [_asked("reset_password", "reset_password"), _asked("reset_password", "reset_password"),
               _asked("reset_password", "change_email"),
               _asked("change_email", "reset_password"), _asked("change_email", "change_email"),
               _asked("pay_ways", "change_email"), _asked("pay_ways", "change_email"), _asked("pay_ways", "pay_ways")]
    health = faq_health(entries, queries)
    assert [e.entry_id for e in health.confused] == ["pay_ways"]  # 1 of 3; reset_password 2 of 3, change_email 1 of 2
    assert health.confusable_pairs == (("reset_password", "change_email"),)  # pay_ways → change_email is one-way
    assert health.partner("change_email") == ("reset_password",) and health.partner("pay_ways") == ()
    report = health.report_lines()
    assert report[0].startswith("confusable: reset_password and change_email")
    assert report[1].startswith("pay_ways: 1 of 3 phrasings find it; found instead: change_email (2)")
    assert "students' words" in report[1] and len(report) == 2


def test_faq_health_reads_the_queries_calibrate_faq_fits_on(encoder):
    """One retrieval pass for both: calibrate_faq on given queries fits the same numbers, and faq_health counts
    exactly its covered queries (each carries its gold entry)."""
    params = load_params()
    queries = held_out_queries(ENTRIES, encoder, params)
    assert calibrate_faq(ENTRIES, encoder, params, queries=queries) == calibrate_faq(ENTRIES, encoder, params)
    health = faq_health(ENTRIES, queries)
    assert sum(e.checked for e in health.entries) == sum(q.covered for q in queries)
    assert sum(e.found for e in health.entries) == sum(q.correct for q in queries if q.covered)
    assert all(q.gold is None for q in queries if not q.covered)
