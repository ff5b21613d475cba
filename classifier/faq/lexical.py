"""Lexical matching for FAQ retrieval: tokens (normalised, slang expanded, stop words dropped, stemmed),
character n-grams, and Okapi BM25 over tokens.
"""
from __future__ import annotations

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
    """Okapi BM25 over pre-tokenised documents (small, numpy-free, fine for a few thousand documents)."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tfs = [Counter(d) for d in docs]
        self.lens = np.array([len(d) for d in docs], dtype=float)
        self.avgdl = float(self.lens.mean()) if len(docs) and self.lens.mean() > 0 else 1.0
        df: Counter[str] = Counter()
        for tf in self.tfs:
            df.update(tf.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}

    def scores(self, query: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(self.tfs))
        q = set(query)
        for i, tf in enumerate(self.tfs):
            norm = self.k1 * (1 - self.b + self.b * self.lens[i] / self.avgdl)
            s = 0.0
            for t in q:
                f = tf.get(t)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1) / (f + norm)
            out[i] = s
        return out

    def max_score(self, query: Sequence[str]) -> float:
        """Score of a document made of exactly the query terms (normaliser to ~[0, 1])."""
        return sum(self.idf.get(t, 0.0) for t in set(query)) or 1.0


__all__ = ["TOKEN_RE", "tokens", "char_ngrams", "Bm25"]
