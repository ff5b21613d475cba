"""Fitting the fusion: its weights (a regularised conditional logit), the temperature and the abstain threshold.

The fused logit is linear in the signals (``runtime.fusion.design_matrix``), so the weights are fitted by
maximum likelihood with an L2 penalty on standardised weights (L-BFGS-B, a few milliseconds for a hundred
tickets). Signal weights and the fallback flags other than ``other_bias`` are kept non-negative: more similarity
to an intent never counts against it, a named school never pushes towards "not ours". A column that is zero on
every training ticket (no CLIP on this desk, no corrections yet) is not fitted: its weight keeps the value it had.

The strength of the penalty is chosen by cross-validated log-loss; the temperature and the threshold are then
fitted on *out-of-fold* probabilities (each ticket scored by weights fitted without it), because in-sample
probabilities of a small, well separated set are far too sure and a threshold fitted on them would be too low.

The threshold minimises the expected cost of routing: an unsure in-scope ticket costs one look in triage, a
ticket in a wrong queue (``other`` put in any queue included) costs ``1 + MISROUTE_PENALTY``: somebody has to
notice it, move it, and the student waited in the wrong place. The objective is therefore
``accuracy - MISROUTE_PENALTY * misroute_rate``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..runtime.fusion import FALLBACK_FLAGS, WEIGHT_KEYS, design_matrix, softmax, weight_vector
from .metrics import routing_metrics

L2_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
TEMPERATURES = np.geomspace(0.03, 5.0, 61)
MISROUTE_PENALTY = 3.0
INNER_FOLDS = 4
FREE_SIGN = {key: (0.0, None) for key in WEIGHT_KEYS if key.startswith("w_")}
FREE_SIGN.update({f"{name}_bias": (0.0, None) for name in FALLBACK_FLAGS})
FREE_SIGN["other_bias"] = (None, None)


def route(probs: np.ndarray, in_scope: np.ndarray, threshold: float) -> np.ndarray:
    """Predicted index per row, -1 for unsure (an out-of-scope winner or a confidence under the threshold)."""
    best = probs.argmax(1)
    best_in = np.where(in_scope[None, :], probs, -1.0).argmax(1)
    conf = probs[np.arange(len(probs)), best_in]
    return np.where(in_scope[best] & (conf >= threshold), best, -1)


def routing_objective(acc: float, mis: float) -> float:
    return acc - MISROUTE_PENALTY * mis


def fit_threshold(probs: np.ndarray, y: np.ndarray, in_scope: np.ndarray,
                  weight: np.ndarray | None = None) -> tuple[float, float]:
    """The global threshold with the best routing objective: the middle of the best interval."""
    n = len(y)
    w = np.ones(n) if weight is None else np.asarray(weight, dtype=np.float64)
    w = w / w.sum()
    best = probs.argmax(1)
    conf = probs[np.arange(n), best]
    routable = in_scope[best]
    right_routed = routable & (best == y)
    wrong_routed = routable & (best != y)
    right_held = ~in_scope[y]  # "unsure" is right for out-of-scope truths
    cands = np.unique(np.concatenate([[0.0], conf[routable], [1.0 + 1e-9]]))
    routed = routable[None, :] & (conf[None, :] >= cands[:, None])  # (C, N): routed at threshold cands[c]
    acc = np.where(routed, right_routed[None, :], right_held[None, :]) @ w
    mis = (routed & wrong_routed[None, :]) @ w
    scores = acc - MISROUTE_PENALTY * mis
    top = scores.max()
    idx = np.where(scores >= top - 1e-12)[0]
    end = idx[0]
    while end + 1 < len(cands) and scores[end + 1] >= top - 1e-12:
        end += 1
    lo = cands[idx[0] - 1] if idx[0] > 0 else 0.0  # thresholds in (lo, cands[end]] route the same items
    hi = min(cands[end], 1.0)
    return float((lo + hi) / 2), float(top)


def log_loss(probs: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> float:
    nll = -np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, 1.0))
    return float(np.average(nll, weights=weight))


def fit_temperature(logits: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> float:
    losses = [log_loss(softmax(logits, t), y, weight) for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


@dataclass
class Problem:
    """The design matrix of a labelled set and what may be fitted."""

    X: np.ndarray  # (N, L, P) in WEIGHT_KEYS order
    y: np.ndarray  # (N,) label index
    in_scope: np.ndarray  # (L,) bool
    weight: np.ndarray | None = None  # (N,) how much each row counts (synthetic rows count less); None: all 1

    def __post_init__(self) -> None:
        if self.weight is None:
            self.weight = np.ones(len(self.y))

    @classmethod
    def from_features(cls, F: Mapping[str, np.ndarray], y: np.ndarray, fallback: np.ndarray, in_scope: np.ndarray,
                      min_words: float) -> "Problem":
        return cls(design_matrix(F, fallback, min_words), np.asarray(y), np.asarray(in_scope, dtype=bool))

    def subset(self, idx: np.ndarray) -> "Problem":
        return Problem(self.X[idx], self.y[idx], self.in_scope, self.weight[idx])

    def __add__(self, other: "Problem") -> "Problem":
        return Problem(np.concatenate([self.X, other.X]), np.concatenate([self.y, other.y]), self.in_scope,
                       np.concatenate([self.weight, other.weight]))


def free_columns(problem: Problem, fixed: Sequence[str] = ()) -> np.ndarray:
    """The weights the data can say something about: not ``fixed``, and their column is not zero everywhere."""
    scale = problem.X.reshape(-1, problem.X.shape[-1]).std(0)
    return (scale > 1e-9) & np.array([key not in fixed for key in WEIGHT_KEYS])


def fit_weights(problem: Problem, l2: float, start: np.ndarray, fixed: Sequence[str] = ()) -> np.ndarray:
    """Penalised maximum likelihood; columns that are constant zero, and ``fixed`` keys, keep ``start``."""
    from scipy.optimize import minimize

    X, y = problem.X, problem.y
    w = problem.weight / problem.weight.sum()
    scale = X.reshape(-1, X.shape[-1]).std(0)
    free = free_columns(problem, fixed)
    if not free.any():
        return start.copy()
    scale = np.where(free, scale, 1.0)
    onehot = np.zeros(X.shape[:2])
    onehot[np.arange(len(y)), y] = 1.0
    base = X[..., ~free] @ start[~free]  # the fixed part of the logits
    Xf = X[..., free]
    sf = scale[free]

    def loss(theta):
        z = base + Xf @ theta
        z = z - z.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        value = -float((w * (onehot * logp).sum(1)).sum()) + l2 * float(((theta * sf) ** 2).sum())
        grad = np.einsum("nlp,nl->p", Xf, (np.exp(logp) - onehot) * w[:, None]) + 2 * l2 * theta * sf ** 2
        return value, grad

    bounds = [FREE_SIGN[key] for key, f in zip(WEIGHT_KEYS, free) if f]
    x0 = np.clip(start[free], [b[0] if b[0] is not None else -np.inf for b in bounds], None)
    res = minimize(loss, x0, jac=True, method="L-BFGS-B", bounds=bounds)
    out = start.copy()
    out[free] = res.x
    return out


def _folds(y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Stratified fold number per item."""
    rng = np.random.RandomState(seed)
    fold_of = np.zeros(len(y), dtype=int)
    for c in np.unique(y):
        ids = np.where(y == c)[0]
        rng.shuffle(ids)
        fold_of[ids] = np.arange(len(ids)) % folds
    return fold_of


