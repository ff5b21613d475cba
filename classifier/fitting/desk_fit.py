"""Refitting the fusion on a desk's own labelled tickets (``manage.py classifier_fit``), Django-free.

The desk stores, for every prediction, the per-signal score vectors (``ClassificationResult.signals``: a few
dozen numbers; :func:`features_from_signals` turns them back into the fusion's features), and knows which
labels its operators confirmed. :func:`desk_refit` fits the part of the fusion a school's own tickets should
decide, the weight of CLIP (when the desk runs it), the weight of "not ours" evidence, the temperature and the
abstain threshold, and applies it only when it is better than the settings in use beyond the noise of a few dozen
tickets (the gate, :func:`held_out_comparison`): repeated stratified cross-validation, ``GATE_SEEDS`` different
``GATE_FOLDS``-fold partitions, every ticket held out once per partition and scored by a fit made without it. The
fit must score higher than the settings in use over all held-out scorings (``routing_objective``), send no more
tickets to a wrong queue there, and win on at least ``GATE_MAJORITY`` of the partitions. The applied settings are
then fitted on all labels.

Why so strict: in the screenshot replay (docs/experiments/deskfit2.md: a refit at mid-stream on ~40 confirmed
tickets, the second half classified with it, 60 orders) the former single 70/30 split (~13 held-out tickets) let
through fits that made a school never seen worse (figures in the log); on the development school this gate keeps
about 60 % of that split's gain with no order made worse (second half 0.9475 -> 0.9604 instead of 0.9696 with 3
orders worse; misroute equal).

What the fit cannot see, it does not fit: the tickets a desk confirms are the ones routed right and the ones an
operator corrected. An out-of-scope ticket rightly held as unsure and then resolved or closed in triage carries no
label (the desk cannot tell it from a school question answered in triage, a merged duplicate or one the FAQ's
automatic answer solved: ``tickets.selectors.fitting.confirmed_labels``). Without those tickets every held-out
set lacks the ones the fit would wrongly route, and a fit that routes more looks better than it is (replay on the
development school: misroute 0.012 -> 0.014 to 0.045 under every gate tried that applied any fit). So a refit
needs at least ``MIN_OUT_OF_SCOPE`` confirmed out-of-scope labels (operators correcting unsure "not ours" tickets
to "other", in triage with one click: "Not a support request — close"); with fewer it refuses and says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from ..runtime.fusion import WEIGHT_KEYS, fallback_vector, settings_of, stack_features
from ..runtime.labels import LabelSet
from .fusion_fit import Problem, _folds, fit_fusion, routes, routing_objective
from .metrics import routing_metrics

MIN_LABELS = 30
# The gate (chosen on the development school's replay, 60 orders; docs/experiments/deskfit2.md): 5 partitions of
# 5 folds, 25 fits of ~25 L-BFGS runs each (6-7 s for 40 or 400 tickets on a busy 2-core machine), and a win on
# 4 of the 5 partitions. Fewer partitions let one lucky split decide; 3 folds fit on 67 % of the tickets, further from
# the fit that is applied (100 %).
GATE_FOLDS = 5
GATE_SEEDS = 5
GATE_MAJORITY = 0.8
# One confirmed out-of-scope ticket per held-out fold at least: with fewer, some held-out sets cannot show a fit
# that routes "not ours" tickets into a queue.
MIN_OUT_OF_SCOPE = GATE_FOLDS
_TIE = 1e-12  # equal scores are a tie, whatever the float rounding of the two means
# What a desk refits; every other weight keeps the shipped (development-school) value.
DESK_FITTED = ("w_clip", "w_clip_fallback", "other_bias")
_TEXTS = (("ocr", "ocr"), ("focus", "focus"), ("user", "text"))


def features_from_signals(signals: Mapping[str, Mapping[str, float]], names: Sequence[str]) -> dict[str, np.ndarray]:
    """The fusion's features of one ticket from its stored ``signals`` (see ``TicketPipeline.fuse``)."""
    def vector(key: str) -> np.ndarray:
        block = signals.get(key) or {}
        return np.array([float(block.get(n, 0.0)) for n in names])

    f: dict[str, np.ndarray] = {}
    for prefix, title in _TEXTS:
        present = f"{title}_semantic" in signals
        f[f"{prefix}_sem"] = vector(f"{title}_semantic")
        f[f"{prefix}_kw"] = vector(f"{title}_keywords")
        f[f"{prefix}_ng"] = vector(f"{title}_ngrams")
        f[f"has_{prefix}"] = np.array(1.0 if present else 0.0)
    f["words"] = np.array(float((signals.get("text_amount") or {}).get("words", 0.0)))
    clip = vector("clip")
    f["has_clip"] = np.array(1.0 if "clip" in signals else 0.0)
    # stored normalised; the log differs from the fused mean log-probability by a constant per ticket,
    # which no softmax can see
    f["clip"] = np.log(np.clip(clip, 1e-6, 1.0)) if "clip" in signals else np.zeros(len(names))
    f["mem"] = vector("memory")
    school = signals.get("school") or {}
    for key in ("school", "foreign", "edu", "faq"):
        f[key] = np.array(float(school.get(key, 0.0)))
    return f


@dataclass
class DeskFit:
    """The outcome: ``status`` is ``"better"`` (apply ``settings``), ``"not_better"`` or ``"too_few"``."""

    status: str
    settings: dict[str, float] = field(default_factory=dict)
    report: dict = field(default_factory=dict)

    @property
    def apply(self) -> bool:
        return self.status == "better"


