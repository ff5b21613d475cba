"""The school's own vocabulary, learnt at deployment from its FAQ: words its screens use and nobody else's do.

A school's screenshots name its sections, products, partners and error codes («Оплата и заказы → Возвраты»,
«РассрочкаПлюс», «PL-402»); its FAQ, written by the same school, names them too. A word of the FAQ that the
shipped label texts do not know (not a generic word of payments, courses, accounts or of the other services of
``scope.yaml``) is evidence that a screen is the school's: the fusion adds ``faq_bias · log1p(distinct such words
on the ticket)`` against the out-of-scope labels (``runtime.fusion``, weight fitted by ``calibrate`` on the dev
school with the dev school's FAQ). Nothing here knows any particular school.

Words are compared by a crude stem (their first ``STEM`` letters, lower case, ``ё`` as ``е``): Russian endings
change with case and number, and OCR keeps the start of a word more often than its end.
"""
from __future__ import annotations

import re
from typing import Iterable

from .textnorm import normalise_text, words

STEM = 6  # letters kept of a word (Russian roots are ~4-6 letters; 5 matches too many unrelated words)
MIN_LETTERS = 5  # shorter words are mostly prepositions, pronouns and OCR debris
_LATIN = re.compile(r"[a-z]")


def stem(word: str) -> str:
    return normalise_text(word)[:STEM]


def stems_of(text: str) -> set[str]:
    """The stems of the words of ``text`` long enough to say something."""
    return {stem(w) for w in words(normalise_text(text)) if len(w) >= MIN_LETTERS}


def school_terms(school_texts: Iterable[str], known_texts: Iterable[str]) -> list[str]:
    """Stems of ``school_texts`` (the school's FAQ) that ``known_texts`` (the shipped label texts) never use."""
    known: set[str] = set()
    for text in known_texts:
        known |= stems_of(text)
    own: set[str] = set()
    for text in school_texts:
        own |= stems_of(text)
    return sorted(own - known)


def count_terms(text: str, terms: frozenset[str]) -> int:
    """How many distinct school terms ``text`` uses."""
    return len(stems_of(text) & terms) if terms else 0


__all__ = ["school_terms", "count_terms", "stems_of", "stem"]
