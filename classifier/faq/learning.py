"""Learning from operators' answers: the student's question of a ticket an operator answered with an FAQ entry
becomes a learned phrasing of that entry (``FaqDocument.learned_questions``).

One function, ``with_learned_question``, for the desk (the admin's one-click "add", ``knowledge.services``) and
the replay that measures it (``classifier/fitting/faq_replay.py``).

Why learned phrasings are kept apart from the school's own questions: appended to ``alt_questions`` they joined
the entry's one lexical document (BM25, char n-grams), made it longer and lowered its lexical scores for every
later message, so the auto-answer rule answered fewer (replay, 2nd-half coverage: dev 0.454 with / 0.465
without, val 0.146 / 0.218). Entering only the dense max-over-phrasings signal (``dq``) they leave every
other signal as it was (docs/experiments/learn5.md: dev 0.465 / 0.465, val 0.218 / 0.218, precision equal).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from .documents import FaqDocument


def learned_phrasing(text: str) -> str:
    """The phrasing as stored: the student's words with runs of whitespace (line breaks too) made one space."""
    return " ".join((text or "").split())


def with_learned_question(entries: Sequence[FaqDocument], entry_id: str, text: str) -> list[FaqDocument]:
    """``entries`` with ``text`` added to the learned phrasings of ``entry_id`` (unchanged when the text is empty
    or the entry already has that exact phrasing, its own or learned)."""
    phrasing = learned_phrasing(text)
    return [replace(e, learned_questions=(*e.learned_questions, phrasing))
            if e.id == entry_id and phrasing and phrasing not in e.dense_questions else e
            for e in entries]


__all__ = ["learned_phrasing", "with_learned_question"]