def out_of_fold_logits(problem: Problem, l2: float, start: np.ndarray, fixed: Sequence[str] = (),
                       folds: int = INNER_FOLDS, seed: int = 0) -> np.ndarray:
    fold_of = _folds(problem.y, min(folds, max(2, np.bincount(problem.y).min())), seed)
    logits = np.zeros(problem.X.shape[:2])
    for k in np.unique(fold_of):
        tr, te = np.where(fold_of != k)[0], np.where(fold_of == k)[0]
        theta = fit_weights(problem.subset(tr), l2, start, fixed)
        logits[te] = problem.X[te] @ theta
    return logits


def fit_fusion(problem: Problem, base: Mapping[str, float], *, abstain: bool, fixed: Sequence[str] = (),
               l2_grid: Sequence[float] = L2_GRID) -> dict[str, float]:
    """Weights, temperature and (if ``abstain``) threshold fitted on ``problem``; returned as settings."""
    start = weight_vector(base)
    y = problem.y
    best = None
    for l2 in l2_grid:
        oof = out_of_fold_logits(problem, l2, start, fixed)
        t = fit_temperature(oof, y, problem.weight)
        loss = log_loss(softmax(oof, t), y, problem.weight)
        if best is None or loss < best[0] - 1e-9:
            best = (loss, l2, oof, t)
    _, l2, oof, t = best
    theta = fit_weights(problem, l2, start, fixed)
    # Only what the data could fit; the others keep their defaults (see runtime.fusion.weight_vector).
    free = free_columns(problem, fixed)
    settings = {key: round(float(v), 4) for key, v, f in zip(WEIGHT_KEYS, theta, free) if f}
    settings["temperature"] = round(t, 4)
    settings["l2"] = l2
    if abstain:
        settings["threshold"] = round(fit_threshold(softmax(oof, t), y, problem.in_scope, problem.weight)[0], 4)
    return settings


def _probabilities(problem: Problem, settings: Mapping[str, float]) -> np.ndarray:
    return softmax(problem.X @ weight_vector(settings), float(settings["temperature"]))


def routes(problem: Problem, settings: Mapping[str, float]) -> np.ndarray:
    """``route`` of every row of ``problem`` under ``settings`` (weights, temperature, abstain threshold)."""
    return route(_probabilities(problem, settings), problem.in_scope, float(settings["threshold"]))


def score(problem: Problem, settings: Mapping[str, float], abstain: bool) -> dict[str, float]:
    if abstain:
        acc, mis, cov = routing_metrics(routes(problem, settings), problem.y, problem.in_scope)
        return {"accuracy": acc, "misroute_rate": mis, "coverage": cov}
    return {"accuracy": float((_probabilities(problem, settings).argmax(1) == problem.y).mean())}


def cross_validate(problem: Problem, base: Mapping[str, float], *, abstain: bool, fixed: Sequence[str] = (),
                   folds: int = 5, seeds: Sequence[int] = (0, 1)) -> dict[str, float]:
    """Nested estimate: the whole of ``fit_fusion`` re-run on the training folds, scored on the held-out one."""
    results = []
    for seed in seeds:
        fold_of = _folds(problem.y, folds, seed + 100)
        for k in range(folds):
            tr, te = np.where(fold_of != k)[0], np.where(fold_of == k)[0]
            fitted = fit_fusion(problem.subset(tr), base, abstain=abstain, fixed=fixed)
            results.append((len(te), score(problem.subset(te), {**base, **fitted}, abstain)))
    total = sum(n for n, _ in results)
    return {key: round(sum(n * m[key] for n, m in results) / total, 4) for key in results[0][1]}


__all__ = ["Problem", "fit_fusion", "fit_weights", "fit_threshold", "fit_temperature", "cross_validate", "score",
           "route", "routes", "routing_objective", "MISROUTE_PENALTY"]
