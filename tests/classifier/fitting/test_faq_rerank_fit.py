"""`faq-fit`'s re-ranking weights and their twin of ``Reranker.rerank`` (classifier/fitting/faq_rerank_fit.py)."""
from __future__ import annotations

import numpy as np

from classifier.fitting import faq_fit, faq_rerank_fit


def _rerank_twin_P(n: int = 40, m: int = 4, seed: int = 0):
    """A prepared-set stand-in whose right entry is second by the fused score but first by answer overlap."""
    from types import SimpleNamespace

    rng = np.random.default_rng(seed)
    S = rng.uniform(0.0, 0.5, (n, m))
    gold = rng.integers(0, m, n)
    S[np.arange(n), (gold + 1) % m] = 0.9  # a sibling entry comes first
    S[np.arange(n), gold] = 0.8
    overlaps = np.zeros((n, m, 2))
    overlaps[np.arange(n), gold, 0] = 0.5  # the right entry's answer names the message's words
    F = {"bm": np.zeros((n, m)), "cg": np.zeros((n, m))}
    P = SimpleNamespace(gold=gold, F=F, F5={"dq": S.copy(), "da": np.zeros((n, m))}, overlaps=overlaps)
    P.rerank_values = lambda w, S_, top: faq_fit.Prepared.rerank_values(P, w, S_, top)
    return P, S


def test_the_rerank_fit_learns_a_separating_signal_and_its_twin_reorders_the_top3_only():
    P, S = _rerank_twin_P()
    w = {"w_dq": 1.0, "w_da": 0.0, "w_bm": 0.0, "w_cg": 0.0}
    rr = faq_rerank_fit.fit_rerank(P, np.arange(len(S)), w, S)
    assert rr["depth"] == 3 and set(rr["weights"]) == {"score", "e5_score", "answer_overlap", "answer_only_overlap"}
    assert rr["weights"]["answer_overlap"] > 0
    order = faq_rerank_fit.reranked_order(P, {**w, "rerank": rr}, S)
    plain = np.argsort(-S, axis=1, kind="stable")
    assert (order[:, 0] == P.gold).mean() > (plain[:, 0] == P.gold).mean()
    assert (np.sort(order[:, :3], 1) == np.sort(plain[:, :3], 1)).all()  # the same three, re-ordered
    assert (order[:, 3:] == plain[:, 3:]).all()
    assert (faq_rerank_fit.reranked_order(P, w, S) == plain).all()  # no fitted weights: the fused order
