"""The ticket pipeline: screenshots + the student's words -> intent with a calibrated confidence or "unsure".

Per ticket::

    images --load_image--> RGB --prepare+tesseract--> OCR text ---+
                      \\--(optional) CLIP image-text probs ---------+--> fused logits -> softmax(T)
    student's text ------------------------------------------------+        -> label or None (unsure)

Signals are described in :mod:`classifier.runtime.signals`, their fusion in :mod:`classifier.runtime.fusion`.
A bad image is skipped (recorded in ``ClassificationResult.warnings`` and ``signals["errors"]``); a ticket
with nothing usable is "unsure".
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
from PIL import Image

from ..config import RuntimeConfig
from ..errors import ClassifierError, ImageError
from ..types import ClassificationResult
from .clip import ClipClassifier, load_clip
from .encoders import CachedEncoder, SentenceEncoder, as_cached, shared_sentence_encoder
from .fusion import fused_logits, out_of_scope_vector, settings_of, softmax, ticket_features
from .images import load_image
from .labels import LabelSet
from .ocr import TesseractOcr
from .signals import TextScorer

log = logging.getLogger(__name__)


def short_hash(*parts: str) -> str:
    h = hashlib.sha1()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:8]


def as_score_dict(names: Sequence[str], values: np.ndarray) -> dict[str, float]:
    return {n: round(float(v), 6) for n, v in zip(names, values)}


@dataclass
class ImageAnalysis:
    """What one screenshot contributed."""

    ocr_text: str = ""
    clip_probs: np.ndarray | None = None
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


class LazyScorer:
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


class TicketPipeline(LazyScorer):
    """Classifies a ticket (0..n screenshots + text) into one of ``labels.names`` or None (unsure).

    ``labels``: a LabelSet (default: the shipped ``data/labels.yaml``); if it has no out-of-scope
    pseudo-label, the shipped "other" is added (here, and only here) so unrelated screenshots still come
    out unsure. ``encoder``: any SentenceEncoder (default: the shared multilingual USE). ``clip``: a
    ``ClipClassifier`` or None (no CLIP). ``threshold``: overrides the fitted abstain threshold. ``ocr``:
    ``image -> text`` (default: Tesseract). ``TicketPipeline.from_config`` wires encoder, CLIP and OCR
    from a ``RuntimeConfig``.
    """

    def __init__(
        self,
        labels: LabelSet | None = None,
        encoder: SentenceEncoder | None = None,
        clip: ClipClassifier | None = None,
        threshold: float | None = None,
        *,
        settings: Mapping[str, float] | None = None,
        ocr: Callable[[Image.Image], str] | None = None,
    ):
        default = LabelSet.default_images()
        labels = labels or default
        if not labels.out_of_scope_names:
            labels = labels.with_out_of_scope_from(default)
        self.labels = labels.with_scope_knowledge()
        self.encoder: CachedEncoder = as_cached(encoder)
        self.clip = clip
        self._overrides = {**(settings or {}), "threshold": threshold}
        self.settings = settings_of(labels, self._overrides)
        self.ocr = ocr or TesseractOcr()
        self._scorer: TextScorer | None = None
        self._lock = threading.Lock()
        self.names = labels.all_names
        self.out_of_scope = out_of_scope_vector(labels)

    @classmethod
    def from_config(cls, config: RuntimeConfig, labels: LabelSet | None = None,
                    threshold: float | None = None) -> "TicketPipeline":
        """A pipeline using the machine's resources as ``config`` says (shared encoder, CLIP, Tesseract)."""
        return cls(labels, encoder=shared_sentence_encoder(config.threads), clip=load_clip(config),
                   threshold=threshold, ocr=TesseractOcr(config.tesseract_cmd, workers=config.ocr_workers,
                                                         cache_dir=config.ocr_cache_dir or None,
                                                         lang=config.ocr_lang))

    def with_labels(self, labels: LabelSet) -> "TicketPipeline":
        """The same models (encoder, CLIP, OCR) and overrides over another label set."""
        return type(self)(labels, encoder=self.encoder, clip=self.clip, settings=self._overrides, ocr=self.ocr)

    @property
    def model_version(self) -> str:
        enc = getattr(self.encoder, "name", "encoder")
        fp = self._fingerprint()
        fit = f"+{self.settings['fit_version']}" if self.settings.get("fit_version") else ""
        if self.clip is not None:
            return f"clip:{self.clip.name}+ocr-{enc}@{fp}{fit}"
        return f"offline-ocr-{enc}@{fp}{fit}"

    def _fingerprint(self) -> str:
        """Hash of the label set and settings, kept while neither changes. Why: ``LabelSet.fingerprint`` serialises
        every intent (``asdict`` + JSON, 2.6 ms on the shipped set with a school's vocabulary), paid by every
        ``predict`` for its ``model_version``: ~1 % of a screenshot's CPU. The key is cheap: the objects themselves
        and the settings' items, so a caller that swaps ``labels`` or edits ``settings`` gets a fresh hash."""
        items = sorted(self.settings.items())
        cached = getattr(self, "_fp_cache", None)
        if cached is None or cached[0] is not self.labels or cached[1] != items:
            cached = (self.labels, items, short_hash(self.labels.fingerprint(), repr(items)))
            self._fp_cache = cached
        return cached[2]

    # --- per image -----------------------------------------------------------------------------
    def wants_clip(self) -> bool:
        return self.clip is not None and bool(self.settings.get("w_clip", 0))

    def analyse_image(self, image: Image.Image, path: str = "", *, clip: bool = True) -> ImageAnalysis:
        """OCR (and, with ``clip``, CLIP) of one screenshot; ``predict`` runs CLIP once for all of a ticket's."""
        res = ImageAnalysis()
        t = time.perf_counter()
        try:
            res.ocr_text = self.ocr(image)
        except ClassifierError as exc:
            res.error = str(exc)
            log.warning("OCR failed for %s: %s", path or "image", exc)
        res.timings["ocr"] = time.perf_counter() - t
        if clip and self.wants_clip():
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
        """Fused logits over ``self.names`` plus the per-signal scores (for ``ClassificationResult.signals``)."""
        f = self.features(ocr_text, user_text, clip_probs)
        logits = fused_logits(f, self.settings, self.out_of_scope)
        names = self.names
        signals: dict[str, dict[str, float]] = {}
        for prefix, title in (("ocr", "ocr"), ("focus", "focus"), ("user", "text")):
            if f[f"has_{prefix}"]:
                signals[f"{title}_semantic"] = as_score_dict(names, f[f"{prefix}_sem"])
                signals[f"{title}_keywords"] = as_score_dict(names, f[f"{prefix}_kw"])
                signals[f"{title}_ngrams"] = as_score_dict(names, f[f"{prefix}_ng"])
        if f["has_clip"]:
            p = np.exp(f["clip"])
            signals["clip"] = as_score_dict(names, p / p.sum())
        if np.any(f["mem"]):
            signals["memory"] = as_score_dict(names, f["mem"])
        signals["text_amount"] = {"words": float(f["words"])}
        # what a desk's refit needs besides the per-intent scores (classifier.fitting.desk_fit)
        signals["school"] = {key: round(float(f[key]), 6) for key in ("school", "foreign", "edu", "faq")}
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
    def predict(self, image_paths: Sequence[str] = (), text: str = "") -> ClassificationResult:
        t_start = time.perf_counter()
        if isinstance(image_paths, (str, os.PathLike)):
            image_paths = [image_paths]
        text = text or ""
        timings = {"load": 0.0, "ocr": 0.0, "clip": 0.0}
        warnings: list[str] = []
        errors: dict[str, float] = {}
        ocr_parts: list[str] = []
        clip_probs: list[np.ndarray] = []
        loaded: list[tuple[Image.Image, str]] = []
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
            res = self.analyse_image(image, str(name), clip=False)
            if self.wants_clip():
                loaded.append((image, str(name)))
            else:
                image.close()
            for key, value in res.timings.items():
                timings[key] = timings.get(key, 0.0) + value
            if res.error:
                warnings.append(f"{name}: {res.error}")
                errors[f"{name}: OCR"] = 1.0
            if res.ocr_text:
                ocr_parts.append(res.ocr_text)
        if loaded:
            # the screenshots of one ticket (a burst) in one forward pass of CLIP's image tower
            t = time.perf_counter()
            try:
                clip_probs.extend(self.clip.classify_labels_batch([im for im, _ in loaded], self.labels))
            except Exception as exc:  # a broken checkpoint must not take the desk down
                log.warning("CLIP failed for %s: %s", ", ".join(n for _, n in loaded), exc)
            timings["clip"] += time.perf_counter() - t
            for im, _ in loaded:
                im.close()
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
        return ClassificationResult(
            label=label,
            confidence=round(confidence, 6),
            scores=as_score_dict(self.names, probs),
            signals=signals,
            ocr_text=ocr_text,
            model_version=self.model_version,
            timings={k: round(v, 4) for k, v in timings.items()},
            embedding=[float(x) for x in emb] if emb is not None else None,
            warnings=warnings,
        )


__all__ = ["TicketPipeline", "ImageAnalysis", "LazyScorer", "short_hash", "as_score_dict"]
