"""The figures the project reports, as pure arithmetic (unit-tested).

Screenshots (label ``other`` means the right outcome is "unsure"):

* ``accuracy`` — right label for in-scope images, "unsure" for ``other`` images;
* ``in_scope_accuracy`` — accuracy on in-scope images only (unsure counts as wrong);
* ``misroute_rate`` — share of ALL images put in a wrong queue (incl. ``other`` images put in any queue);
* ``coverage`` — share of in-scope images put in a queue (right or wrong).

FAQ: top-1/top-3 retrieval on messages with a gold entry, precision and coverage of automatic answers,
the share of needs-human messages answered automatically, and the needs-human F1.
"""
from __future__ import annotations

from typing import Any, Protocol, Sequence

import numpy as np

UNSURE = "unsure"
OTHER = "other"


def image_metrics(y_true: Sequence[str], y_pred: Sequence[str | None], seconds: Sequence[float] = ()) -> dict:
    """Metrics of screenshot routing. ``y_true`` uses "other" for out-of-scope, ``y_pred`` None for unsure."""
    n = len(y_true)
    if n != len(y_pred):
        raise ValueError("y_true and y_pred differ in length.")
    correct = misrouted = in_scope = in_scope_correct = in_scope_routed = 0
    confusion: dict[str, dict[str, int]] = {}
    for truth, pred in zip(y_true, y_pred):
        shown = pred if pred is not None else UNSURE
        confusion.setdefault(truth, {})
        confusion[truth][shown] = confusion[truth].get(shown, 0) + 1
        if truth == OTHER:
            if pred is None:
                correct += 1
            else:
                misrouted += 1
        else:
            in_scope += 1
            if pred is not None:
                in_scope_routed += 1
                if pred == truth:
                    correct += 1
                    in_scope_correct += 1
                else:
                    misrouted += 1
    return {
        "n": n,
        "accuracy": round(correct / n, 4) if n else 0.0,
        "in_scope_accuracy": round(in_scope_correct / in_scope, 4) if in_scope else 0.0,
        "misroute_rate": round(misrouted / n, 4) if n else 0.0,
        "coverage": round(in_scope_routed / in_scope, 4) if in_scope else 0.0,
        "seconds_per_image": round(sum(seconds) / len(seconds), 3) if seconds else 0.0,
        "confusion": confusion,
    }


def topic_metrics(y_true: Sequence[str], y_pred: Sequence[str | None]) -> dict:
    n = len(y_true)
    right = sum(1 for t, p in zip(y_true, y_pred) if p == t)
    return {"n": n, "topic_accuracy": round(right / n, 4) if n else 0.0}


def routing_metrics(pred: np.ndarray, y: np.ndarray, in_scope: np.ndarray) -> tuple[float, float, float]:
    """(accuracy, misroute rate, coverage) of label indices ``pred`` (-1 = unsure) against ``y``."""
    truth_in = in_scope[y]
    correct = np.where(truth_in, pred == y, pred == -1)
    misroute = (pred != -1) & (pred != y)
    coverage = ((pred != -1) & truth_in).sum() / max(truth_in.sum(), 1)
    return float(correct.mean()), float(misroute.mean()), float(coverage)


def f1_score(y_true: Sequence[int], y_pred: Sequence[int]) -> float:
    """F1 of the positive class (scikit-learn); 0.0 when it is undefined (no true or predicted positive)."""
    from sklearn.metrics import f1_score as sklearn_f1

    return float(sklearn_f1(y_true, y_pred, zero_division=0.0))


class _Hit(Protocol):
    entry_id: str


class FaqVerdict(Protocol):
    """What ``faq_metrics`` reads of a decision (``AutoAnswerDecision`` and the fitting's fast twin)."""

    auto_answer: bool
    entry_id: str | None
    needs_human: bool
    suggestions: Sequence[_Hit]


def faq_metrics(rows: Sequence[dict[str, str]], decisions: Sequence[FaqVerdict]) -> dict[str, Any]:
    """The FAQ figures from gold rows (``faq_id``, ``needs_human``) and decisions, one per row."""
    n = top1 = top3 = 0
    auto = auto_ok = 0
    cover_den = cover_num = 0
    nh_den = nh_auto = 0
    y_true, y_pred = [], []
    for row, d in zip(rows, decisions):
        gold = (row.get("faq_id") or "").strip()
        nh = str(row.get("needs_human", "0")).strip() in ("1", "true", "True")
        ids = [h.entry_id for h in d.suggestions]
        y_true.append(int(nh))
        y_pred.append(int(d.needs_human))
        if gold:
            n += 1
            top1 += int(ids[:1] == [gold])
            top3 += int(gold in ids[:3])
        if d.auto_answer:
            auto += 1
            auto_ok += int(bool(gold) and d.entry_id == gold)
        if gold and not nh:
            cover_den += 1
            cover_num += int(d.auto_answer)
        if nh:
            nh_den += 1
            nh_auto += int(d.auto_answer)

    def div(a: int, b: int) -> float:
        return round(a / b, 4) if b else 0.0

    return {
        "needs_human_f1": round(f1_score(y_true, y_pred), 4),
        "faq": {
            "n": n,
            "top1": div(top1, n),
            "top3": div(top3, n),
            "auto_answer_precision": div(auto_ok, auto) if auto else 1.0,
            "auto_answer_coverage": div(cover_num, cover_den),
            "auto_answered_needs_human": div(nh_auto, nh_den),
            "auto_answered": auto,
        },
    }


__all__ = ["UNSURE", "OTHER", "image_metrics", "topic_metrics", "routing_metrics", "f1_score", "faq_metrics",
           "FaqVerdict"]
