"""The confusable-pair gate's twin for ``faq-fit --pair-gate`` (``auto_answer.pair_gate``, answer_decision): no
automatic answer when the answered entry and the second suggestion form a confusable pair of the school's own
held-out FAQ check (``faq_health``). The pairs come from the FAQ alone (no label); docs/experiments/pairgate2.md."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..faq.calibration import faq_health, held_out_queries

if TYPE_CHECKING:  # faq_fit imports this module
    from .faq_fit import Prepared


def confusable_matrix(P: Prepared) -> np.ndarray:
    """entries × entries: the two form a confusable pair of the FAQ's held-out check, run as the desk runs it on
    import (``held_out_queries`` under the shipped numbers, then ``faq_health``). Computed once per ``Prepared``
    (~10 s for 35 entries)."""
    cached = getattr(P, "confusable", None)
    if cached is None:
        ids = [e.id for e in P.entries]
        health = faq_health(P.entries, held_out_queries(P.entries, P.encoder, P.index.params))
        cached = np.zeros((len(ids), len(ids)), bool)
        for a, b in health.confusable_pairs:
            cached[ids.index(a), ids.index(b)] = cached[ids.index(b), ids.index(a)] = True
        P.confusable = cached
    return cached


def pair_blocked(pairs: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Per message: the first entry of ``order`` (the re-ranked one) and the second form one of ``pairs``, so the
    gate withholds the automatic answer."""
    return pairs[order[:, 0], order[:, 1]] if order.shape[1] > 1 else np.zeros(len(order), bool)


__all__ = ["confusable_matrix", "pair_blocked"]
