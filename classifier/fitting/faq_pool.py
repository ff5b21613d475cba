"""``faq-fit`` on several schools at once: the pooled fit and the leave-one-school-out report.

    python -m classifier faq-fit DIR DIR [DIR ...] [--write] [--folds 5] [--seeds 3] [--loso]

Each school's messages are scored against its own FAQ: its index, its e5 re-ranking signals, its topic classifier
and its own self-calibration (the needs-human threshold moved by its FAQ's held-out questions, as ``evaluate``
treats that school); the retrieval weights, the needs-human model, the re-ranking and the auto-answer rule are
then fitted on all the rows together by the one-school code (classifier/fitting/faq_fit.py), which reads a
``Pooled`` as it reads one school's ``Prepared``. Cross-validation folds split within each school; figures are
given per school and pooled.

``calibration_reference`` is the first DIR's own FAQ calibration under the fitted numbers: the school the others
are calibrated against, as any new school is at deployment (its own shift is 0, so with one DIR nothing changes).

``--needs-human-also DIR [DIR ...]`` (``faq_fit_nh_also``): only the needs-human model is pooled; the retrieval
weights, the re-ranking and the auto-answer rule are fitted on the first DIR's rows as with one DIR.

``--loso``: for each DIR, fit on all the others (reference: the first of them) and measure it with ``evaluate``'s
FAQ figures (``evaluate_faq``: its own index, topic classifier and calibration); nothing is written.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..faq.calibration import MAX_SHIFT, MIN_QUERIES, REFERENCE_QUANTILE, calibrate_faq, calibration_reference, \
    held_out_queries
from ..faq.index import FaqHit
from ..faq.needs_human import feature_vector, score_features
from ..faq.params import load_params
from .datasets import school_faq
from .evaluate import evaluate_faq, school_topic_classifier
from .faq_fit import Prepared, cv_decisions, fit_all, fit_auto_answer, fit_needs_human, fit_retrieval, \
    oof_needs_human, predict, summarise, write_params
from .faq_rerank_fit import fit_rerank
from .metrics import faq_metrics

PAD = -10.0  # the score of the entries another school has and this one lacks (padding): never retrieved


def deployed_retrieval(P: Prepared, w: dict[str, Any]) -> dict[str, Any]:
    """The params a desk runs with under the fusion weights ``w`` (``write_params``'s retrieval): what a school's
    calibration reads (its held-out questions' hits and needs-human features; not the re-ranking or the rule)."""
    shipped = load_params()
    retrieval = {**{k: float(v) for k, v in w.items() if k.startswith("w_")}, "encoders": P.encoders, **P.segments,
                 "bm25_answer_weight": shipped["retrieval"].get("bm25_answer_weight", 0.3)}
    return {**shipped, "retrieval": retrieval}


class Pooled(Prepared):
    """Several schools' ``Prepared`` as one set of rows. Every row keeps its own school's FAQ (entry columns padded
    with ``PAD`` up to the largest FAQ), topics and self-calibration (``nh_shift``)."""

    def __init__(self, parts: Sequence[Prepared]) -> None:  # not Prepared.__init__: the parts are prepared
        self.parts = list(parts)
        first = self.parts[0]
        if any(p.encoders != first.encoders or p.segments != first.segments for p in self.parts):
            raise ValueError("the schools of a pooled fit must be prepared with the same encoders and segments")
        self.encoders, self.segments, self.segment_share = first.encoders, first.segments, first.segment_share
        self.encoder, self.index = first.encoder, first.index
        self.names = [n for p in self.parts for n in p.names]
        self.rows = [r for p in self.parts for r in p.rows]
        self.texts = [t for p in self.parts for t in p.texts]
        self.topics = [t for p in self.parts for t in p.topics]
        self.embs = np.concatenate([p.embs for p in self.parts])
        width = max(len(p.entries) for p in self.parts)

        def pad(a: np.ndarray, value: float) -> np.ndarray:
            return np.pad(a, [(0, 0), (0, width - a.shape[1])] + [(0, 0)] * (a.ndim - 2), constant_values=value)

        self.F = {k: np.concatenate([pad(p.F[k], 0.0 if k == "votes" else PAD) for p in self.parts]) for k in first.F}
        self.F5 = {k: np.concatenate([pad(p.F5[k], PAD) for p in self.parts]) for k in first.F5}
        self.overlaps = np.concatenate([pad(p.overlaps, 0.0) for p in self.parts])
        self.confidence_gain = np.concatenate([pad(p.confidence_gain, 0.0) for p in self.parts])
        self.gold = np.concatenate([p.gold for p in self.parts])
        self.nh = np.concatenate([p.nh for p in self.parts])
        self.school = np.concatenate([np.full(len(p.rows), s) for s, p in enumerate(self.parts)])
        self._nh_cache: dict[tuple, np.ndarray] = {}
        self._held_out: dict[tuple, list[dict[str, float] | None] | None] = {}

    def hits(self, i: int, S: np.ndarray, k: int = 3, order: np.ndarray | None = None) -> list[FaqHit]:
        entries = self.parts[self.school[i]].entries
        order = np.argsort(-S[i], kind="stable") if order is None else order
        order = [j for j in order if j < len(entries)][:k]
        return [FaqHit(entries[j].id, float(S[i, j]), entries[j],
                       {n: float(self.F[n][i, j]) for n in self.F} | {"score": float(S[i, j])}) for j in order]

    def held_out_features(self, s: int, w: dict[str, Any]) -> list[dict[str, float] | None] | None:
        """School ``s``'s covered held-out FAQ questions' needs-human features under the fusion weights ``w``, as
        ``calibrate_faq`` computes them (cached per weights: ~10 s a school); None when it would not be fitted."""
        w = {k: float(v) for k, v in w.items() if k.startswith("w_")}
        key = (s, tuple(sorted(w.items())))
        if key not in self._held_out:
            part, params = self.parts[s], deployed_retrieval(self, w)
            queries = held_out_queries(part.entries, part.encoder, params)
            covered = [q for q in queries if q.covered]
            if len(covered) < MIN_QUERIES or len(queries) - len(covered) < MIN_QUERIES:
                self._held_out[key] = None
            else:
                self._held_out[key] = [feature_vector(q.question, hits=list(q.hits), encoder=part.encoder,
                                                      params=params)[0] if q.question.strip() else None
                                       for q in covered]
        return self._held_out[key]

    def nh_quantile(self, s: int, w: dict[str, Any], nhp: dict[str, Any]) -> float | None:
        """``FaqCalibration.nh_quantile_score`` of school ``s`` under ``w`` and the needs-human model ``nhp``."""
        feats = self.held_out_features(s, w)
        if feats is None:
            return None
        scores = [0.0 if f is None or f["offtopic"] else score_features(f, {"needs_human": nhp}) for f in feats]
        return round(float(np.quantile(scores, REFERENCE_QUANTILE)), 4)

    def nh_shift(self, w: dict[str, Any]) -> Callable:
        """(needs-human model, rows) -> (threshold -> each row's threshold after its school's self-calibration
        against the first school's, ``FaqCalibration.needs_human_threshold``)."""
        def shift(nhp: dict[str, Any], rows: np.ndarray) -> Callable[[float], np.ndarray]:
            q = [self.nh_quantile(s, w, nhp) for s in range(len(self.parts))]
            d = np.array([0.0 if qs is None or q[0] is None or s == 0 else qs - q[0] for s, qs in enumerate(q)])
            return lambda t: moved_threshold(t, d[self.school[rows]])
        return shift


def moved_threshold(t: float, d: np.ndarray) -> np.ndarray:
    """The needs-human threshold ``t`` moved by the calibration differences ``d``, clipped and rounded as
    ``FaqCalibration.needs_human_threshold`` and ``apply`` do."""
    return np.round(np.minimum(np.maximum(t + d, t - MAX_SHIFT), t + MAX_SHIFT), 4)


def pooled(parts: Sequence[Prepared]) -> Prepared:
    """One school as it is; several as one ``Pooled``."""
    return parts[0] if len(parts) == 1 else Pooled(parts)


def deployed_params(parts: Sequence[Prepared], params: dict[str, Any]) -> dict[str, Any]:
    """What ``--write`` of the fit ``params`` makes a desk run with: the shipped file's other keys, the fit, and
    ``calibration_reference`` = the first school's own FAQ calibration under these numbers."""
    old = load_params()
    full = {**old, **params,
            "retrieval": {**params["retrieval"], "bm25_answer_weight": old["retrieval"].get("bm25_answer_weight", 0.3)}}
    full.pop("calibration_reference", None)
    reference = calibration_reference(calibrate_faq(parts[0].entries, parts[0].encoder, full))
    return {**full, "calibration_reference": reference}


def leave_one_school_out(parts: Sequence[Prepared], dirs: Sequence[Path], l2: float) -> dict[str, Any]:
    """Per school: fit on all the others, measure it as ``evaluate`` does (``evaluate_faq``)."""
    out = {}
    for k, d in enumerate(dirs):
        train = [p for j, p in enumerate(parts) if j != k]
        T = pooled(train)
        params = fit_all(T, np.arange(len(T.rows)), l2)
        full = deployed_params(train, params)
        entries = school_faq(d)
        report = evaluate_faq(str(d), entries, topic_fn=school_topic_classifier(entries).classify, params=full)
        out[d.name] = {"fitted_on": T.names, "needs_human_f1": report["needs_human_f1"], "faq": report["faq"],
                       "needs_human": params["needs_human"], "auto_answer": params["auto_answer"],
                       "calibration_reference": full["calibration_reference"]}
    return out


def per_school(P: Prepared, decisions: Sequence) -> dict[str, dict[str, Any]]:
    """``faq_metrics`` of each school's rows."""
    return {name: faq_metrics([P.rows[i] for i in np.where(P.school == s)[0]],
                              [decisions[i] for i in np.where(P.school == s)[0]]) for s, name in enumerate(P.names)}


def cross_validate_schools(P: Prepared, folds: int, seeds: Sequence[int], l2: float) -> dict[str, Any]:
    """``faq_fit.cross_validate``'s figures pooled, and per school (``per_school``), from the same folds."""
    runs = [cv_decisions(P, folds, seed, l2) for seed in seeds]
    out = summarise([faq_metrics(P.rows, d) for d in runs])
    by_school = [per_school(P, d) for d in runs]
    out["per_school"] = {name: summarise([r[name] for r in by_school]) for name in P.names}
    return out


def faq_fit_schools(dirs: Sequence[Path], *, folds: int = 5, seeds: int = 3, l2: float = 1.0,
                    use_topics: bool = True, write: bool = False, encoders: dict[str, float] | None = None,
                    segments: dict[str, Any] | None = None, loso: bool = False) -> dict[str, Any]:
    """``faq_fit`` on several folders: cross-validated and in-sample figures, pooled and per school; ``write`` stores
    the pooled fit with the first folder's calibration as the reference; ``loso``: only that report."""
    dirs = [Path(d) for d in dirs]
    parts = [Prepared(d, use_topics=use_topics, encoders=encoders, segments=segments) for d in dirs]
    if loso:
        return {"loso": leave_one_school_out(parts, dirs, l2)}
    P = pooled(parts)
    seed_list = list(range(seeds))
    cv2 = cross_validate_schools(P, 2, seed_list, l2)
    cvk = cross_validate_schools(P, folds, seed_list, l2)
    all_idx = np.arange(len(P.rows))
    params = fit_all(P, all_idx, l2)
    decisions = predict(P, params, all_idx)
    report = {"schools": P.names, "cv_2fold": cv2, f"cv_{folds}fold": cvk,
              "in_sample": {**faq_metrics(P.rows, decisions), "per_school": per_school(P, decisions)},
              "params": params, "topic_classifier": any(t is not None for t in P.topics)}
    if write:
        full = {**load_params(), **params}  # as faq_fit: the first folder's own calibration is the reference
        reference = calibration_reference(calibrate_faq(parts[0].entries, parts[0].encoder, full))
        report["calibration_reference"] = reference
        report["written"] = str(write_params(params, " ".join(P.names), {"2fold": cv2, f"{folds}fold": cvk},
                                             reference))
    return report


def fit_nh_also(T: "Pooled", idx: np.ndarray, l2: float) -> dict[str, Any]:
    """``fit_all`` with only the needs-human model pooled: ``idx`` are training rows of ``T``'s first school; the
    needs-human model (threshold: best F1 with each school's shift) is fitted on them plus every row of the other
    schools, the retrieval weights, the re-ranking and the auto-answer rule (on the pooled out-of-fold needs-human
    scores of the first school's rows) on ``idx`` only."""
    first = T.parts[0]
    pool = np.concatenate([idx, np.where(T.school != 0)[0]])
    w = fit_retrieval(first, idx)
    X, _, _ = T.nh_features(w)
    shift = T.nh_shift(w)
    nhp = fit_needs_human(X[pool], T.nh[pool], l2, shift, pool)
    flag, prob = oof_needs_human(T, pool, X, l2, shift=shift)
    n0 = len(first.rows)  # the first school's rows come first in T: its own arrays, unpadded
    X0, S0, _ = first.nh_features(w)
    aa = fit_auto_answer(first, idx, S0, X0, flag[:n0], prob[:n0])
    return {"retrieval": {**w, "encoders": first.encoders, **first.segments, "rerank": fit_rerank(first, idx, w, S0, l2)},
            "needs_human": nhp, "auto_answer": aa}


def cv_decisions_nh_also(T: "Pooled", folds: int, seed: int, l2: float) -> list:
    """The first school's decisions by the folds of ``faq_fit.cv_decisions`` on it (the same draws), each fold's
    needs-human model also trained on every row of the other schools."""
    return cv_decisions(T.parts[0], folds, seed, l2, fit=lambda _first, train, _l2: fit_nh_also(T, train, _l2))


def faq_fit_nh_also(first_dir: Path, extra_dirs: Sequence[Path], *, folds: int = 5, seeds: int = 3, l2: float = 1.0,
                    use_topics: bool = True, write: bool = False, encoders: dict[str, float] | None = None,
                    segments: dict[str, Any] | None = None, encoder=None) -> dict[str, Any]:
    """``faq_fit`` of ``first_dir`` with its needs-human model also fitted on ``extra_dirs``' rows (``fit_nh_also``):
    the first folder's cross-validated and in-sample figures; ``write`` stores the all-data fit."""
    dirs = [Path(first_dir)] + [Path(d) for d in extra_dirs]
    parts = [Prepared(d, encoder, use_topics=use_topics, encoders=encoders, segments=segments) for d in dirs]
    T, first = Pooled(parts), parts[0]
    seed_list = list(range(seeds))
    cv2 = summarise([faq_metrics(first.rows, cv_decisions_nh_also(T, 2, s, l2)) for s in seed_list])
    cvk = summarise([faq_metrics(first.rows, cv_decisions_nh_also(T, folds, s, l2)) for s in seed_list])
    all_idx = np.arange(len(first.rows))
    params = fit_nh_also(T, all_idx, l2)
    report = {"schools": T.names, "needs_human_also": T.names[1:], "cv_2fold": cv2, f"cv_{folds}fold": cvk,
              "in_sample": faq_metrics(first.rows, predict(first, params, all_idx)), "params": params,
              "topic_classifier": any(t is not None for t in first.topics)}
    if write:
        full = {**load_params(), **params}
        reference = calibration_reference(calibrate_faq(first.entries, first.encoder, full))
        report["calibration_reference"] = reference
        command = "%s --needs-human-also %s" % (dirs[0].name, " ".join(d.name for d in dirs[1:]))
        path = write_params(params, command, {"2fold": cv2, f"{folds}fold": cvk}, reference)
        text = path.read_text(encoding="utf-8").replace(
            "#  auto_answer --", "#                 (this fit: the needs-human model on %s's rows plus all rows of %s,\n"
            "#                 each scored against its own FAQ and self-calibration; the rest on %s's rows only)\n"
            "#  auto_answer --" % (dirs[0].name, ", ".join(d.name for d in dirs[1:]), dirs[0].name), 1)
        path.write_text(text, encoding="utf-8")
        report["written"] = str(path)
    return report


__all__ = ["Pooled", "pooled", "deployed_params", "leave_one_school_out", "cross_validate_schools",
           "faq_fit_schools", "moved_threshold", "PAD", "fit_nh_also", "cv_decisions_nh_also", "faq_fit_nh_also"]
