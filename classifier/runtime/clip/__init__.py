"""CLIP as one optional signal of the ticket pipeline, behind the ``ClipTowers`` protocol (``base.py``).

``load_clip(config)`` picks the backend named by ``RuntimeConfig.clip_backend`` from ``BACKENDS``, loads the
checkpoint once per process and returns a ``ClipClassifier`` — or ``None`` when CLIP is off or the
checkpoint cannot be loaded (logged once; screenshots are then classified by OCR + text signals).

A new runtime (e.g. ONNX Runtime): a class with ``name``, ``load()``, ``encode_image``, ``encode_texts``
and ``logit_scale`` taking ``(model_id, *, threads, allow_download)``, registered in ``BACKENDS``.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from ...config import RuntimeConfig
from ...errors import ModelUnavailableError
from .base import ClipClassifier, ClipTowers, intent_phrase
from .transformers_backend import TransformersClip

log = logging.getLogger(__name__)

BACKENDS: dict[str, Callable[..., ClipTowers]] = {"transformers": TransformersClip}

_loaded: dict[tuple[str, str], ClipClassifier | None] = {}
_loaded_lock = threading.Lock()


def load_clip(config: RuntimeConfig) -> ClipClassifier | None:
    """The process-wide CLIP classifier for ``config`` (built once per backend and checkpoint), or None."""
    if not config.clip_enabled:
        return None
    key = (config.clip_backend, config.clip_model_id)
    with _loaded_lock:
        if key in _loaded:
            return _loaded[key]
        backend = BACKENDS.get(config.clip_backend)
        if backend is None:
            raise ValueError(f"Unknown CLIP backend {config.clip_backend!r}; one of {', '.join(sorted(BACKENDS))}.")
        towers = backend(config.clip_model_id, threads=config.threads, allow_download=config.allow_download)
        try:
            clip: ClipClassifier | None = ClipClassifier(towers.load())
        except ModelUnavailableError as exc:
            log.warning(
                "CLIP is unavailable: %s Classifying screenshots without CLIP (OCR + sentence encoder). "
                "Point the CLIP model setting (SUPPORTDESK_CLIP_MODEL, or --clip) at a local checkpoint directory "
                "to enable it.",
                exc,
            )
            clip = None
        _loaded[key] = clip
        return clip


__all__ = ["BACKENDS", "ClipClassifier", "ClipTowers", "TransformersClip", "intent_phrase", "load_clip"]
