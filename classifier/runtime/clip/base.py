"""What every CLIP runtime provides (``ClipTowers``), and what the classifier builds on it (``ClipClassifier``).

A backend only runs the two towers: an image to one embedding, texts to embeddings, plus CLIP's logit
scale. Prompt ensembling, the cache of label embeddings and the probabilities are shared here, so a new
runtime (ONNX Runtime, a remote service) is one class in this folder and one line in ``BACKENDS``
(``runtime/clip/__init__.py``) — the pipeline does not change.

Label prompts are ensembled over the label set's English templates ("a screenshot of {}."): every
prompt x template is encoded, L2-normalised, averaged per intent and re-normalised, once per label set.
"""
from __future__ import annotations

import threading
from typing import Protocol, Sequence, runtime_checkable

import numpy as np
from PIL import Image

from ..labels import DEFAULT_CLIP_TEMPLATES, LabelSet


@runtime_checkable
class ClipTowers(Protocol):
    """A loaded CLIP checkpoint. Embeddings are L2-normalised float32 rows."""

    name: str

    def load(self) -> "ClipTowers":
        """Load the weights (idempotent); raise ``ModelUnavailableError`` when they cannot be loaded."""
        ...

    def encode_image(self, image: Image.Image) -> np.ndarray:  # (D,)
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


class ClipClassifier:
    """Zero-shot image classification over a label set with any ``ClipTowers``; text embeddings cached."""

    def __init__(self, towers: ClipTowers) -> None:
        self.towers = towers
        self._lock = threading.Lock()
        self._text_cache: dict[tuple, np.ndarray] = {}

    @property
    def name(self) -> str:
        return self.towers.name

    def prompt_embeddings(self, prompts_per_label: Sequence[Sequence[str]], templates: Sequence[str]) -> np.ndarray:
        """(L, D) ensembled text embeddings; cached by the prompts and templates."""
        key = (tuple(tuple(p) for p in prompts_per_label), tuple(templates))
        cached = self._text_cache.get(key)
        if cached is not None:
            return cached
        rows = []
        for prompts in prompts_per_label:
            texts = [t.format(p) if "{}" in t else f"{t} {p}" for p in prompts for t in templates]
            rows.append(l2_normalise(self.towers.encode_texts(texts).mean(axis=0)))
        mat = np.stack(rows)
        with self._lock:
            self._text_cache[key] = mat
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

    def classify_labels(self, image: Image.Image, labels: LabelSet) -> np.ndarray:
        """Probability per intent of ``labels`` (all intents, order = labels.all_names)."""
        return self.probabilities(image, self.label_embeddings(labels))

    def classify_texts(self, image: Image.Image, intents: Sequence[str],
                       templates: Sequence[str] | None = None) -> np.ndarray:
        """Seed-style: probabilities over free-form intent strings (names get a phrase + templates)."""
        prompts = [[intent_phrase(t) if "-" in t or "_" in t else t] for t in intents]
        return self.probabilities(image, self.prompt_embeddings(prompts, templates or DEFAULT_CLIP_TEMPLATES))


__all__ = ["ClipTowers", "ClipClassifier", "intent_phrase", "l2_normalise"]
