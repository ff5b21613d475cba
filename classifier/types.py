"""Value objects shared by the classifier and its callers (the desk, the API, the CLI, the bot).

Plain dataclasses, no Django and no torch, so anything may import them cheaply.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, Sequence

if TYPE_CHECKING:
    from .runtime.labels import LabelSet


@dataclass(frozen=True)
class ClassificationResult:
    """What the classifier says about one ticket (its screenshots and the student's words).

    ``label`` is ``None`` when the classifier is unsure: the ticket then goes to a human (triage).
    Everything a later few-shot memory needs is kept: the OCR text, the text embedding and the
    model version that produced it.
    """

    label: str | None
    confidence: float
    scores: dict[str, float]  # calibrated probability per label (may include the "other" pseudo-label)
    signals: dict[str, dict[str, float]] = field(default_factory=dict)  # per-signal label scores
    ocr_text: str = ""
    model_version: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    embedding: list[float] | None = None  # sentence embedding of the text the decision was based on
    warnings: list[str] = field(default_factory=list)  # e.g. a skipped unreadable image (user-presentable)


@dataclass(frozen=True)
class TopicResult:
    """Topic of a student's message: payment, course, profile, career, general, offtopic."""

    topic: str | None
    confidence: float
    scores: dict[str, float]
    model_version: str = ""


class FaqOutcome(StrEnum):
    """What the FAQ layer decided about one message (the first that applies, in this order)."""

    OFFTOPIC = "offtopic"  # chit-chat: neither answered nor escalated
    NEEDS_HUMAN = "needs_human"  # an operator must act (complaint, refund, the student's records...)
    LOW_SCORE = "low_score"  # no entry matches well enough
    AMBIGUOUS = "ambiguous"  # the best two entries are too close
    SIGNALS_DISAGREE = "signals_disagree"  # too few of the retrieval signals rank the top entry first
    POSSIBLY_NEEDS_HUMAN = "possibly_needs_human"  # not flagged, but the needs-human score is not low enough
    AUTO_ANSWER = "auto_answer"  # sure: the top entry's answer is sent


class TicketClassifier(Protocol):
    """The small interface the desk depends on; the real pipeline and test fakes both satisfy it."""

    model_version: str

    def predict(self, image_paths: Sequence[str], text: str = "") -> ClassificationResult: ...


class TicketClassifierFactory(Protocol):
    """What ``SUPPORTDESK_TICKET_CLASSIFIER`` names: called once per label-set version with the desk's label set."""

    def __call__(self, label_set: "LabelSet") -> TicketClassifier: ...
