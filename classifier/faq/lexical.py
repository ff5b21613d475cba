"""Lexical matching for FAQ retrieval: tokens (normalised, slang expanded, stop words dropped, stemmed),
character n-grams, and Okapi BM25 over tokens (bm25s).
"""
from __future__ import annotations

import logging
import math
import re
from collections import Counter
from functools import lru_cache
from typing import Sequence

import numpy as np

from ..runtime.textnorm import normalise_text
from .params import load_data

TOKEN_RE = re.compile(r"[0-9a-zа-я]+(?:[-'][0-9a-zа-я]+)*")

# Light Russian stemmer: strip the longest inflectional ending, keep a stem of >= 3 letters.
_RU_ENDINGS = sorted(
    """а я о е ё и ы у ю ь й ая яя ое ее ые ие ый ий ой ей ом ем ам ям ах ях ов ев ую юю ую ою ею ым им ими ыми
    ами ями его ого ему ому ешь ет ют ут ит ат ят ем им ете ите ишь ся сь ться тся ать ять еть ить уть ыть ал
    ял ил ыл ел ла ло ли ала яла ила ела ыла али яли или ели ыли ось ась ись лась лось лись ание ения ение ании
    ения ость ости остью ностей ство ства ств ка ки ку кой ке ок ек ну нул нуть""".split(),
    key=len,
    reverse=True,
)
_EN_SUFFIXES = ("ingly", "edly", "ings", "ing", "ies", "ied", "ed", "es", "s", "ly")


def _stem(tok: str) -> str:
    if tok.isdigit() or len(tok) <= 3:
        return tok
    if re.search("[а-я]", tok):
        for end in _RU_ENDINGS:
            if tok.endswith(end) and len(tok) - len(end) >= 3:
                return tok[: -len(end)]
        return tok
    for suf in _EN_SUFFIXES:
        if tok.endswith(suf) and len(tok) - len(suf) >= 3:
            return tok[: -len(suf)]
    return tok


@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], dict[str, str]]:
    data = load_data("lexicon.yaml")
    stops = set()
    for words in (data.get("stopwords") or {}).values():
        stops.update(normalise_text(str(w)) for w in words)
    exp = {normalise_text(str(k)): normalise_text(str(v)) for k, v in (data.get("expansions") or {}).items()}
    return frozenset(stops), exp


def tokens(text: str) -> list[str]:
    """Lower-cased, ё→е, slang expanded, stop words dropped, lightly stemmed tokens."""
    stops, exp = _lexicon()
    out: list[str] = []
    for tok in TOKEN_RE.findall(normalise_text(text)):
        words = [tok] + (exp[tok].split() if tok in exp else [])
        for w in words:
            for part in (w.split("-") if "-" in w and w not in exp else [w]):
                if part and part not in stops:
                    out.append(_stem(part))
    return out


def char_ngrams(text: str, n_min: int = 3, n_max: int = 5) -> list[str]:
    grams: list[str] = []
    for tok in TOKEN_RE.findall(normalise_text(text)):
        w = f" {tok} "
        for n in range(n_min, n_max + 1):
            grams.extend(w[i : i + n] for i in range(max(1, len(w) - n + 1)))
    return grams


class Bm25:
    """Okapi BM25 over pre-tokenised documents (the bm25s library: Lucene's idf ``ln(1 + (n - df + 0.5) /
    (df + 0.5))``, k1 = 1.2, b = 0.75), each query term counted once.

    ``scores`` keep the classic ``(k1 + 1)`` numerator that Lucene drops, and ``max_score`` (the sum of the
    query terms' idf) normalises them, so the FAQ features are the ones the thresholds were fitted on.
    """

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self._n = len(docs)
        df = Counter(t for doc in docs for t in set(doc))
        self._idf = {t: math.log(1 + (self._n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self._model = None
        if df:  # bm25s cannot index a corpus without a single token
            import bm25s  # ~0.3 s to import: only where an FAQ index is built

            # bm25s pins its logger at DEBUG on import; give the level back to the application's logging config
            logging.getLogger("bm25s").setLevel(logging.NOTSET)
            self._model = bm25s.BM25(k1=k1, b=b, method="lucene", dtype="float64")
            self._model.index([list(doc) for doc in docs], show_progress=False)

    def scores(self, query: Sequence[str]) -> np.ndarray:
        terms = [t for t in dict.fromkeys(query) if t in self._idf]
        if self._model is None or not terms:
            return np.zeros(self._n)
        return np.asarray(self._model.get_scores(terms), dtype=np.float64) * (self.k1 + 1)

    def max_score(self, query: Sequence[str]) -> float:
        """Sum of the idf of the query's distinct terms: the normaliser that puts scores in ~[0, 1]."""
        return sum(self._idf.get(t, 0.0) for t in set(query)) or 1.0


__all__ = ["TOKEN_RE", "tokens", "char_ngrams", "Bm25"]
