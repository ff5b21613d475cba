"""Refitting the fusion on a desk's own labelled tickets (``manage.py classifier_fit``), Django-free.

The desk stores, for every prediction, the per-signal score vectors (``ClassificationResult.signals``: a few
dozen numbers; :func:`features_from_signals` turns them back into the fusion's features), and knows which
labels its operators confirmed. :func:`desk_refit` fits the part of the fusion a school's own tickets should
decide, the weight of CLIP (when the desk runs it), the weight of "not ours" evidence, the temperature and the
abstain threshold, on 70 % of the labels (stratified, seeded), and scores it against the settings in use on the
other 30 %: a fit that is worse there is not to be applied. The applied settings are then refitted on all labels.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from ..runtime.fusion import WEIGHT_KEYS, fallback_vector, settings_of, stack_features
from ..runtime.labels import LabelSet
from .fusion_fit import Problem, _folds, fit_fusion, routing_objective, score

MIN_LABELS = 30
HELD_OUT_SHARE = 0.3
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


def desk_refit(rows: Sequence[tuple[Mapping[str, Mapping[str, float]], str]], label_set: LabelSet, *,
               min_labels: int = MIN_LABELS, seed: int = 0) -> DeskFit:
    """Fit on ``rows`` (stored signals, confirmed label) and compare with ``label_set``'s settings on held-out rows."""
    names = label_set.all_names
    rows = [(signals, label) for signals, label in rows if label in names and signals]
    counts = {name: sum(1 for _, label in rows if label == name) for name in names}
    report: dict = {"labels": len(rows), "per_label": {k: v for k, v in counts.items() if v}}
    if len(rows) < min_labels or sum(1 for v in counts.values() if v) < 2:
        report["reason"] = f"{len(rows)} confirmed labels; at least {min_labels}, of two intents or more, are needed"
        return DeskFit("too_few", report=report)
    current = settings_of(label_set)
    fallback = fallback_vector(label_set, current)
    in_scope = np.array([intent.in_scope for intent in label_set.intents])
    F = stack_features([features_from_signals(signals, names) for signals, _ in rows])
    y = np.array([names.index(label) for _, label in rows])
    problem = Problem.from_features(F, y, fallback, in_scope, float(current["min_words"]))
    fixed = tuple(key for key in WEIGHT_KEYS if key not in DESK_FITTED)
    held = _folds(y, max(2, round(1 / HELD_OUT_SHARE)), seed) == 0
    train, test = problem.subset(np.where(~held)[0]), problem.subset(np.where(held)[0])
    trial = {**current, **fit_fusion(train, current, abstain=True, fixed=fixed)}
    before, after = score(test, current, True), score(test, trial, True)
    report.update(held_out=int(held.sum()), current=before, fitted=after)
    if routing_objective(after["accuracy"], after["misroute_rate"]) < routing_objective(before["accuracy"],
                                                                                       before["misroute_rate"]):
        report["reason"] = "the fit scores worse than the settings in use on the held-out tickets"
        return DeskFit("not_better", settings={k: v for k, v in trial.items() if k in DESK_FITTED or
                                               k in ("temperature", "threshold")}, report=report)
    final = fit_fusion(problem, current, abstain=True, fixed=fixed)
    settings = {k: v for k, v in final.items() if k in DESK_FITTED or k in ("temperature", "threshold")}
    return DeskFit("better", settings=settings, report=report)


__all__ = ["desk_refit", "DeskFit", "features_from_signals", "MIN_LABELS", "DESK_FITTED"]
