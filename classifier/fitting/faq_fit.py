"""Fit the FAQ retrieval weights, the needs-human model and the auto-answer thresholds on a labelled set.

    python -m classifier faq-fit DIR [--write] [--folds 5] [--seeds 3]

DIR holds ``texts.csv`` (``text,topic,needs_human,lang,faq_id``) and ``faq.yaml``.  Prints cross-validated
metrics (2-fold "fit on half, test on the other half" and k-fold; messages are split, the FAQ is shared)
and the in-sample fit; ``--write`` stores the all-data fit in ``faq/data/thresholds.yaml``. Several DIRs: the
pooled fit of several schools (classifier/fitting/faq_pool.py).

Everything fitted is a handful of global numbers (4 fusion weights, ~20 logistic weights, 3 thresholds):
nothing is keyed to an FAQ id or a message.
"""
from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import yaml

from ..faq.calibration import calibrate_faq, calibration_reference
from ..faq.decision import topic_name
from ..faq.encoder import faq_encoder
from ..faq.index import FaqHit, FaqIndex, lead_over_others
from ..faq.lexical import tokens
from ..faq.needs_human import FEATURES, feature_vector, score_features
from ..faq.params import OFFTOPIC, THRESHOLDS_FILE, fused_score, load_params
from ..faq.rerank import FEATURES as RERANK_FEATURES, answer_overlaps
from ..runtime.encoders import SentenceEncoder
from .datasets import read_csv, school_faq
from .evaluate import school_topic_classifier
from .faq_rerank_fit import fit_rerank, reranked_order
from .metrics import f1_score, faq_metrics

W_GRID = {
    "w_da": [0.0, 0.2, 0.3, 0.4, 0.5],
    "w_bm": [0.0, 0.1, 0.2, 0.3, 0.4],
    "w_cg": [0.0, 0.1, 0.2, 0.3, 0.4],
}
# The auto-answer rule keeps a one-sided 95 % Wilson lower bound of its safe-answer rate (right entry, no person
# needed) at the product's 0.95, on out-of-fold needs-human scores: with ~170 answers that is ~0.98 measured.
PRECISION_TARGET = 0.95
Z_PRECISION = 1.645
NH_AUTO_MAX = 0.0  # needs-human messages answered automatically, share of them (the worst outcome)
OOF_FOLDS = 5
SEGMENT_KEYS = ("segment_share", "segment_clauses")  # retrieval settings of FaqIndex's segment confidence
BOOTSTRAPS = 25


@dataclass(frozen=True)
class FittedDecision:
    """What the vectorised twin of ``answer_decision`` says about one message (what ``faq_metrics`` reads)."""

    auto_answer: bool
    entry_id: str | None
    needs_human: bool
    suggestions: list[FaqHit]


