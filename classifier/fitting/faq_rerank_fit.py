"""The weights of the FAQ suggestions' top-3 re-ranking (``retrieval.rerank``, classifier/faq/rerank.py), fitted by
``faq-fit`` with the rest of the FAQ layer (classifier/fitting/faq_fit.py), and the re-ranking's vectorised twin."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..faq.rerank import DEPTH, FEATURES, rerank_order

if TYPE_CHECKING:  # faq_fit imports this module
    from .faq_fit import Prepared


def fit_rerank(P: Prepared, idx: np.ndarray, w: dict[str, float], S: np.ndarray, l2: float = 1.0) -> dict[str, Any]:
    """Weights of the top-3 re-ranking (``retrieval.rerank``): L2 logistic regression without intercept on the
    feature differences (right entry − another of the top 3, and the reverse) of the messages of ``idx`` whose
    right entry is in their top 3. Four global weights; docs/experiments/rank5.md."""
    from sklearn.linear_model import LogisticRegression

    top = np.argsort(-S, axis=1, kind="stable")[:, :DEPTH]
    X = P.rerank_values(w, S, top)
    rows = []
    for i in idx:
        if P.gold[i] < 0 or P.gold[i] not in top[i]:
            continue
        kg = list(top[i]).index(P.gold[i])
        rows += [d for k in range(DEPTH) if k != kg for d in (X[i, kg] - X[i, k], X[i, k] - X[i, kg])]
    y = np.tile([1, 0], len(rows) // 2)
    model = LogisticRegression(C=1.0 / l2, fit_intercept=False, solver="newton-cholesky", tol=1e-10,
                               max_iter=100).fit(np.array(rows), y)
    return {"depth": DEPTH, "weights": {f: round(float(c), 4) for f, c in zip(FEATURES, model.coef_[0])}}


def reranked_order(P: Prepared, w: dict[str, Any], S: np.ndarray) -> np.ndarray:
    """``Reranker.rerank``'s twin: entries by fused score, the first ``depth`` re-ordered by the fitted weights."""
    order = np.argsort(-S, axis=1, kind="stable")
    rr = w.get("rerank")
    if not rr:
        return order
    depth = int(rr.get("depth", DEPTH))
    X = P.rerank_values(w, S, order[:, :depth])
    head = np.array([order[i, :depth][rerank_order(X[i], rr["weights"])] for i in range(len(S))])
    return np.concatenate([head, order[:, depth:]], axis=1)


__all__ = ["fit_rerank", "reranked_order"]
