"""What operators' answers teach the FAQ, measured: the ``faq`` part of ``python -m classifier replay DIR``.

The school's messages (``texts.csv`` order) are streamed through the FAQ decision, calibrated once on the
school's ``faq.yaml`` as its import does. When a message the FAQ answers (``faq_id``) was not answered
automatically with that entry, an operator answers it by inserting that entry's answer; the desk then offers the
student's words as a learned phrasing of the entry (issue 9's proposal; the admin's one-click "add", with
the same function, ``classifier.faq.learning.with_learned_question``: learned phrasings enter only the dense
question signal; appended to the school's own questions they lowered coverage, docs/experiments/learn5.md). The
replay accepts every offer of a message that needs no person (an operator would not add "my payment of the 12th is
missing" as a phrasing of a FAQ question) — ``policy="found"`` only when the FAQ already ranked the entry first,
``"missed"`` only when it did not — re-indexes that entry and goes on. Figures are split into the first and
second half of the stream; the same stream without learning is the comparison (``*_without_learning`` with ``full``).

Cost: one index refresh per accepted question (the entry is re-embedded, BM25 and char n-grams rebuilt:
~60 ms for 35 entries).
"""
from __future__ import annotations

import os
from typing import Callable, Sequence

import numpy as np

from ..faq.calibration import calibrate_faq
from ..faq.decision import answer_decision
from ..faq.documents import FaqDocument
from ..faq.index import FaqIndex
from ..faq.learning import with_learned_question
from ..runtime.encoders import SentenceEncoder
from .datasets import read_csv

FAQ_KEYS = ("n", "learned", "first_half_coverage", "second_half_coverage", "second_half_precision",
            "second_half_needs_human_auto")


def _half(outcomes: Sequence[tuple[bool, bool, str, str, bool]]) -> dict[str, float]:
    """(auto-answered, right, gold id, needs human) per message → coverage, precision, needs-human auto-answered."""
    auto = [o for o in outcomes if o[0]]
    answerable = [o for o in outcomes if o[2] and not o[3]]
    needy = [o for o in outcomes if o[3]]
    return {
        "coverage": round(sum(o[0] for o in answerable) / len(answerable), 4) if answerable else 0.0,
        "precision": round(sum(o[1] for o in auto) / len(auto), 4) if auto else 1.0,
        "needs_human_auto": round(sum(o[0] for o in needy) / len(needy), 4) if needy else 0.0,
        "auto_answered": len(auto),
    }


def faq_replay(root: str, entries: Sequence[FaqDocument], *, topic_fn: Callable | None = None,
               encoder: SentenceEncoder | None = None, learn: bool = True, policy: str = "all", params: dict | None = None) -> dict:
    """Replay ``root``'s messages against ``entries`` (see the module's docstring)."""
    rows = read_csv(os.path.join(root, "texts.csv"))
    current = list(entries)
    index = FaqIndex(current, encoder=encoder, params=params)
    params = calibrate_faq(current, index.encoder, index.params).apply(index.params)
    texts = [r["text"] for r in rows]
    embs = index.encoder.encode(texts) if texts else np.zeros((0, 1))
    outcomes, learned = [], 0
    for row, text, emb in zip(rows, texts, embs):
        gold = (row.get("faq_id") or "").strip()
        needy = str(row.get("needs_human", "0")).strip() in ("1", "true", "True")
        d = answer_decision(text, index, topic_fn(text) if topic_fn else None, params=params, query_emb=emb)
        right = d.auto_answer and bool(gold) and d.entry_id == gold
        outcomes.append((d.auto_answer, right, gold, needy))
        top1 = d.suggestions[0].entry_id if d.suggestions else None
        offered = {"all": True, "found": top1 == gold, "missed": top1 != gold}[policy]
        if learn and offered and gold and not needy and not right and gold in index.by_id and text.strip():
            current = with_learned_question(current, gold, text)
            index.refresh(current)
            learned += 1
    mid = len(outcomes) // 2
    out: dict[str, float] = {"n": len(outcomes), "learned": learned}
    for name, part in (("first_half", outcomes[:mid]), ("second_half", outcomes[mid:])):
        for k, v in _half(part).items():
            out[f"{name}_{k}"] = v
    return out


__all__ = ["faq_replay", "FAQ_KEYS"]
