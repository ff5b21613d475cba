"""Zero-shot classification of support tickets (screenshots + the student's words), offline, Russian first.

Django-free: the desk, the API, the Telegram bot and the command line all call this package.
Heavy dependencies (torch, transformers, the sentence encoder) load lazily on first use, so
``import classifier`` is cheap.

Main entry points::

    from classifier import get_ticket_classifier, classify_message
    prediction = get_ticket_classifier().predict(["shot.png"], text="не проходит оплата")
    prediction.label        # "payment-problem" or None (unsure -> a human triages)
    classify_message("как сменить пароль?").topic   # "profile"

Seed API (kept exactly): ``ImageProcessor``, ``ClipModel``, ``ImageClassifier``.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from .errors import (  # light, no third-party imports
    ClassifierError,
    CorruptImageError,
    EmptyImageError,
    ImageError,
    ImageTooLargeError,
    ModelUnavailableError,
    NotAnImageError,
)
from .types import MessagePrediction, Prediction, TicketClassifier

_LAZY = {
    "ImageProcessor": "classifier.seed",
    "ClipModel": "classifier.seed",
    "ImageClassifier": "classifier.seed",
    "TicketPipeline": "classifier.pipeline",
    "get_ticket_classifier": "classifier.pipeline",
    "classify_message": "classifier.pipeline",
    "MessageClassifier": "classifier.pipeline",
    "LabelSet": "classifier.labels",
    "Intent": "classifier.labels",
    "load_image": "classifier.images",
    "get_default_encoder": "classifier.text",
    "SentenceEncoder": "classifier.text",
}

__all__ = [
    "ImageProcessor",
    "ClipModel",
    "ImageClassifier",
    "TicketPipeline",
    "get_ticket_classifier",
    "classify_message",
    "MessageClassifier",
    "LabelSet",
    "Intent",
    "load_image",
    "get_default_encoder",
    "SentenceEncoder",
    "Prediction",
    "MessagePrediction",
    "TicketClassifier",
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