class Prepared:
    """Everything that does not depend on fitted parameters, computed once per dataset."""

    def __init__(self, dataset_dir: Path, encoder: SentenceEncoder | None = None, use_topics: bool = True,
                 encoders: dict[str, float] | None = None, segments: dict[str, Any] | None = None) -> None:
        self.entries = school_faq(dataset_dir)
        self.rows = read_csv(dataset_dir / "texts.csv")
        shipped = load_params()
        self.encoders = dict(encoders or shipped["retrieval"].get("encoders") or {"use": 1.0})
        # Segment scoring of the auto-answer confidence (FaqIndex): chosen by the figures in faq5.md, not fitted.
        if segments is None:
            segments = {k: shipped["retrieval"][k] for k in SEGMENT_KEYS if k in shipped["retrieval"]}
        self.segments = dict(segments) if float(segments.get("segment_share", 0)) > 0 else {}
        self.segment_share = float(self.segments.get("segment_share", 0.0))
        params = {**shipped, "retrieval": {**shipped["retrieval"], "segment_share": 0.0, **self.segments}}
        self.index = FaqIndex(self.entries, encoder=encoder or faq_encoder(self.encoders), params=params)
        self.encoder = self.index.encoder
        texts = [r["text"] for r in self.rows]
        self.texts = texts
        self.embs = self.index.encoder.encode(texts)
        feats = [self.index.features(t, e) for t, e in zip(texts, self.embs)]
        self.F = {k: np.array([f[k] for f in feats]) for k in ("dq", "da", "bm", "cg", "votes")}
        # what segment scoring adds to an entry's fused score for its confidence, per unit of w_dq
        self.confidence_gain = (self.segment_share * (np.array([f["dq_segments"] for f in feats]) - self.F["dq"])
                                if self.segment_share > 0 else np.zeros_like(self.F["dq"]))
        ids = [e.id for e in self.entries]
        self.gold = np.array([ids.index(r["faq_id"]) if r.get("faq_id") in ids else -1 for r in self.rows])
        self.nh = np.array([int(str(r["needs_human"]).strip() == "1") for r in self.rows])
        # the re-ranking's signals (classifier/faq/rerank.py): e5 cosines and answer overlaps, per message × entry
        rr = self.index.reranker
        e5 = rr.query_vectors(texts)  # ~20–40 ms a message (one core): 6–12 s for dev's 300
        emb5 = [rr.entry_embeddings(e) for e in self.entries]
        self.F5 = {"dq": np.stack([(q @ e5.T).max(0) if len(q) else np.zeros(len(texts)) for q, _ in emb5], 1),
                   "da": np.stack([(a @ e5.T).max(0) if len(a) else np.zeros(len(texts)) for _, a in emb5], 1)}
        msg_tokens = [set(tokens(t)) for t in texts]
        self.overlaps = np.array([[answer_overlaps(m, e) for e in self.entries] for m in msg_tokens])  # n × m × 2
        topics = school_topic_classifier(self.entries) if use_topics else None
        self.topics = [(topic_name(topics.classify(t)) if topics else None) for t in texts]
        self._nh_cache: dict[tuple, np.ndarray] = {}
        self.names, self.school = [dataset_dir.name], np.zeros(len(self.rows), int)  # one school (faq_pool: several)

    def nh_shift(self, w: dict[str, Any]):
        return None  # one school is its own calibration reference: no threshold shift (faq_pool.Pooled's is)

    def offtopic(self, X: np.ndarray) -> np.ndarray:
        return X[:, FEATURES.index("offtopic")] == 1

    def scores(self, w: dict[str, float]) -> np.ndarray:
        return fused_score(w, self.F["dq"], self.F["da"], self.F["bm"], self.F["cg"])

    def rerank_values(self, w: dict[str, Any], S: np.ndarray, top: np.ndarray) -> np.ndarray:
        """The re-ranking FEATURES (classifier/faq/rerank.py) of the entries ``top`` (messages × candidates)."""
        r = np.arange(len(S))[:, None]
        s5 = fused_score(w, self.F5["dq"], self.F5["da"], self.F["bm"], self.F["cg"])
        cols = {"score": S, "e5_score": s5, "answer_overlap": self.overlaps[..., 0],
                "answer_only_overlap": self.overlaps[..., 1]}
        return np.stack([cols[f][r, top] for f in RERANK_FEATURES], -1)

    def hits(self, i: int, S: np.ndarray, k: int = 3, order: np.ndarray | None = None) -> list[FaqHit]:
        order = (np.argsort(-S[i], kind="stable") if order is None else order)[:k]
        return [FaqHit(self.entries[j].id, float(S[i, j]), self.entries[j],
                       {n: float(self.F[n][i, j]) for n in self.F} | {"score": float(S[i, j])}) for j in order]


    def nh_features(self, w: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, list[list[FaqHit]]]:
        w = {k: float(v) for k, v in w.items() if k.startswith("w_")}
        S = self.scores(w)
        hits = [self.hits(i, S) for i in range(len(self.rows))]
        key = tuple(sorted(w.items()))
        if key not in self._nh_cache:
            X = []
            for i, t in enumerate(self.texts):
                f, _ = feature_vector(t, hits=hits[i], topic=self.topics[i], encoder=self.encoder,
                                      query_emb=self.embs[i])
                X.append([f[n] for n in FEATURES])
            self._nh_cache[key] = np.array(X)
        return self._nh_cache[key], S, hits


