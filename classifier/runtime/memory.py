"""Learning from corrections: what is remembered of a corrected ticket, and how a later ticket is compared with it.

One mechanism for the desk (an operator's override, ``tickets.LabelExample``) and for the measured replay
(``python -m classifier replay``):

* **What is remembered** (:func:`correction_text`): the student's words and the *distinctive* lines of the
  screenshots' OCR text: lines with two or more words that do not recur across the school's other screenshots.
  A school's menus, headers and footers recur on every screenshot it sends; remembered, they would match every
  later ticket (a first probe that remembered the whole OCR text made the second half of the replay worse on
  both schools tried). The recurring lines are counted over the caller's recent screenshots
  (:func:`recurring_lines`: the replay's earlier items, the desk's recent predictions).
* **How it is weighed** (:class:`CorrectionMemory`): a separate signal, ``mem``, with its own fitted weight in
  the fusion. A remembered item counts for a new ticket by how much of it the ticket repeats: each remembered
  line is matched with the ticket's most similar line (sentence-encoder cosine), and the mean of these best
  matches (a soft containment) is compared with ``floor``. Only the part above the floor counts, so a ticket
  that merely shares a word or a generic error line with a correction is not moved; per intent, the best item.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable, Mapping, Sequence

import numpy as np

from .encoders import CachedEncoder
from .textnorm import count_words, normalise_text

MAX_CHARS = 2000  # as the whole-text segment the scorer embeds
MAX_LINES = 24  # a remembered item longer than this keeps its first lines (a long dump is mostly noise)
# A line on at least MIN_RECURRENCE of the other screenshots, and on at least RECURRENCE_SHARE of them, is the
# school's chrome (menus, headers, footers). The share keeps a common error message on a busy desk (2 of 200
# recent screenshots) from being taken for chrome.
MIN_RECURRENCE = 2
RECURRENCE_SHARE = 0.05
DEFAULT_FLOOR = 0.6  # cosine of USE-m3 under which a remembered line is not "repeated"
_NON_LETTERS = re.compile(r"[^\w]+|[\d_]+", re.UNICODE)


def line_key(line: str) -> str:
    """A line as compared across screenshots: lower case, letters only (clock times, counters and order numbers
    differ from one screenshot to the next; the menu they sit in does not)."""
    return _NON_LETTERS.sub(" ", normalise_text(line)).strip()


def _lines(text: str) -> list[str]:
    return [" ".join(ln.split()) for ln in (text or "").splitlines() if count_words(ln) >= 2]


def recurring_lines(texts: Iterable[str], min_count: int = MIN_RECURRENCE,
                    share: float = RECURRENCE_SHARE) -> frozenset[str]:
    """Keys of the lines on at least ``max(min_count, share × len(texts))`` of ``texts`` (each text counted once)."""
    counts: Counter[str] = Counter()
    n = 0
    for text in texts:
        n += 1
        counts.update({line_key(ln) for ln in _lines(text)} - {""})
    need = max(min_count, math.ceil(share * n))
    return frozenset(key for key, c in counts.items() if c >= need)


def correction_text(ocr_text: str = "", user_text: str = "", recurring: Iterable[str] = ()) -> str:
    """What a corrected ticket teaches: the student's words and the distinctive lines of its screenshots."""
    chrome = recurring if isinstance(recurring, (set, frozenset)) else frozenset(recurring)
    lines = [ln for ln in _lines(ocr_text) if line_key(ln) not in chrome]
    parts = [" ".join((user_text or "").split())] + list(dict.fromkeys(lines))[:MAX_LINES]
    return "\n".join(p for p in parts if p)[:MAX_CHARS].strip()


class CorrectionMemory:
    """The remembered items of each intent, embedded once; ``scores(lines)`` per intent.

    ``items``: intent name → remembered texts (``correction_text`` outputs); ``names``: the label set's order.
    """

    def __init__(self, names: Sequence[str], items: Mapping[str, Sequence[str]], encoder: CachedEncoder,
                 floor: float = DEFAULT_FLOOR):
        self.names = list(names)
        self.floor = float(floor)
        self.encoder = encoder
        self._items: list[tuple[int, np.ndarray]] = []  # (intent index, embeddings of the item's lines)
        for name, texts in (items or {}).items():
            for text in texts:
                self.add(name, text)

    def add(self, name: str, text: str) -> bool:
        """Remember ``text`` (a ``correction_text``) for intent ``name``; False if there is nothing to remember."""
        lines = [ln for ln in (text or "").splitlines() if ln.strip()]
        if name not in self.names or not lines:
            return False
        self._items.append((self.names.index(name), self.encoder.encode(lines)))
        return True

    def __len__(self) -> int:
        return len(self._items)

    def scores(self, text: str) -> np.ndarray:
        """Per intent: ``max(0, containment - floor) / (1 - floor)`` of its best item (0 without items)."""
        out = np.zeros(len(self.names))
        if not self._items:
            return out
        lines = _lines(text) or ([" ".join(text.split())] if text and text.strip() else [])
        if not lines:
            return out
        query = self.encoder.encode(lines)
        for idx, emb in self._items:
            containment = float((emb @ query.T).max(axis=1).mean())
            out[idx] = max(out[idx], max(0.0, containment - self.floor) / (1.0 - self.floor))
        return out


__all__ = ["CorrectionMemory", "correction_text", "recurring_lines", "line_key", "MAX_CHARS"]