def _fitted(settings: Mapping[str, float]) -> dict[str, float]:
    """What a desk refit may change of a ``fit_fusion`` result."""
    return {k: v for k, v in settings.items() if k in DESK_FITTED or k in ("temperature", "threshold")}


def _metrics(pred: np.ndarray, y: np.ndarray, in_scope: np.ndarray) -> dict[str, float]:
    acc, mis, cov = routing_metrics(pred, y, in_scope)
    return {"accuracy": acc, "misroute_rate": mis, "coverage": cov, "objective": routing_objective(acc, mis)}


def held_out_comparison(problem: Problem, current: Mapping[str, float], fixed: Sequence[str], *,
                        seed: int = 0) -> dict:
    """The gate: the fit against the settings in use on tickets it was not fitted on (see the module docstring).

    ``better`` is True when, over the ``GATE_SEEDS`` partitions' held-out scorings pooled, the fit's routing
    objective is higher and its misroute rate not higher, and the fit's objective is higher on at least
    ``GATE_MAJORITY`` of the partitions (each partition scores every ticket once).
    """
    y, in_scope = problem.y, problem.in_scope
    now = routes(problem, current)
    fitted = np.empty((GATE_SEEDS, len(y)), dtype=int)
    for s in range(GATE_SEEDS):
        fold_of = _folds(y, GATE_FOLDS, seed + s)
        for k in np.unique(fold_of):
            train, test = np.where(fold_of != k)[0], np.where(fold_of == k)[0]
            trial = {**current, **_fitted(fit_fusion(problem.subset(train), current, abstain=True, fixed=fixed))}
            fitted[s, test] = routes(problem.subset(test), trial)
    before, after = _metrics(now, y, in_scope), _metrics(fitted.ravel(), np.tile(y, GATE_SEEDS), in_scope)
    won = sum(_metrics(row, y, in_scope)["objective"] > before["objective"] + _TIE for row in fitted)
    better = (after["objective"] > before["objective"] + _TIE
              and after["misroute_rate"] <= before["misroute_rate"] + _TIE
              and won >= GATE_MAJORITY * GATE_SEEDS)
    return {"better": bool(better),
            "current": {k: round(v, 4) for k, v in before.items()},
            "fitted": {k: round(v, 4) for k, v in after.items()},
            "partitions": {"folds": GATE_FOLDS, "seeds": GATE_SEEDS, "won": int(won)}}


def desk_refit(rows: Sequence[tuple[Mapping[str, Mapping[str, float]], str]], label_set: LabelSet, *,
               min_labels: int = MIN_LABELS, min_out_of_scope: int = MIN_OUT_OF_SCOPE, seed: int = 0) -> DeskFit:
    """Fit on ``rows`` (stored signals, confirmed label) and apply it only if it passes the gate.

    Refused (``"too_few"``, with the reason in the report) under ``min_labels`` labels, with a single intent, or
    under ``min_out_of_scope`` labels of out-of-scope intents ("other": see the module docstring).
    """
    names = label_set.all_names
    rows = [(signals, label) for signals, label in rows if label in names and signals]
    counts = {name: sum(1 for _, label in rows if label == name) for name in names}
    out_of_scope = sum(counts[name] for name in label_set.out_of_scope_names)
    report: dict = {"labels": len(rows), "per_label": {k: v for k, v in counts.items() if v},
                    "out_of_scope_labels": out_of_scope}
    if len(rows) < min_labels or sum(1 for v in counts.values() if v) < 2:
        report["reason"] = f"{len(rows)} confirmed labels; at least {min_labels}, of two intents or more, are needed"
        return DeskFit("too_few", report=report)
    if out_of_scope < min_out_of_scope:
        report["reason"] = (
            f"{out_of_scope} confirmed out-of-scope labels; at least {min_out_of_scope} are needed, or the fit cannot "
            "see the tickets it would wrongly route. Correct unsure tickets that are not the school's problem to an "
            "out-of-scope label (\"other\"): on the desk's ticket page, \"Not a support request — close\" labels and "
            "closes one in a click; resolving or closing them without a label does not count")
        return DeskFit("too_few", report=report)
    current = settings_of(label_set)
    fallback = fallback_vector(label_set, current)
    in_scope = np.array([intent.in_scope for intent in label_set.intents])
    F = stack_features([features_from_signals(signals, names) for signals, _ in rows])
    y = np.array([names.index(label) for _, label in rows])
    problem = Problem.from_features(F, y, fallback, in_scope, float(current["min_words"]))
    fixed = tuple(key for key in WEIGHT_KEYS if key not in DESK_FITTED)
    gate = held_out_comparison(problem, current, fixed, seed=seed)
    report.update(held_out=len(rows) * GATE_SEEDS, current=gate["current"], fitted=gate["fitted"],
                  partitions=gate["partitions"])
    settings = _fitted(fit_fusion(problem, current, abstain=True, fixed=fixed))
    if not gate["better"]:
        report["reason"] = (f"the fit is not better than the settings in use beyond noise on held-out tickets "
                            f"(won {gate['partitions']['won']} of {GATE_SEEDS} partitions; it must score higher "
                            f"overall, misroute no more, and win at least {GATE_MAJORITY:.0%} of them)")
        return DeskFit("not_better", settings=settings, report=report)
    return DeskFit("better", settings=settings, report=report)


__all__ = ["desk_refit", "DeskFit", "features_from_signals", "held_out_comparison", "MIN_LABELS",
           "MIN_OUT_OF_SCOPE", "DESK_FITTED"]