def fit_retrieval(P: Prepared, idx: np.ndarray) -> dict[str, float]:
    m = idx[P.gold[idx] >= 0]
    best, best_w = -1.0, None
    for wa, wb, wc in itertools.product(W_GRID["w_da"], W_GRID["w_bm"], W_GRID["w_cg"]):
        w = {"w_dq": 1.0, "w_da": wa, "w_bm": wb, "w_cg": wc}
        S = P.scores(w)[m]
        r = np.argsort(-S, axis=1)[:, :3]
        g = P.gold[m]
        obj = (r[:, 0] == g).mean() + 0.5 * (r == g[:, None]).any(1).mean()
        if obj > best + 1e-9:
            best, best_w = obj, w
    return best_w


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1.0) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression (bias unregularised): scikit-learn's exact Newton solver."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0 / l2, solver="newton-cholesky", tol=1e-10, max_iter=100).fit(X, y)
    return model.coef_[0], float(model.intercept_[0])


def fit_needs_human(X: np.ndarray, y: np.ndarray, l2: float, shift=None, rows=None) -> dict[str, Any]:
    """``shift`` (``Prepared.nh_shift``): (model, ``rows``) -> (threshold -> each row's, moved by its school)."""
    live = X[:, FEATURES.index("offtopic")] == 0  # off-topic messages never reach the model
    w, b = fit_logistic(X[live], y[live], l2=l2)
    z = X @ w + b
    p = 1 / (1 + np.exp(-np.clip(z, -40, 40)))
    p[~live] = 0.0
    model = {"weights": {n: round(float(v), 4) for n, v in zip(FEATURES, w)}, "bias": round(b, 4)}
    return {**model, "threshold": best_f1_threshold(y, p, shift and shift(model, rows)), "faq_low": 0.5}


def best_f1_threshold(y: np.ndarray, p: np.ndarray, moved=None) -> float:
    """The needs-human threshold (grid step 0.025) with the best F1 of ``p`` against ``y``."""
    best_t, best_f = 0.5, -1.0
    for t in np.arange(0.2, 0.81, 0.025):
        f = f1_score(y, (p >= (moved(t) if moved else t)).astype(int))
        if f > best_f + 1e-9:
            best_f, best_t = f, float(t)
    return round(best_t, 3)


def nh_predict(X: np.ndarray, nhp: dict[str, Any], moved=None) -> tuple[np.ndarray, np.ndarray]:
    p = np.array([score_features(dict(zip(FEATURES, x)), {"needs_human": nhp}) for x in X])
    p[X[:, FEATURES.index("offtopic")] == 1] = 0.0
    return p >= (moved(nhp["threshold"]) if moved else nhp["threshold"]), p


def _auto_arrays(P: Prepared, S: np.ndarray):
    """Ranking, and the top entry's confidence, margin and votes (``answer_confidence``'s twin; w_dq is 1)."""
    r = np.arange(len(S))
    order = np.argsort(-S, axis=1, kind="stable")
    confidence = S + P.confidence_gain
    top = confidence[r, order[:, 0]]
    margin = lead_over_others(confidence)[r, order[:, 0]]
    votes = P.F["votes"][r, order[:, 0]]
    return order, top, margin, votes


