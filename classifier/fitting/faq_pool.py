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

``--needs-human-also DIR [DIR ...]`` (``faq_fit_nh_also``): the first DIR's own fit, as with one DIR, plus a second
needs-human model fitted on the pooled rows (``needs_human_flag``) that only sets the needs-human flag (nhflag.md).

``--loso``: for each DIR, fit on all the others (reference: the first of them) and measure it with ``evaluate``'s
FAQ figures (``evaluate_faq``: its own index, topic classifier and calibration); nothing is written.
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import yaml

from ..faq.calibration import MAX_SHIFT, MIN_QUERIES, REFERENCE_QUANTILE, calibrate_faq, calibration_reference, \
    held_out_queries
from ..faq.index import FaqHit
from ..faq.needs_human import feature_vector, score_features
from ..faq.params import OFFTOPIC, THRESHOLDS_FILE, load_params
from .datasets import school_faq
from .evaluate import evaluate_faq, school_topic_classifier
from .faq_fit import Prepared, cv_decisions, fit_all, fit_needs_human, nh_predict, predict, summarise, write_params
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
    """The first school's own fit (``fit_all`` on ``idx``, its training rows: retrieval, re-ranking, the rule and
    the needs-human model the rule reads) plus ``needs_human_flag``: a second needs-human model (threshold: best
    F1 with each school's shift) fitted on ``idx`` plus every row of the other schools, which only flags
    (nhflag.md: pooled, the rule's scores would let it answer lower-score messages, nhpool.md)."""
    params = fit_all(T.parts[0], idx, l2)
    w = params["retrieval"]
    X, _, _ = T.nh_features(w)
    pool = np.concatenate([idx, np.where(T.school != 0)[0]])
    return {**params, "needs_human_flag": fit_needs_human(X[pool], T.nh[pool], l2, T.nh_shift(w), pool)}


def predict_flagged(P: Prepared, params: dict[str, Any], idx: np.ndarray) -> list:
    """``predict`` of the rule's params, the needs-human flag = ``needs_human`` OR ``needs_human_flag``
    (``answer_decision`` with ``with_flag_model``, nhor.md): automatic answers and off-topic verdicts are the
    rule's (not flagged); ``P`` is the first school (its shift is 0)."""
    rule = {k: v for k, v in params.items() if k != "needs_human_flag"}
    decisions = predict(P, rule, idx)
    if "needs_human_flag" not in params:
        return decisions
    X, _, _ = P.nh_features(params["retrieval"])
    flag, _ = nh_predict(X, params["needs_human_flag"])
    rule_flag, _ = nh_predict(X, params["needs_human"])
    off = (np.array([t == OFFTOPIC for t in P.topics]) & ~rule_flag) | P.offtopic(X)
    either = flag | rule_flag  # the flag model only adds flags (nhor.md)
    return [replace(d, needs_human=bool(either[i] and not off[i] and not d.auto_answer)) for i, d in zip(idx, decisions)]


def cv_decisions_nh_also(T: "Pooled", folds: int, seed: int, l2: float) -> list:
    """The first school's decisions by the folds of ``faq_fit.cv_decisions`` on it (the same draws), each fold's
    flag model also trained on every row of the other schools."""
    return cv_decisions(T.parts[0], folds, seed, l2, fit=lambda _first, train, _l2: fit_nh_also(T, train, _l2),
                        predict_fn=predict_flagged)


