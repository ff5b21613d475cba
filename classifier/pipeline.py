"""The ticket pipeline: screenshots + the student's words -> intent with a calibrated confidence or "unsure".

Per ticket::

    images --load_image--> RGB --prepare+tesseract--> OCR text ---+
                      \\--(optional) CLIP image-text probs ---------+--> fused logits -> softmax(T)
    student's text ------------------------------------------------+        -> label or None (unsure)

Offline text signals are described in :mod:`classifier.scoring`. A bad image is skipped (recorded in
``Prediction.warnings`` and ``signals["errors"]``); a ticket with nothing usable is "unsure".
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
from PIL import Image

from .errors import ClassifierError, ImageError
from .images import load_image
from .labels import LabelSet
from .ocr import ocr_image
from .scoring import TextScorer, fallback_vector, fused_logits, settings_of, softmax, ticket_features
from .text import CachedEncoder, SentenceEncoder, as_cached
from .types import MessagePrediction, Prediction

log = logging.getLogger(__name__)

_AUTO = "auto"


def _short_hash(*parts: str) -> str:
    h = hashlib.sha1()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:8]


def _as_dict(names: Sequence[str], values: np.ndarray) -> dict[str, float]:
    return {n: round(float(v), 6) for n, v in zip(names, values)}


@dataclass
class ImageAnalysis:
    """What one screenshot contributed (kept for debugging and the evaluation report)."""

    path: str
    ocr_text: str = ""
    clip_probs: np.ndarray | None = None
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


class _LazyScorer:
    """``scorer``: the TextScorer over ``self.labels`` and ``self.encoder``, built on first use, once.

    Subclasses set ``_scorer = None`` and ``_lock`` (a ``threading.Lock``) in ``__init__``.
    """

    @property
    def scorer(self) -> TextScorer:
        if self._scorer is None:
            with self._lock:
                if self._scorer is None:
                    self._scorer = TextScorer(self.labels, self.encoder)
        return self._scorer


class TicketPipeline(_LazyScorer):
    """Classifies a ticket (0..n screenshots + text) into one of ``labels.names`` or None (unsure).

    ``labels``: a LabelSet (default: the shipped ``labels.yaml``); if it has no out-of-scope
    pseudo-label, the shipped "other" is added so unrelated screenshots still come out unsure.
    ``encoder``: any SentenceEncoder (default: multilingual USE). ``clip``: a ClipBackend, a model
    id/path, ``None`` (no CLIP) or ``"auto"`` (``SUPPORTDESK_CLIP_MODEL``/default hub id, offline,
    silently skipped when unavailable). ``threshold``: overrides the fitted abstain threshold.
    """

    def __init__(
        self,
        labels: LabelSet | None = None,
        encoder: SentenceEncoder | None = None,
        clip=None,
        threshold: float | None = None,
        *,
        settings: Mapping[str, float] | None = None,
        ocr=None,
    ):
        default = LabelSet.default_images()
        labels = labels or default
        if not labels.out_of_scope_names:
            labels = labels.with_out_of_scope_from(default)
        self.labels = labels
        self.encoder: CachedEncoder = as_cached(encoder)
        self._clip_arg = clip
        self._clip = None
        self._clip_resolved = False
        self.settings = settings_of(labels, {**(settings or {}), "threshold": threshold})
        self.ocr = ocr or ocr_image
        self._scorer: TextScorer | None = None
        self._lock = threading.Lock()
        self.names = labels.all_names
        self.out_of_scope = np.array([0.0 if i.in_scope else 1.0 for i in labels.intents])

    # --- lazily built parts ------------------------------------------------------------------
    @property
    def clip(self):
        if not self._clip_resolved:
            with self._lock:
                if not self._clip_resolved:
                    arg = self._clip_arg
                    if arg is None or arg is False:
                        self._clip = None
                    elif isinstance(arg, str):
                        from .clip import get_clip_backend

                        self._clip = get_clip_backend(None if arg == _AUTO else arg)
                    else:
                        self._clip = arg
                    self._clip_resolved = True
        return self._clip

    @property
    def backend(self) -> str:
        return "clip+ocr" if self.clip is not None else "offline-ocr"

    @property
    def model_version(self) -> str:
        enc = getattr(self.encoder, "name", "encoder")
        fp = _short_hash(self.labels.fingerprint(), repr(sorted(self.settings.items())))
        if self.clip is not None:
            return f"clip:{self.clip.name}+ocr-{enc}@{fp}"
        return f"offline-ocr-{enc}@{fp}"

    # --- per image -----------------------------------------------------------------------------
    def analyse_image(self, image: Image.Image, path: str = "") -> ImageAnalysis:
        res = ImageAnalysis(path=path)
        t = time.perf_counter()
        try:
            res.ocr_text = self.ocr(image)
        except ClassifierError as exc:
            res.error = str(exc)
            log.warning("OCR failed for %s: %s", path or "image", exc)
        res.timings["ocr"] = time.perf_counter() - t
        if self.clip is not None and self.settings.get("w_clip", 0):
            t = time.perf_counter()
            try:
                res.clip_probs = self.clip.classify_labels(image, self.labels)
            except Exception as exc:  # a broken checkpoint must not take the desk down
                log.warning("CLIP failed for %s: %s", path or "image", exc)
            res.timings["clip"] = time.perf_counter() - t
        return res

    # --- fusion --------------------------------------------------------------------------------
    def features(self, ocr_text: str, user_text: str = "", clip_probs: Sequence[np.ndarray] = ()) -> dict:
        return ticket_features(self.scorer, ocr_text, user_text, clip_probs, top_k=int(self.settings["top_k"]))

    def fuse(self, ocr_text: str, user_text: str = "", clip_probs: Sequence[np.ndarray] = ()) -> tuple[np.ndarray, dict]:
        """Fused logits over ``self.names`` plus the per-signal scores (for ``Prediction.signals``)."""
        f = self.features(ocr_text, user_text, clip_probs)
        logits = fused_logits(f, self.settings, self.out_of_scope)
        names = self.names
        signals: dict[str, dict[str, float]] = {}
        for prefix, title in (("ocr", "ocr"), ("focus", "focus"), ("user", "text")):
            if f[f"has_{prefix}"]:
                signals[f"{title}_semantic"] = _as_dict(names, f[f"{prefix}_sem"])
                signals[f"{title}_keywords"] = _as_dict(names, f[f"{prefix}_kw"])
                signals[f"{title}_ngrams"] = _as_dict(names, f[f"{prefix}_ng"])
        if f["has_clip"]:
            p = np.exp(f["clip_logp"])
            signals["clip"] = _as_dict(names, p / p.sum())
        signals["text_amount"] = {"words": float(f["words"])}
        embedding = f["_ocr_embedding"]
        if f["has_user"]:
            if embedding is None:
                embedding = f["_user_embedding"]
            else:
                embedding = self.encoder.encode([(user_text.strip() + "\n" + ocr_text)[:2000]])[0]
        return logits, {"signals": signals, "embedding": embedding, "features": f}

    def decide(self, logits: np.ndarray) -> tuple[str | None, float, np.ndarray]:
        """Calibrated probabilities; the label is None when an out-of-scope label wins or p < threshold."""
        probs = softmax(logits, self.settings["temperature"])
        in_scope = self.out_of_scope == 0
        best = int(np.argmax(probs))
        best_in = int(np.argmax(np.where(in_scope, probs, -1.0)))
        confidence = float(probs[best_in])
        label = None
        if in_scope[best] and confidence >= float(self.settings["threshold"]):
            label = self.names[best]
        return label, confidence, probs

    # --- public API ------------------------------------------------------------------------------
    def predict(self, image_paths: Sequence[str] = (), text: str = "") -> Prediction:
        t_start = time.perf_counter()
        if isinstance(image_paths, (str, os.PathLike)):
            image_paths = [image_paths]
        text = text or ""
        timings = {"load": 0.0, "ocr": 0.0, "clip": 0.0}
        warnings: list[str] = []
        errors: dict[str, float] = {}
        ocr_parts: list[str] = []
        clip_probs: list[np.ndarray] = []
        for path in image_paths or ():
            t = time.perf_counter()
            name = os.path.basename(str(path)) if isinstance(path, (str, os.PathLike)) else getattr(path, "name", "upload")
            try:
                image = load_image(path)
            except ImageError as exc:
                warnings.append(f"{name}: {exc}")
                errors[f"{name}: {type(exc).__name__}"] = 1.0
                timings["load"] += time.perf_counter() - t
                continue
            timings["load"] += time.perf_counter() - t
            res = self.analyse_image(image, str(name))
            image.close()
            for key, value in res.timings.items():
                timings[key] = timings.get(key, 0.0) + value
            if res.error:
                warnings.append(f"{name}: {res.error}")
                errors[f"{name}: OCR"] = 1.0
            if res.ocr_text:
                ocr_parts.append(res.ocr_text)
            if res.clip_probs is not None:
                clip_probs.append(res.clip_probs)
        ocr_text = "\n".join(ocr_parts)
        t = time.perf_counter()
        logits, extra = self.fuse(ocr_text, text, clip_probs)
        label, confidence, probs = self.decide(logits)
        timings["fuse"] = time.perf_counter() - t
        signals = extra["signals"]
        if errors:
            signals["errors"] = errors
        timings["total"] = time.perf_counter() - t_start
        emb = extra["embedding"]
        return Prediction(
            label=label,
            confidence=round(confidence, 6),
            scores=_as_dict(self.names, probs),
            signals=signals,
            ocr_text=ocr_text,
            model_version=self.model_version,
            timings={k: round(v, 4) for k, v in timings.items()},
            embedding=[float(x) for x in emb] if emb is not None else None,
            warnings=warnings,
        )

    def predict_image(self, image: Image.Image, text: str = "") -> Prediction:
        """Like ``predict`` for an already loaded PIL image."""
        t0 = time.perf_counter()
        res = self.analyse_image(image.convert("RGB"))
        logits, extra = self.fuse(res.ocr_text, text, [res.clip_probs] if res.clip_probs is not None else [])
        label, confidence, probs = self.decide(logits)
        timings = {k: round(v, 4) for k, v in res.timings.items()}
        timings["total"] = round(time.perf_counter() - t0, 4)
        emb = extra["embedding"]
        return Prediction(
            label=label, confidence=round(confidence, 6), scores=_as_dict(self.names, probs),
            signals=extra["signals"], ocr_text=res.ocr_text, model_version=self.model_version, timings=timings,
            embedding=[float(x) for x in emb] if emb is not None else None,
            warnings=[res.error] if res.error else [],
        )


# --- messages ----------------------------------------------------------------------------------

class MessageClassifier(_LazyScorer):
    """Topic of a chat message (payment, course, profile, career, general, offtopic) — same machinery."""

    def __init__(self, labels: LabelSet | None = None, encoder: SentenceEncoder | None = None,
                 extra_examples: Mapping[str, Sequence[str]] | None = None, threshold: float | None = None):
        labels = labels or LabelSet.default_topics()
        if extra_examples:
            labels = labels.with_examples({k: v for k, v in extra_examples.items() if k in labels})
        self.labels = labels
        self.encoder = as_cached(encoder)
        self.settings = settings_of(labels, {"threshold": threshold})
        if threshold is None and "threshold" not in (labels.settings or {}):
            self.settings["threshold"] = 0.0  # messages: always a topic unless a threshold was fitted
        self.names = labels.all_names
        self.fallback = fallback_vector(labels, self.settings)
        self._scorer: TextScorer | None = None
        self._lock = threading.Lock()

    @property
    def model_version(self) -> str:
        fp = _short_hash(self.labels.fingerprint(), repr(sorted(self.settings.items())))
        return f"text-{getattr(self.encoder, 'name', 'encoder')}@{fp}"

    def features(self, text: str) -> dict:
        return ticket_features(self.scorer, "", text or "", (), top_k=int(self.settings["top_k"]))

    def logits(self, text: str) -> np.ndarray:
        return fused_logits(self.features(text), self.settings, self.fallback)

    def classify(self, text: str) -> MessagePrediction:
        logits = self.logits(text)
        probs = softmax(logits, self.settings["temperature"])
        best = int(np.argmax(probs))
        conf = float(probs[best])
        topic = self.names[best] if conf >= float(self.settings["threshold"]) else None
        return MessagePrediction(topic=topic, confidence=round(conf, 6), scores=_as_dict(self.names, probs),
                                 model_version=self.model_version)


_message_classifiers: dict[str, MessageClassifier] = {}
_message_lock = threading.Lock()


def classify_message(text: str, labels: LabelSet | None = None,
                     extra_examples: dict[str, list[str]] | None = None) -> MessagePrediction:
    """Topic of a student's message with a calibrated confidence (topic None = unsure)."""
    key = _short_hash(
        labels.fingerprint() if labels is not None else "default",
        repr(sorted((k, tuple(v)) for k, v in (extra_examples or {}).items())),
    )
    with _message_lock:
        clf = _message_classifiers.get(key)
        if clf is None:
            clf = MessageClassifier(labels=labels, extra_examples=extra_examples)
            if len(_message_classifiers) > 16:
                _message_classifiers.clear()
            _message_classifiers[key] = clf
    return clf.classify(text)


# --- process-wide singleton ------------------------------------------------------------------------

_singleton: TicketPipeline | None = None
_singleton_lock = threading.Lock()


def get_ticket_classifier() -> TicketPipeline:
    """Process-wide pipeline, built on first use (thread-safe).

    Env: ``SUPPORTDESK_CLIP_MODEL`` (hub id or local dir; empty = try the default hub id offline, then
    classify without CLIP), ``SUPPORTDESK_CLASSIFIER_THREADS`` (default 1), ``SUPPORTDESK_ALLOW_DOWNLOAD=1``.
    """
    global _singleton
    if _singleton is None:
        with _singleton_lock:
            if _singleton is None:
                _singleton = TicketPipeline(clip=_AUTO)
    return _singleton


def reset_ticket_classifier() -> None:
    """Forget the singleton (tests, or after changing env vars)."""
    global _singleton
    with _singleton_lock:
        _singleton = None


__all__ = ["TicketPipeline", "MessageClassifier", "classify_message", "get_ticket_classifier", "reset_ticket_classifier"]
