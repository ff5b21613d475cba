"""Answer a student's message automatically, or hand it to a person: ``answer_decision``.

Auto-answer only when sure: the retrieval score and margin above fitted thresholds, enough of the
individual signals agreeing, no operator needed, not off-topic. The outcome is a ``FaqOutcome``; the
``reason`` text adds the numbers for people (operators, the audit trail). Thresholds live in
``faq/data/thresholds.yaml`` (fitted on data, never per item).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..types import FaqOutcome
from .documents import FaqDocument
from .index import FaqHit, FaqIndex
from .needs_human import judge_needs_human
from .params import OFFTOPIC
from .rerank import DEPTH as RERANK_DEPTH


@dataclass(frozen=True)
class AutoAnswerDecision:
    outcome: FaqOutcome
    entry_id: str | None
    confidence: float
    needs_human: bool
    suggestions: list[FaqHit]
    reason: str
    needs_human_score: float = 0.0
    needs_human_reasons: tuple[str, ...] = ()
    topic: str | None = None
    calibration: str = ""  # the version of the school's FAQ calibration applied ("" = the shipped numbers)

    @property
    def auto_answer(self) -> bool:
        return self.outcome is FaqOutcome.AUTO_ANSWER

    @property
    def entry(self) -> FaqDocument | None:
        for h in self.suggestions:
            if h.entry_id == self.entry_id:
                return h.entry
        return None


def topic_name(topic_prediction: Any) -> str | None:
    """The topic of a prediction: a string, an object with ``.topic`` (``TopicResult``), or None."""
    if topic_prediction is None:
        return None
    if isinstance(topic_prediction, str):
        return topic_prediction
    return getattr(topic_prediction, "topic", None)


def answer_confidence(hits: Sequence[FaqHit]) -> tuple[float, float]:
    """(top-1 fused score, margin top1 − top2); with segment scoring (``retrieval.segment_share``) the top
    entry's ``confidence`` and its lead over every other entry's confidence instead (``FaqIndex``)."""
    if not hits:
        return 0.0, 0.0
    if "confidence" in hits[0].features:
        return hits[0].features["confidence"], hits[0].features["confidence_margin"]
    top = hits[0].score
    second = hits[1].score if len(hits) > 1 else 0.0
    return top, top - second


def answer_decision(
    text: str,
    index: FaqIndex,
    topic_prediction: Any = None,
    *,
    k: int = 3,
    params: dict[str, Any] | None = None,
    query_emb: np.ndarray | None = None,
) -> AutoAnswerDecision:
    """Decide whether ``text`` gets the top FAQ answer automatically.

    Auto-answer only when: the message is not off-topic, an operator is not needed (``needs_human``, and
    its score ≤ ``auto_answer.max_needs_human_score``), the top fused retrieval score ≥
    ``auto_answer.min_score``, its margin over the second entry ≥ ``auto_answer.min_margin`` and at least
    ``auto_answer.min_votes`` of the individual signals (dense question, dense answer, BM25, char n-grams)
    rank the same entry first, and the re-ranking (``Reranker.rerank``) keeps that entry first.  The top-``k``
    suggestions, in the re-ranked order, are always returned (operators see them).
    ``params`` (default: the index's) apply as a whole: retrieval, needs-human model and the rule.
    """
    p = params or index.params
    aa = p["auto_answer"]
    if query_emb is None and text.strip() and index.entries:
        query_emb = index.encoder.encode([text])[0]
    hits = index.search(text, k=max(k, RERANK_DEPTH), query_emb=query_emb) if text.strip() else []
    top, margin = answer_confidence(hits)
    # Operators see the re-ranked order (rank5: top-1 0.80 -> 0.83 on a school never seen); the rule below
    # still reads the fused score's first entry, and answers only when the re-ranked first entry is that one.
    shown = index.reranker.rerank(text, hits, p["retrieval"])
    topic = topic_name(topic_prediction)
    nh = judge_needs_human(text, hits=hits, topic=topic, encoder=index.encoder, query_emb=query_emb, params=p)
    common = dict(confidence=top, needs_human=nh.needs_human, suggestions=shown[:k],
                  needs_human_score=nh.score, needs_human_reasons=tuple(nh.reasons), topic=topic,
                  calibration=str(p.get("calibration_version") or ""))
    best = shown[0].entry_id if shown else None

    def decided(outcome: FaqOutcome, reason: str, entry_id: str | None = best) -> AutoAnswerDecision:
        return AutoAnswerDecision(outcome, entry_id, reason=reason, **common)

    if nh.offtopic or (topic == OFFTOPIC and not nh.needs_human):
        # off-topic (by the topic classifier, or by the chit-chat fallback); strong needs-human cues override
        return decided(FaqOutcome.OFFTOPIC, "offtopic", entry_id=None)
    if nh.needs_human:
        return decided(FaqOutcome.NEEDS_HUMAN, "needs_human: " + ", ".join(nh.reasons))
    if not hits or top < aa["min_score"]:
        return decided(FaqOutcome.LOW_SCORE, f"low score {top:.3f} < {aa['min_score']}")
    if margin < aa["min_margin"]:
        return decided(FaqOutcome.AMBIGUOUS, f"ambiguous: margin {margin:.3f} < {aa['min_margin']}")
    if best != hits[0].entry_id:
        return decided(FaqOutcome.AMBIGUOUS, "ambiguous: the re-ranking puts another entry first")
    votes = hits[0].features.get("votes", 0.0)
    if votes < aa.get("min_votes", 0):
        return decided(FaqOutcome.SIGNALS_DISAGREE, f"signals disagree: {votes:.0f} votes")
    if nh.score > aa.get("max_needs_human_score", 1.0):
        return decided(FaqOutcome.POSSIBLY_NEEDS_HUMAN, f"possibly needs a human ({nh.score:.2f})")
    return decided(FaqOutcome.AUTO_ANSWER, f"sure: score {top:.3f}, margin {margin:.3f}")


__all__ = ["FaqOutcome", "AutoAnswerDecision", "answer_decision", "answer_confidence", "topic_name"]
