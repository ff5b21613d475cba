"""The one text normaliser of the classifier (screenshots' OCR text, students' messages, FAQ entries)."""
from __future__ import annotations

import re

# A word: two or more letters (no digits, no underscore), any script.
WORD_RE = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def normalise_text(text: str | None) -> str:
    """Lower case, ``ё`` written as ``е``, runs of whitespace (newlines too) as one space."""
    return " ".join((text or "").lower().replace("ё", "е").split())


def words(text: str | None) -> list[str]:
    """The words of ``text`` as written (see ``WORD_RE``)."""
    return WORD_RE.findall(text or "")


def count_words(text: str | None) -> int:
    return len(words(text))


__all__ = ["WORD_RE", "normalise_text", "words", "count_words"]