def auto_mask(P: Prepared, S: np.ndarray, X: np.ndarray, nh_flag: np.ndarray, nh_prob: np.ndarray,
              aa: dict[str, float]) -> np.ndarray:
    """Vectorised twin of ``classifier.faq.decision.answer_decision``'s rule."""
    _, top, margin, votes = _auto_arrays(P, S)
    off = (np.array([t == OFFTOPIC for t in P.topics]) & ~nh_flag) | P.offtopic(X)
    return (~off & ~nh_flag & (nh_prob <= aa.get("max_needs_human_score", 1.0)) & (top >= aa["min_score"])
            & (margin >= aa["min_margin"]) & (votes >= aa.get("min_votes", 0)))


def oof_needs_human(P: Prepared, idx: np.ndarray, X: np.ndarray, l2: float, folds: int = OOF_FOLDS,
                    seed: int = 0, shift=None) -> tuple[np.ndarray, np.ndarray]:
    """Needs-human flag and probability of every message of ``idx``, each from a model fitted without it.

    The auto-answer rule is chosen on these: in-sample probabilities of a model with ~20 weights fitted on the
    same messages are too sure (a needs-human message scores high because it was fitted), so a rule fitted on
    them lets more needs-human messages through on new ones."""
    flag, prob = np.zeros(len(P.rows), bool), np.zeros(len(P.rows))
    rng = np.random.default_rng(seed)
    fold_of = np.zeros(len(P.rows), int)
    for s, label in itertools.product(np.unique(P.school[idx]), (0, 1)):  # stratified by school, needs-human label
        members = rng.permutation(idx[(P.nh[idx] == label) & (P.school[idx] == s)])
        fold_of[members] = np.arange(len(members)) % folds
    for k in range(folds):
        test = idx[fold_of[idx] == k]
        train = idx[fold_of[idx] != k]
        model = fit_needs_human(X[train], P.nh[train], l2, shift, train)
        f, p = nh_predict(X[test], model, shift and shift(model, test))
        flag[test], prob[test] = f, p
    return flag, prob


def precision_bound(right: np.ndarray, answered: np.ndarray) -> np.ndarray:
    """One-sided Wilson lower bound (z = Z_PRECISION) of right/answered, elementwise; 0 where nothing answered."""
    n = np.maximum(answered, 1)
    p = right / n
    z2 = Z_PRECISION ** 2
    centre = p + z2 / (2 * n)
    spread = Z_PRECISION * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return np.where(answered > 0, (centre - spread) / (1 + z2 / n), 0.0)


def _lowest_min_score(top: np.ndarray, safe: np.ndarray, nh: np.ndarray, n_nh: int, cands: np.ndarray
                      ) -> tuple[int, np.ndarray]:
    """Per candidate threshold (ascending): answered count, and whether the rule holds there (bound and
    needs-human share); vectorised over the candidates."""
    above = top[None, :] >= cands[:, None]
    answered = above.sum(1)
    ok = (precision_bound((above & safe[None, :]).sum(1), answered) >= PRECISION_TARGET) \
        & ((above & nh[None, :]).sum(1) <= NH_AUTO_MAX * n_nh)
    return answered, ok


