"""CLIP as one optional signal of the ticket pipeline, behind the ``ClipTowers`` protocol (``base.py``).

``load_clip(config)`` picks the backend named by ``RuntimeConfig.clip_backend`` from ``BACKENDS``, loads the
checkpoint once per process and returns a ``ClipClassifier`` — or ``None`` when CLIP is off or the
checkpoint cannot be loaded (logged once; screenshots are then classified by OCR + text signals).

A new runtime: a class with ``name``, ``load()``, ``encode_image``, ``encode_images``, ``encode_texts`` and
``logit_scale`` taking ``(model_id, *, threads, allow_download)`` (and ``cache_dir`` if it declares one),
registered in ``BACKENDS``. ``"onnx"``/``"onnx-int8"`` run the image tower on ONNX Runtime (``onnx_backend.py``).
Prompt embeddings are cached on disk in ``RuntimeConfig.clip_cache_path`` (see ``ClipClassifier``).
"""
from __future__ import annotations

import inspect
import logging
import threading
from typing import Callable

from ...config import RuntimeConfig
from ...errors import ModelUnavailableError
from .base import ClipClassifier, ClipTowers, intent_phrase
from .onnx_backend import OnnxClip, OnnxClipInt8
from .transformers_backend import TransformersClip

log = logging.getLogger(__name__)

BACKENDS: dict[str, Callable[..., ClipTowers]] = {
    "transformers": TransformersClip, "onnx": OnnxClip, "onnx-int8": OnnxClipInt8,
}

_loaded: dict[tuple[str, str], ClipClassifier | None] = {}
_loaded_lock = threading.Lock()


def load_clip(config: RuntimeConfig) -> ClipClassifier | None:
    """The process-wide CLIP classifier for ``config`` (built once per backend and checkpoint), or None."""
    if not config.clip_enabled:
        return None
    key = (config.clip_backend, config.clip_model_id, config.clip_cache_path or "")
    with _loaded_lock:
        if key in _loaded:
            return _loaded[key]
        backend = BACKENDS.get(config.clip_backend)
        if backend is None:
            raise ValueError(f"Unknown CLIP backend {config.clip_backend!r}; one of {', '.join(sorted(BACKENDS))}.")
        extra = {}
        try:
            if "cache_dir" in inspect.signature(backend).parameters:
                extra["cache_dir"] = config.clip_cache_path
        except (TypeError, ValueError):  # a builtin or C callable: no signature
            pass
        towers = backend(config.clip_model_id, threads=config.threads, allow_download=config.allow_download, **extra)
        try:
            clip: ClipClassifier | None = ClipClassifier(towers.load(), cache_dir=config.clip_cache_path)
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


__all__ = ["BACKENDS", "ClipClassifier", "ClipTowers", "OnnxClip", "TransformersClip", "intent_phrase", "load_clip"]
