"""Zero-shot classification of support tickets (screenshots + the student's words), offline, Russian first.

Django-free: the desk, the API, the Telegram bot and the command line all call this package, and they
import its names from here only (``from classifier import ...``). Heavy dependencies (torch,
transformers, the sentence encoder, scikit-learn) load lazily on first use, so ``import classifier`` is cheap.

Main entry points::

    from classifier import RuntimeConfig, TicketPipeline, classify_message
    pipeline = TicketPipeline.from_config(RuntimeConfig(threads=1))
    result = pipeline.predict(["shot.png"], text="не проходит оплата")
    result.label        # "payment-problem" or None (unsure -> a human triages)
    classify_message("как сменить пароль?").topic   # "profile"

Seed API (kept exactly): ``ImageProcessor``, ``ClipModel``, ``ImageClassifier``.

Layout: ``runtime/`` (images, OCR, encoders, CLIP backends, labels, signals, fusion, the pipeline, the school's
identity, the corrections memory), ``faq/`` (FAQ retrieval, needs-human, the auto-answer decision), ``fitting/``
(evaluate, calibrate, replay, faq-fit through ``python -m classifier``; ``desk_refit`` for a desk's own labels),
``data/`` (the shipped intents, topics and the taxonomy of other services).
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from .config import RuntimeConfig  # light: dataclasses only
from .errors import (
    ClassifierError,
    CorruptImageError,
    EmptyImageError,
    ImageError,
    ImageTooLargeError,
    ModelUnavailableError,
    NotAnImageError,
)
from .types import ClassificationResult, FaqOutcome, TicketClassifier, TicketClassifierFactory, TopicResult

_LAZY = {
    "ImageProcessor": "classifier.runtime.seed",
    "ClipModel": "classifier.runtime.seed",
    "ImageClassifier": "classifier.runtime.seed",
    "TicketPipeline": "classifier.runtime.pipeline",
    "MessageClassifier": "classifier.runtime.messages",
    "classify_message": "classifier.runtime.messages",
    "LabelSet": "classifier.runtime.labels",
    "IntentSpec": "classifier.runtime.labels",
    "load_image": "classifier.runtime.images",
    "SchoolProfile": "classifier.runtime.school",
    "correction_text": "classifier.runtime.memory",
    "recurring_lines": "classifier.runtime.memory",
    "SentenceEncoder": "classifier.runtime.encoders",
    "shared_sentence_encoder": "classifier.runtime.encoders",
    "FaqDocument": "classifier.faq.documents",
    "load_faq_document": "classifier.faq.documents",
    "dump_faq_yaml": "classifier.faq.documents",
    "topic_examples": "classifier.faq.documents",
    "school_texts": "classifier.faq.documents",
    "with_learned_question": "classifier.faq.learning",
    "learned_phrasing": "classifier.faq.learning",
    "FaqIndex": "classifier.faq.index",
    "FaqHit": "classifier.faq.index",
    "faq_encoder": "classifier.faq.encoder",
    "AutoAnswerDecision": "classifier.faq.decision",
    "desk_refit": "classifier.fitting.desk_fit",
    "DeskFit": "classifier.fitting.desk_fit",
    "answer_decision": "classifier.faq.decision",
    "FaqCalibration": "classifier.faq.calibration",
    "calibrate_faq": "classifier.faq.calibration",
    "held_out_queries": "classifier.faq.calibration",
    "faq_health": "classifier.faq.calibration",
    "FaqHealth": "classifier.faq.calibration",
}

__all__ = [
    *_LAZY,
    "RuntimeConfig",
    "ClassificationResult",
    "TopicResult",
    "FaqOutcome",
    "TicketClassifier",
    "TicketClassifierFactory",
    "ImageError",
    "EmptyImageError",
    "NotAnImageError",
    "CorruptImageError",
    "ImageTooLargeError",
    "ClassifierError",
    "ModelUnavailableError",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'classifier' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