def fit_auto_answer(P: Prepared, idx: np.ndarray, S: np.ndarray, X: np.ndarray, nh_flag: np.ndarray,
                    nh_prob: np.ndarray, seed: int = 0) -> dict[str, float]:
    """The auto-answer rule: the most coverage whose *safe* answers (right entry, no person needed) keep a
    Wilson lower bound >= PRECISION_TARGET and at most NH_AUTO_MAX of the needs-human messages answered, over a
    grid of (min_votes, max_needs_human_score, min_margin, min_score); ``nh_flag``/``nh_prob`` should be
    out-of-fold. ``min_score`` is then the median, over BOOTSTRAPS resamples of the messages, of the lowest
    threshold keeping that rule: one message near the threshold no longer moves it by a whole grid step."""
    order, top, margin, votes = _auto_arrays(P, S)
    safe = (order[:, 0] == P.gold) & (P.nh == 0)
    cov_base = (P.gold >= 0) & (P.nh == 0)
    n_nh = max(1, int(P.nh[idx].sum()))
    cands = np.unique(np.round(top[idx], 4))
    best = None
    for v in (1, 2, 3):
        for mp in (1.0, 0.3, 0.2, 0.15, 0.1):
            base = {"min_votes": v, "max_needs_human_score": mp, "min_score": 0.0, "min_margin": 0.0}
            ok = auto_mask(P, S, X, nh_flag, nh_prob, base)
            for m in np.arange(0.0, 0.201, 0.02):
                sel = idx[ok[idx] & (margin[idx] >= m)]
                if len(sel) == 0:
                    continue
                answered, good = _lowest_min_score(top[sel], safe[sel], P.nh[sel] == 1, n_nh, cands)
                if not good.any():
                    continue
                s = cands[int(np.argmax(good))]  # the lowest threshold that holds: most coverage
                cov = float((cov_base[sel] & (top[sel] >= s)).sum()) / max(1, int(cov_base[idx].sum()))
                key = (round(cov, 6), v, -mp, m, s)  # most coverage; ties → the stricter rule
                if best is None or key > best[0]:
                    best = (key, {"min_votes": v, "max_needs_human_score": mp, "min_margin": round(float(m), 3)}, sel)
    if best is None:
        return {"min_score": 99.0, "min_margin": 1.0, "min_votes": 4, "max_needs_human_score": 0.0}
    _, rule, sel = best
    rng = np.random.default_rng(seed)
    lows = []
    for _ in range(BOOTSTRAPS):
        boot = rng.choice(idx, size=len(idx), replace=True)
        sel_b = boot[np.isin(boot, sel)]
        n_nh_b = max(1, int(P.nh[boot].sum()))
        _, good = _lowest_min_score(top[sel_b], safe[sel_b], P.nh[sel_b] == 1, n_nh_b, cands)
        lows.append(cands[int(np.argmax(good))] if good.any() else cands[-1] + 1e-4)
    return {"min_score": math.floor(float(np.median(lows)) * 1e4) / 1e4, **rule}


def fit_all(P: Prepared, idx: np.ndarray, l2: float) -> dict[str, Any]:
    w = fit_retrieval(P, idx)
    X, S, _ = P.nh_features(w)
    shift = P.nh_shift(w)
    nhp = fit_needs_human(X[idx], P.nh[idx], l2, shift, idx)
    flag, prob = oof_needs_human(P, idx, X, l2, shift=shift)
    aa = fit_auto_answer(P, idx, S, X, flag, prob)
    return {"retrieval": {**w, "encoders": P.encoders, **P.segments, "rerank": fit_rerank(P, idx, w, S, l2)},
            "needs_human": nhp, "auto_answer": aa}


def predict(P: Prepared, params: dict[str, Any], idx: np.ndarray) -> list[FittedDecision]:
    X, S, _ = P.nh_features(params["retrieval"])
    shift = P.nh_shift(params["retrieval"])
    flag, prob = nh_predict(X, params["needs_human"], shift and shift(params["needs_human"], np.arange(len(X))))
    auto = auto_mask(P, S, X, flag, prob, params["auto_answer"])
    order = reranked_order(P, params["retrieval"], S)
    auto &= order[:, 0] == np.argmax(S, axis=1)  # answered only when the re-ranking keeps the first entry
    return [FittedDecision(bool(auto[i]), P.hits(i, S, k=1, order=order[i])[0].entry_id, bool(flag[i]),
                           P.hits(i, S, order=order[i])) for i in idx]


