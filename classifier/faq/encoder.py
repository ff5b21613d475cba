"""The FAQ layer's sentence encoder: USE and multilingual-e5 in one vector, ``faq_encoder()``.

``BlendedEncoder`` concatenates the L2-normalised vectors of several encoders, each scaled by the square root
of its share, so the dot product of two blended vectors is the share-weighted mean of the encoders' cosines:
every consumer of an encoder (the FAQ index's dense signals, the needs-human prototypes, the off-topic
fallback, the desk's stored FAQ embeddings) gets the blend without knowing it. The shares are a fitted
setting (``thresholds.yaml`` → ``retrieval.encoders``; docs/experiments/faq3.md has the figures per share).

Cost per message: one USE (~4 ms) + one e5 (~15 ms) encoding; both are the process-wide cached encoders, so
a text already embedded for the topic classifier costs nothing more for USE.
"""
from __future__ import annotations

import threading
from typing import Mapping

import numpy as np

from ..runtime.encoders import CachedEncoder, SentenceEncoder, shared_e5_encoder, shared_sentence_encoder
from .params import load_params

# Encoder names in ``retrieval.encoders`` → the process-wide encoder.
ENCODERS = {"use": shared_sentence_encoder, "e5": shared_e5_encoder}


class BlendedEncoder:
    """Concatenation of ``sqrt(share) * encoder(text)``: dot products are share-weighted mean cosines."""

    def __init__(self, parts: Mapping[str, tuple[SentenceEncoder, float]]) -> None:
        total = sum(share for _, share in parts.values())
        if total <= 0:
            raise ValueError("an encoder blend needs a positive share")
        self.parts = [(name, enc, share / total) for name, (enc, share) in parts.items() if share > 0]
        self.name = "+".join(f"{getattr(enc, 'name', name)}*{share:.3g}" for name, enc, share in self.parts)
        self.dim = sum(int(getattr(enc, "dim", 512)) for _, enc, _ in self.parts)

    def encode(self, texts: list[str]) -> np.ndarray:
        blocks = [np.sqrt(share) * np.asarray(enc.encode(list(texts)), np.float32) for _, enc, share in self.parts]
        return np.concatenate(blocks, axis=1).astype(np.float32)


_shared: dict[tuple, CachedEncoder] = {}
_lock = threading.Lock()


def use_alone(shares: Mapping[str, float] | None) -> bool:
    """True when ``shares`` (``retrieval.encoders``) name USE alone, or nothing (every fit before the blend)."""
    return not shares or [k for k, v in shares.items() if float(v) > 0] == ["use"]


def faq_encoder(shares: Mapping[str, float] | None = None) -> SentenceEncoder:
    """The encoder of the FAQ layer for ``shares`` (default: ``thresholds.yaml`` → ``retrieval.encoders``;
    no such key: USE alone, the encoder every earlier fit used). One cached instance per blend."""
    if shares is None:
        shares = load_params()["retrieval"].get("encoders") or {"use": 1.0}
    if use_alone(shares):
        return shared_sentence_encoder()
    live = {k: float(v) for k, v in shares.items() if float(v) > 0}
    unknown = set(live) - set(ENCODERS)
    if unknown:
        raise ValueError(f"unknown FAQ encoder(s): {', '.join(sorted(unknown))}")
    key = tuple(sorted(live.items()))
    with _lock:
        if key not in _shared:
            _shared[key] = CachedEncoder(BlendedEncoder({k: (ENCODERS[k](), v) for k, v in sorted(live.items())}))
        return _shared[key]


__all__ = ["BlendedEncoder", "faq_encoder", "use_alone", "ENCODERS"]
