"""The reported figures as arithmetic: screenshots routing, topics, FAQ retrieval and automatic answers."""
from __future__ import annotations

import pytest

from classifier.faq.documents import FaqDocument
from classifier.faq.index import FaqHit
from classifier.fitting.faq_fit import FittedDecision
from classifier.fitting.metrics import f1_score, faq_metrics, image_metrics, topic_metrics


def test_image_metrics_arithmetic():
    truth = ["payment-problem", "payment-problem", "course-problem", "profile-problem", "other", "other"]
    pred = ["payment-problem", None, "profile-problem", "profile-problem", None, "course-problem"]
    m = image_metrics(truth, pred, seconds=[1.0, 0.5, 0.5, 0.5, 0.5, 0.0])
    assert m["n"] == 6
    assert m["accuracy"] == round(3 / 6, 4)  # 2 right queues + 1 right "unsure"
    assert m["in_scope_accuracy"] == 0.5  # 2 of 4
    assert m["misroute_rate"] == round(2 / 6, 4)  # course->profile, other->course
    assert m["coverage"] == 0.75  # 3 of 4 in-scope routed
    assert m["seconds_per_image"] == 0.5
    assert m["confusion"]["other"] == {"unsure": 1, "course-problem": 1}
    assert m["confusion"]["payment-problem"] == {"payment-problem": 1, "unsure": 1}
    with pytest.raises(ValueError):
        image_metrics(["other"], [])


def test_topic_metrics_counts_unsure_as_wrong():
    assert topic_metrics(["payment", "course", "offtopic"], ["payment", None, "career"]) == {
        "n": 3, "topic_accuracy": round(1 / 3, 4)}


def _decision(auto, entry, ids, nh=False):
    hits = [FaqHit(i, 1.0, FaqDocument(i, "general", i)) for i in ids]
    return FittedDecision(auto, entry, nh, hits)


def test_metric_arithmetic():
    rows = [
        {"faq_id": "a", "needs_human": "0"},  # top1 hit, auto-answered right
        {"faq_id": "b", "needs_human": "0"},  # top3 only, auto-answered wrong
        {"faq_id": "c", "needs_human": "0"},  # missed, not auto-answered
        {"faq_id": "a", "needs_human": "1"},  # needs a human (has the policy id), escalated
        {"faq_id": "", "needs_human": "1"},   # needs a human, wrongly auto-answered
        {"faq_id": "", "needs_human": "0"},   # off-topic, left alone
    ]
    decisions = [
        _decision(True, "a", ["a", "x", "y"]),
        _decision(True, "x", ["x", "b", "y"]),
        _decision(False, "x", ["x", "y", "z"]),
        _decision(False, "a", ["a", "b", "c"], nh=True),
        _decision(True, "a", ["a", "b", "c"]),
        _decision(False, None, []),
    ]
    m = faq_metrics(rows, decisions)
    assert m["faq"]["n"] == 4
    assert m["faq"]["top1"] == 0.5  # rows 1 and 4
    assert m["faq"]["top3"] == 0.75  # rows 1, 2, 4
    assert m["faq"]["auto_answer_precision"] == round(1 / 3, 4)  # 3 auto-answers, 1 right
    assert m["faq"]["auto_answer_coverage"] == round(2 / 3, 4)  # rows 1-3 eligible, 1 and 2 auto-answered
    assert m["faq"]["auto_answered_needs_human"] == 0.5  # rows 4, 5
    # needs_human: predicted only on row 4 → tp=1, fn=1, fp=0 → F1 = 2/3
    assert m["needs_human_f1"] == round(2 / 3, 4)


def test_f1():
    assert f1_score([1, 1, 0, 0], [1, 0, 1, 0]) == 0.5
    assert f1_score([0, 0], [0, 0]) == 0.0 and f1_score([1], [1]) == 1.0