def cv_decisions(P: Prepared, folds: int, seed: int, l2: float, fit=fit_all) -> list[FittedDecision]:
    """Every message's decision by the fit (``fit(P, train, l2)``, default ``fit_all``) on the folds without it."""
    n = len(P.rows)
    rng = np.random.default_rng(seed)
    # stratify by school, topic and needs_human so every fold sees every kind of message (of every school)
    strata: dict[tuple, list[int]] = {}
    for i, r in enumerate(P.rows):
        strata.setdefault((P.school[i], r.get("topic"), P.nh[i]), []).append(i)
    fold_of = np.zeros(n, int)
    for members in strata.values():
        members = list(rng.permutation(members))
        start = int(rng.integers(folds))
        for k, i in enumerate(members):
            fold_of[i] = (start + k) % folds
    decisions: list[FittedDecision | None] = [None] * n
    for k in range(folds):
        train, test = np.where(fold_of != k)[0], np.where(fold_of == k)[0]
        params = fit(P, train, l2)
        for i, d in zip(test, predict(P, params, test)):
            decisions[i] = d
    return decisions


def cross_validate(P: Prepared, folds: int, seeds: Sequence[int], l2: float) -> dict[str, Any]:
    return summarise([faq_metrics(P.rows, cv_decisions(P, folds, seed, l2)) for seed in seeds])