def write_flag(first: Prepared, params: dict[str, Any], command: str, cv: dict[str, Any]) -> Path:
    """Add ``params``' ``needs_human_flag`` (with its reference quantile: the first school's own calibration under
    the file plus it) to thresholds.yaml, every other block and line kept byte for byte (as ``write_reference``):
    the rule the flag model is added to must be the shipped one (``faq-fit DIR --write`` first otherwise). The
    re-ranking weights are not compared: their last decimals depend on the CPU (test_faq_fit.py)."""
    shipped = {k: v for k, v in load_params().items() if k != "needs_human_flag"}
    same = {k: v for k, v in params["retrieval"].items() if k != "rerank"} == \
        {k: v for k, v in shipped["retrieval"].items() if k not in ("rerank", "bm25_answer_weight")}
    if not (same and params["needs_human"] == shipped["needs_human"] and params["auto_answer"] == shipped["auto_answer"]):
        raise SystemExit("thresholds.yaml is not %s's own fit: run `faq-fit %s --write` first" % (first.names[0],
                                                                                             first.names[0]))
    flag = params["needs_human_flag"]
    calibration = calibrate_faq(first.entries, first.encoder, {**shipped, "needs_human_flag": flag})
    block = {"needs_human_flag": {**flag, "reference_quantile_score": calibration.flag_quantile_score}}
    params["needs_human_flag"] = block["needs_human_flag"]
    text = THRESHOLDS_FILE.read_text(encoding="utf-8")
    text = text.split("\n# needs_human_flag", 1)[0].split("\nneeds_human_flag:", 1)[0].rstrip("\n") + "\n"
    note = ("# needs_human_flag -- by `python -m classifier faq-fit %s --write`: the needs-human FLAG only\n"
            "#                 (decision.with_flag_model: flagged = needs_human's flag OR this model's, nhor.md);\n"
            "#                 the needs_human model's features, fitted on the first\n"
            "#                 folder's rows plus all rows of the others, each scored against its own FAQ and\n"
            "#                 self-calibration; threshold: best F1, moved per school by its own\n"
            "#                 reference_quantile_score. The rule above still reads needs_human. Cross-validated on\n"
            "#                 the first folder (automatic answers: the rule's, flag: needs_human OR this model): %s\n"
            % (command, json.dumps(cv, ensure_ascii=False)))
    THRESHOLDS_FILE.write_text(text + note + yaml.safe_dump(block, sort_keys=False, allow_unicode=True),
                               encoding="utf-8")
    load_params.cache_clear()
    return THRESHOLDS_FILE


def faq_fit_nh_also(first_dir: Path, extra_dirs: Sequence[Path], *, folds: int = 5, seeds: int = 3, l2: float = 1.0,
                    use_topics: bool = True, write: bool = False, encoders: dict[str, float] | None = None,
                    segments: dict[str, Any] | None = None, encoder=None) -> dict[str, Any]:
    """``faq_fit`` of ``first_dir`` plus a needs-human FLAG model also fitted on ``extra_dirs``' rows
    (``fit_nh_also``): the first folder's cross-validated and in-sample figures; ``write`` stores the all-data
    fit's ``needs_human_flag`` into thresholds.yaml, which must hold the one-folder fit (``write_flag``)."""
    dirs = [Path(first_dir)] + [Path(d) for d in extra_dirs]
    parts = [Prepared(d, encoder, use_topics=use_topics, encoders=encoders, segments=segments) for d in dirs]
    T, first = Pooled(parts), parts[0]
    seed_list = list(range(seeds))
    cv2 = summarise([faq_metrics(first.rows, cv_decisions_nh_also(T, 2, s, l2)) for s in seed_list])
    cvk = summarise([faq_metrics(first.rows, cv_decisions_nh_also(T, folds, s, l2)) for s in seed_list])
    all_idx = np.arange(len(first.rows))
    params = fit_nh_also(T, all_idx, l2)
    report = {"schools": T.names, "needs_human_also": T.names[1:], "cv_2fold": cv2, f"cv_{folds}fold": cvk,
              "in_sample": faq_metrics(first.rows, predict_flagged(first, params, all_idx)), "params": params,
              "topic_classifier": any(t is not None for t in first.topics)}
    if write:
        report["written"] = str(write_flag(first, params, "%s --needs-human-also %s" % (
            dirs[0].name, " ".join(d.name for d in dirs[1:])), {"2fold": cv2, f"{folds}fold": cvk}))
    return report


__all__ = ["Pooled", "pooled", "deployed_params", "leave_one_school_out", "cross_validate_schools",
           "faq_fit_schools", "moved_threshold", "PAD", "fit_nh_also", "predict_flagged", "cv_decisions_nh_also",
           "faq_fit_nh_also", "write_flag"]
