"""Offline text signals: how strongly a piece of text (OCR output or the student's words) evokes each intent.

Signals (each a score per intent of the label set):

* ``semantic`` — sentence-encoder similarity. The text is cut into segments (OCR lines and
  windows of consecutive lines, plus the whole text); each segment is compared with every
  description/example of every intent; an intent's score is the mean of its top-k similarities for the
  best segments. Segments make short error messages ("Платёж отклонён") count even when the screenshot
  is full of navigation chrome.
* ``keywords`` — lexical evidence: distinct keyword stems of the intent found in the text (stems shared
  by several intents count less), squashed with log1p. Robust to OCR noise in the rest of the line.
* ``ngrams`` — character 3-gram TF-IDF cosine between the text and the intent's texts.

A new signal is a method of :class:`TextScorer` plus its arrays in ``fusion.ticket_features`` and a
weight in ``fusion.fused_logits`` (fitted by ``python -m classifier calibrate``).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .encoders import CachedEncoder
from .labels import LabelSet
from .memory import DEFAULT_FLOOR, CorrectionMemory
from .school_terms import count_terms
from .textnorm import count_words, normalise_text, words
from .tfidf import TfidfCosine


def _meaningful_lines(text: str) -> list[str]:
    lines = [ln.strip() for ln in (text or "").splitlines() if count_words(ln) >= 1]
    return [ln for ln in lines if len(ln) >= 4]


def _joined(lines: list[str]) -> str:
    return " ".join(lines)[:2000]


def whole_segment(text: str) -> str:
    """The whole text as one segment: its meaningful lines joined by spaces (at most 2000 characters); "" when
    it has none. The first of ``segments_of``; also the message text the FAQ re-ranking encodes with e5, so a
    message is e5-encoded once for the topic's second opinion and the re-ranking (the shared per-text cache)."""
    return _joined(_meaningful_lines(text))


def segments_of(text: str, max_segments: int = 60, window: int = 3) -> list[str]:
    """Whole text (``whole_segment``) + meaningful lines + windows of ``window`` consecutive lines (deduplicated)."""
    lines = _meaningful_lines(text)
    segs: list[str] = []
    if lines:
        segs.append(_joined(lines))
    for i in range(len(lines)):
        if count_words(lines[i]) >= 2:
            segs.append(lines[i])
        if window > 1 and i + window <= len(lines):
            segs.append(" ".join(lines[i:i + window]))
    segs = list(dict.fromkeys(segs))
    return segs[:max_segments]


class Keyword:
    """A compiled keyword whose regex runs only when its literal text occurs (``search`` as ``re.Pattern``'s).

    Why: a stem's pattern starts with a look-behind, so a miss costs a regex step at every position of the
    text; ~400 keyword stems of the shipped label set on one screenshot's OCR text took 6.2 ms (~15 µs a stem),
    twice per screenshot (whole text and focus lines), ~5 % of the offline pipeline's CPU. ``needle in text``
    rules out most stems at C speed; the regex then decides, so the result is the same match or None.
    ``re:`` keywords have no literal and always run their regex.
    """

    __slots__ = ("regex", "needle")

    def __init__(self, regex: re.Pattern[str], needle: str | None) -> None:
        self.regex, self.needle = regex, needle

    def search(self, text: str) -> re.Match[str] | None:
        if self.needle is not None and self.needle not in text:
            return None
        return self.regex.search(text)


def compile_keyword(stem: str) -> Keyword:
    """A keyword is a stem matched at a word start, a phrase matched anywhere, or ``re:<regex>``."""
    if stem.startswith("re:"):
        return Keyword(re.compile(stem[3:], re.IGNORECASE), None)
    stem = normalise_text(stem)
    if re.fullmatch(r"[^\W\d_]+", stem):
        return Keyword(re.compile(r"(?<![^\W\d_])" + re.escape(stem)), stem)
    return Keyword(re.compile(re.escape(stem)), stem)


def focus_text(text: str, cues: Sequence[Keyword | re.Pattern[str]], context: int = 1) -> str:
    """Lines that carry a problem cue, with ``context`` neighbouring lines (empty if no cue)."""
    lines = [ln for ln in (text or "").splitlines() if ln.strip()]
    keep: set[int] = set()
    for i, line in enumerate(lines):
        norm = normalise_text(line)
        if any(p.search(norm) for p in cues):
            keep.update(range(max(0, i - context), min(len(lines), i + context + 1)))
    return "\n".join(lines[i] for i in sorted(keep))


def char_trigrams(text: str) -> list[str]:
    """Character 3-grams of each word (padded with a space on both sides), normalised text."""
    out = []
    for word in words(normalise_text(text)):
        w = f" {word} "
        out.extend(w[i:i + 3] for i in range(len(w) - 2))
    return out