def summarise(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mean and minimum over the seeds of ``faq_metrics`` reports."""
    keys_top = ["needs_human_f1"]
    keys_faq = ["top1", "top3", "auto_answer_precision", "auto_answer_coverage", "auto_answered_needs_human"]
    mean = {k: round(float(np.mean([r[k] for r in results])), 4) for k in keys_top}
    mean["faq"] = {k: round(float(np.mean([r["faq"][k] for r in results])), 4) for k in keys_faq}
    mean["faq_min"] = {k: round(float(np.min([r["faq"][k] for r in results])), 4) for k in keys_faq}
    mean["needs_human_f1_min"] = round(float(np.min([r["needs_human_f1"] for r in results])), 4)
    return mean


def write_params(params: dict[str, Any], dataset_dir: Path | str, cv: dict[str, Any],
                 reference: dict[str, float] | None = None) -> Path:
    old = load_params()
    out = {
        "offtopic_fallback": old.get("offtopic_fallback", {"margin": 0.0, "min_domain_sim": 0.3}),
        "retrieval": {**params["retrieval"], "bm25_answer_weight": old["retrieval"].get("bm25_answer_weight", 0.3)},
        "auto_answer": params["auto_answer"],
        "needs_human": params["needs_human"],
    }
    if reference:
        out["calibration_reference"] = reference
    header = (
        "# Fitted by `python -m classifier faq-fit %s --write` (classifier/fitting/faq_fit.py):\n"
        "#  retrieval   -- grid search of fusion weights maximising top1 + 0.5*top3 (w_dq fixed at 1); encoders:\n"
        "#                 the sentence-encoder blend of the dense signals (classifier/faq/encoder.py), chosen by\n"
        "#                 the figures in docs/experiments, not fitted here; segment_share / segment_clauses: the\n"
        "#                 auto-answer confidence's per-sentence scoring (classifier/faq/index.py), chosen by the\n"
        "#                 figures in docs/experiments/faq5.md (`faq-fit --segments`), not fitted here;\n"
        "#                 rerank: weights of the top-3 re-ranking (classifier/faq/rerank.py), L2 logistic regression\n"
        "#                 on (right entry - other top-3 entry) feature differences; ranking only (rank5.md);\n"
        "#  needs_human -- L2 logistic regression (Newton) over the named generic features of\n"
        "#                 classifier/faq/needs_human.py; threshold maximises F1 on the fitting data;\n"
        "#  auto_answer -- largest coverage whose safe answers keep a one-sided Wilson bound (z=%.3f) >= %.2f and\n"
        "#                 <= %.0f%% needs-human answered, on out-of-fold (%d-fold) needs-human scores (max over a\n"
        "#                 grid of min_votes, max_needs_human_score, min_margin); min_score = median over %d\n"
        "#                 bootstrap resamples of the lowest threshold keeping that rule.\n"
        "#  offtopic_fallback -- set by hand, kept across refits: a message is chit-chat when it is at least as\n"
        "#                 close to the off-topic prototypes of needs_human.yaml as to anything school-related,\n"
        "#                 or closer than min_domain_sim to nothing; strong needs-human cues override it.\n"
        "#  calibration_reference -- this school's own FAQ calibration (classifier/faq/calibration.py) under\n"
        "#                 these numbers: another school's needs-human threshold moves by its difference to it.\n"
        "# Global numbers only, nothing per FAQ entry or message. Cross-validated on that set: %s\n"
        % (getattr(dataset_dir, "name", dataset_dir), Z_PRECISION, PRECISION_TARGET, NH_AUTO_MAX * 100, OOF_FOLDS, BOOTSTRAPS,
           json.dumps(cv, ensure_ascii=False))
    )
    path = THRESHOLDS_FILE
    path.write_text(header + yaml.safe_dump(out, sort_keys=False, allow_unicode=True), encoding="utf-8")
    load_params.cache_clear()
    return path


def write_reference(dataset_dir: Path, encoder: SentenceEncoder | None = None) -> dict[str, Any]:
    """Store ``dataset_dir``'s own FAQ calibration under the shipped numbers as ``calibration_reference`` (the rest
    of ``thresholds.yaml`` is kept as it is, comments included): the point other schools are calibrated against."""
    params = load_params()
    entries = school_faq(dataset_dir)
    reference = calibration_reference(calibrate_faq(entries, encoder, params))
    text = THRESHOLDS_FILE.read_text(encoding="utf-8")
    body = {k: v for k, v in yaml.safe_load(text).items() if k != "calibration_reference"}
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    note = ("#  calibration_reference -- %s's own FAQ calibration (classifier/faq/calibration.py) under these\n"
            "#                 numbers, by `python -m classifier faq-fit %s --write-reference`: another school's\n"
            "#                 needs-human threshold moves by its difference to it.\n" % (dataset_dir.name, dataset_dir.name))
    header = "".join(l for l in header.splitlines(keepends=True) if "calibration_reference" not in l
                     and "needs-human threshold moves by" not in l and "numbers, by `python -m classifier" not in l)
    THRESHOLDS_FILE.write_text(header + note + yaml.safe_dump({**body, "calibration_reference": reference},
                                                                sort_keys=False, allow_unicode=True), encoding="utf-8")
    load_params.cache_clear()
    return {"calibration_reference": reference, "written": str(THRESHOLDS_FILE)}


def faq_fit(dataset_dir: Path, *, folds: int = 5, seeds: int = 3, l2: float = 1.0, use_topics: bool = True,
            write: bool = False, encoders: dict[str, float] | None = None,
            segments: dict[str, Any] | None = None) -> dict[str, Any]:
    """Cross-validated (2-fold and ``folds``-fold) and in-sample figures of the fit; ``write`` stores the fit.
    ``encoders``: the encoder blend of the dense signals; ``segments``: ``segment_share`` (0 = off) and
    ``segment_clauses`` of the auto-answer confidence (default for both: the shipped ones)."""
    P = Prepared(dataset_dir, use_topics=use_topics, encoders=encoders, segments=segments)
    seed_list = list(range(seeds))
    cv2 = cross_validate(P, 2, seed_list, l2)
    cvk = cross_validate(P, folds, seed_list, l2)
    all_idx = np.arange(len(P.rows))
    params = fit_all(P, all_idx, l2)
    insample = faq_metrics(P.rows, predict(P, params, all_idx))
    report = {"cv_2fold": cv2, f"cv_{folds}fold": cvk, "in_sample": insample, "params": params,
              "topic_classifier": any(t is not None for t in P.topics)}
    if write:
        full = {**load_params(), **params}
        reference = calibration_reference(calibrate_faq(P.entries, P.encoder, full))
        report["calibration_reference"] = reference
        report["written"] = str(write_params(params, dataset_dir, {"2fold": cv2, f"{folds}fold": cvk}, reference))
    return report


__all__ = ["faq_fit", "write_reference", "fit_all", "cross_validate", "cv_decisions", "summarise", "write_params",
           "Prepared", "FittedDecision"]
