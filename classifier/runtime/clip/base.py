"""What every CLIP runtime provides (``ClipTowers``), and what the classifier builds on it (``ClipClassifier``).

A backend only runs the two towers: an image to one embedding, texts to embeddings, plus CLIP's logit
scale. Prompt ensembling, the cache of label embeddings and the probabilities are shared here, so a new
runtime (ONNX Runtime, a remote service) is one class in this folder and one line in ``BACKENDS``
(``runtime/clip/__init__.py``) — the pipeline does not change.

Label prompts are ensembled over the label set's English templates ("a screenshot of {}."): every
prompt x template is encoded, L2-normalised, averaged per intent and re-normalised, once per label set.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from typing import Protocol, Sequence, runtime_checkable

import numpy as np
from PIL import Image

from ..labels import DEFAULT_CLIP_TEMPLATES, LabelSet

log = logging.getLogger(__name__)


@runtime_checkable
class ClipTowers(Protocol):
    """A loaded CLIP checkpoint. Embeddings are L2-normalised float32 rows."""

    name: str

    def load(self) -> "ClipTowers":
        """Load the weights (idempotent); raise ``ModelUnavailableError`` when they cannot be loaded."""
        ...

    def encode_image(self, image: Image.Image) -> np.ndarray:  # (D,)
        ...

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:  # (N, D), one forward pass
        ...

    def encode_texts(self, texts: list[str]) -> np.ndarray:  # (N, D)
        ...

    def logit_scale(self) -> float:
        ...


def l2_normalise(arr: np.ndarray) -> np.ndarray:
    arr = np.asarray(arr, dtype=np.float32)
    if arr.ndim == 1:
        return arr / max(float(np.linalg.norm(arr)), 1e-12)
    return arr / np.maximum(np.linalg.norm(arr, axis=1, keepdims=True), 1e-12)


def intent_phrase(name: str) -> str:
    """'payment-problem' -> 'a payment problem' (used when an intent has no prompts)."""
    words = name.replace("-", " ").replace("_", " ").strip()
    return words if words.lower().startswith(("a ", "an ", "the ")) else f"a {words}"


def towers_cache_key(towers: ClipTowers) -> str:
    """What identifies the weights of ``towers`` for the prompt-embedding cache: its ``cache_key()`` when it has
    one (model id + size and modification time of the weight files), else its name."""
    key = getattr(towers, "cache_key", None)
    return key() if callable(key) else str(getattr(towers, "name", type(towers).__name__))


class ClipClassifier:
    """Zero-shot image classification over a label set with any ``ClipTowers``; text embeddings cached.

    Prompt embeddings are kept in memory and, with ``cache_dir``, on disk as ``.npy`` files keyed by the
    checkpoint (``towers_cache_key``) and the exact prompts and templates (the label set's version: a changed
    prompt is a new key). Encoding the shipped label set's ~140 prompt texts was 12.7-16.6 s of every worker's
    start with ViT-B/32 (issue 13); read from disk it is a few milliseconds, and the text tower is not needed.
    """

    def __init__(self, towers: ClipTowers, cache_dir: str | None = None) -> None:
        self.towers = towers
        self.cache_dir = cache_dir or None
        self._lock = threading.Lock()
        self._text_cache: dict[tuple, np.ndarray] = {}

    def _disk_path(self, key: tuple) -> str | None:
        if not self.cache_dir:
            return None
        digest = hashlib.sha256(json.dumps([towers_cache_key(self.towers), key], ensure_ascii=False).encode())
        return os.path.join(self.cache_dir, "prompts", f"{digest.hexdigest()[:32]}.npy")

    def _load_disk(self, path: str | None) -> np.ndarray | None:
        if not path or not os.path.exists(path):
            return None
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError) as exc:  # a truncated file from a killed worker: encode again
            log.warning("Ignoring an unreadable CLIP prompt cache file %s: %s", path, exc)
            return None

    def _store_disk(self, path: str | None, mat: np.ndarray) -> None:
        if not path:
            return
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp.npy"
            np.save(tmp, mat, allow_pickle=False)
            os.replace(tmp, path)  # atomic: another worker never reads half a file
        except OSError as exc:  # a read-only disk costs time at the next start, nothing else
            log.warning("Could not write the CLIP prompt cache %s: %s", path, exc)

    @property
    def name(self) -> str:
        return self.towers.name

    def prompt_embeddings(self, prompts_per_label: Sequence[Sequence[str]], templates: Sequence[str]) -> np.ndarray:
        """(L, D) ensembled text embeddings; cached by the prompts and templates."""
        key = (tuple(tuple(p) for p in prompts_per_label), tuple(templates))
        cached = self._text_cache.get(key)
        if cached is not None:
            return cached
        path = self._disk_path(key)
        mat = self._load_disk(path)
        if mat is not None and mat.shape[0] == len(prompts_per_label):
            with self._lock:
                self._text_cache[key] = mat
            return mat
        rows = []
        for prompts in prompts_per_label:
            texts = [t.format(p) if "{}" in t else f"{t} {p}" for p in prompts for t in templates]
            rows.append(l2_normalise(self.towers.encode_texts(texts).mean(axis=0)))
        mat = np.stack(rows).astype(np.float32)
        with self._lock:
            self._text_cache[key] = mat
        self._store_disk(path, mat)
        return mat

    def label_embeddings(self, labels: LabelSet) -> np.ndarray:
        prompts = [i.prompts or [intent_phrase(i.name)] for i in labels.intents]
        return self.prompt_embeddings(prompts, labels.clip_templates or DEFAULT_CLIP_TEMPLATES)

    def probabilities(self, image: Image.Image, text_embeddings: np.ndarray) -> np.ndarray:
        sims = text_embeddings @ self.towers.encode_image(image)
        z = self.towers.logit_scale() * sims
        z = z - z.max()
        e = np.exp(z)
        return e / e.sum()

    def batch_probabilities(self, images: Sequence[Image.Image], text_embeddings: np.ndarray) -> np.ndarray:
        """(N, L) probabilities of N images from one forward pass of the image tower."""
        if not images:
            return np.zeros((0, text_embeddings.shape[0]), np.float32)
        encode = getattr(self.towers, "encode_images", None)
        feats = encode(list(images)) if callable(encode) else np.stack([self.towers.encode_image(i) for i in images])
        z = self.towers.logit_scale() * (feats @ text_embeddings.T)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def classify_labels(self, image: Image.Image, labels: LabelSet) -> np.ndarray:
        """Probability per intent of ``labels`` (all intents, order = labels.all_names)."""
        return self.probabilities(image, self.label_embeddings(labels))

    def classify_labels_batch(self, images: Sequence[Image.Image], labels: LabelSet) -> np.ndarray:
        """``classify_labels`` for the screenshots of one burst in one forward pass: (N, intents)."""
        return self.batch_probabilities(images, self.label_embeddings(labels))

    def classify_texts(self, image: Image.Image, intents: Sequence[str],
                       templates: Sequence[str] | None = None) -> np.ndarray:
        """Seed-style: probabilities over free-form intent strings (names get a phrase + templates)."""
        prompts = [[intent_phrase(t) if "-" in t or "_" in t else t] for t in intents]
        return self.probabilities(image, self.prompt_embeddings(prompts, templates or DEFAULT_CLIP_TEMPLATES))


__all__ = ["ClipTowers", "ClipClassifier", "intent_phrase", "l2_normalise", "towers_cache_key"]