@dataclass
class TextSignals:
    """Raw per-intent signal arrays for one text (order = label_set.all_names)."""

    semantic: np.ndarray
    keywords: np.ndarray
    ngrams: np.ndarray
    n_words: int
    embedding: np.ndarray | None = None


class TextScorer:
    """Computes the offline signals of a text against one label set. Build once, reuse (read-only, thread-safe)."""

    def __init__(self, labels: LabelSet, encoder: CachedEncoder):
        self.labels = labels
        self.encoder = encoder
        self.names = labels.all_names
        texts: list[str] = []
        owner: list[int] = []
        for idx, intent in enumerate(labels.intents):
            for t in intent.texts or [intent.name]:
                texts.append(t)
                owner.append(idx)
        self._owner = np.asarray(owner)
        self._label_emb = encoder.encode(texts)
        self._masks = [self._owner == i for i in range(len(self.names))]
        # keyword stems: weight 1/(number of intents sharing the stem)
        stems: dict[str, set[int]] = {}
        for idx, intent in enumerate(labels.intents):
            for kw in intent.keywords:
                key = kw if kw.startswith("re:") else normalise_text(kw)
                stems.setdefault(key, set()).add(idx)
        self._cues = [compile_keyword(c) for c in labels.cues]
        self._school_words = [compile_keyword(c) for c in labels.school_vocabulary]
        self._school_terms = frozenset(labels.school_terms)
        # each stem once, with the intents it counts for (searched once per text, not once per intent)
        self._kw: list[tuple[Keyword, list[int], float]] = [
            (compile_keyword(stem), sorted(owners), 1.0 / len(owners)) for stem, owners in stems.items() if stem]
        self._memory = CorrectionMemory(self.names, {i.name: i.corrections for i in labels.intents}, encoder,
                                        floor=float(labels.settings.get("mem_floor", DEFAULT_FLOOR)))
        docs = [" ".join(intent.texts + intent.keywords) for intent in labels.intents]
        self._ngrams = TfidfCosine(docs, char_trigrams, tf="log1p")

    def semantic(self, text: str, top_k: int = 3) -> tuple[np.ndarray, np.ndarray | None]:
        segs = segments_of(text)
        if not segs:
            return np.zeros(len(self.names)), None
        emb = self.encoder.encode(segs)  # (S, D)
        sims = emb @ self._label_emb.T  # (S, T)
        scores = np.zeros(len(self.names))
        for i, mask in enumerate(self._masks):
            block = sims[:, mask]
            k = min(top_k, block.shape[1])
            topk = np.sort(block, axis=1)[:, -k:].mean(axis=1)  # per segment
            scores[i] = float(topk.max())
        return scores, emb[0]

    def keywords(self, text: str) -> np.ndarray:
        norm = normalise_text(text)
        out = np.zeros(len(self.names))
        if not norm:
            return out
        # per intent, the weights of its stems found, added in stem order (the same float sums as a per-intent loop)
        totals = [0] * len(self.names)
        for pat, owners, weight in self._kw:
            if pat.search(norm):
                for idx in owners:
                    totals[idx] += weight
        for i, total in enumerate(totals):
            out[i] = math.log1p(total)
        return out

    def ngrams(self, text: str) -> np.ndarray:
        return self._ngrams.similarity(text)

    def school_evidence(self, text: str) -> tuple[bool, bool, float]:
        """(the school is named; another brand or site is named and the school is not; how much of the general
        vocabulary of online education the text uses, log1p of the distinct stems found)."""
        norm = normalise_text(text)
        edu = math.log1p(sum(1 for p in self._school_words if p.search(norm))) if norm else 0.0
        school = self.labels.school
        if not school:
            return False, False, edu
        named = school.names_school(text)
        return named, (not named) and bool(school.foreign_brands(text)), edu

    def school_term_evidence(self, text: str) -> float:
        """log1p of the distinct words of the school's own FAQ vocabulary in ``text`` (``runtime.school_terms``)."""
        return math.log1p(count_terms(text, self._school_terms))

    def memory(self, ocr_text: str, user_text: str = "") -> np.ndarray:
        """How much the ticket repeats the operators' corrections of each intent (``runtime.memory``)."""
        if not len(self._memory):
            return np.zeros(len(self.names))
        return self._memory.scores(f"{user_text}\n{ocr_text}")

    def focus(self, text: str) -> str:
        return focus_text(text, self._cues) if self._cues else ""

    def signals(self, text: str, top_k: int = 3) -> TextSignals:
        sem, emb = self.semantic(text, top_k=top_k)
        return TextSignals(
            semantic=sem,
            keywords=self.keywords(text),
            ngrams=self.ngrams(text),
            n_words=count_words(text),
            embedding=emb,
        )


__all__ = ["TextScorer", "TextSignals", "Keyword", "segments_of", "whole_segment", "compile_keyword", "focus_text",
           "char_trigrams"]
