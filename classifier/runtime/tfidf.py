"""The one TF-IDF implementation (scikit-learn): cosine similarity of a text to each of a few documents.

Used for character n-grams of intents (``runtime/signals.py``) and of FAQ questions (``faq/index.py``).
Inverse document frequency is scikit-learn's smoothed ``ln((1 + n) / (1 + df)) + 1``; vectors are
L2-normalised; grams never seen in the documents are ignored.
"""
from __future__ import annotations

from typing import Callable, Literal, Sequence

import numpy as np

Analyzer = Callable[[str], list[str]]


class TfidfCosine:
    """``similarity(text)`` -> array of the cosine between ``text`` and each document.

    ``tf``: how a gram's count ``c`` is damped before the idf weight: ``"log1p"`` (``ln(1 + c)``) or
    ``"sublinear"`` (``1 + ln(c)``, scikit-learn's ``sublinear_tf``).
    """

    def __init__(self, docs: Sequence[str], analyzer: Analyzer, *, tf: Literal["log1p", "sublinear"]) -> None:
        if tf not in ("log1p", "sublinear"):
            raise ValueError(f"unknown tf damping {tf!r}")
        # scikit-learn (with scipy) costs ~0.85 s to import: only processes that score texts pay for it
        from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

        self._log1p = tf == "log1p"
        self._n_docs = len(docs)
        self._counts = CountVectorizer(analyzer=analyzer, lowercase=False)
        self._weights = TfidfTransformer(norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=not self._log1p)
        try:
            counts = self._counts.fit_transform(docs)
        except ValueError:  # no document has a single gram: nothing can be similar
            self._matrix = None
            return
        self._matrix = self._weights.fit_transform(self._damped(counts))

    def _damped(self, counts):
        counts = counts.astype(np.float64)
        if self._log1p:
            counts.data = np.log1p(counts.data)
        return counts

    def similarity(self, text: str) -> np.ndarray:
        if self._matrix is None:
            return np.zeros(self._n_docs)
        query = self._weights.transform(self._damped(self._counts.transform([text])))
        return np.asarray((self._matrix @ query.T).todense()).ravel()


__all__ = ["TfidfCosine"]
