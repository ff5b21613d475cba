"""Model-free sentence encoders for tests: deterministic, similar wording gives similar vectors."""
from __future__ import annotations

import hashlib
import re

import numpy as np

from classifier.faq.lexical import tokens


def _hashed(words: list[str], dim: int) -> np.ndarray:
    out = np.zeros(dim, np.float32)
    for word in words:
        out[int(hashlib.md5(word.encode()).hexdigest(), 16) % dim] += 1.0
    return out


class PrefixHashEncoder:
    """Bag of 5-letter word prefixes hashed into ``dim`` dimensions; counts calls and remembers the texts."""

    name = "hash-test"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.calls = 0
        self.texts: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.texts.extend(texts)
        out = np.stack([_hashed([w[:5] for w in re.findall(r"\w+", t.lower())], self.dim) for t in texts]) \
            if texts else np.zeros((0, self.dim), np.float32)
        out[:, 0] += 1e-3
        return out / np.linalg.norm(out, axis=1, keepdims=True)


class TokenHashEncoder:
    """Bag of the FAQ layer's stemmed tokens hashed into 256 dims, L2-normalised; ``calls`` lists every text."""

    name = "hash-test"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.extend(texts)
        out = np.zeros((len(texts), 256), np.float32)
        for i, t in enumerate(texts):
            out[i] = _hashed(tokens(t) or ["_empty_"], 256)
            out[i] /= np.linalg.norm(out[i]) or 1.0
        return out
