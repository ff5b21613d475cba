"""The topic fusion fitted on several schools: ``python -m classifier calibrate DIR [DIR ...] --texts-only``.

Each folder's messages are featurised against that folder's own ``faq.yaml`` (its questions as topic examples,
its FAQ index for ``faqtop``), exactly as ``evaluate`` treats that school; the fusion is fitted on the pooled rows
(every message counts once). Reported: the in-sample fit per school and pooled, the nested cross-validation
(folds stratified by topic and school) per school and pooled, and leave-one-school-out: the whole fit re-run on
all folders but one and measured on the one left out, next to the accuracy of the settings the file had
(``file_settings``) on that school. One folder is ``calibrate``'s own path, unchanged.
"""
from __future__ import annotations

import os
from typing import Callable, Mapping, Sequence

import numpy as np

from .fusion_fit import Problem, fit_fusion, score


def school_names(roots: Sequence[str]) -> list[str]:
    """A short name per folder (its last path part), the full path where two folders would share one."""
    short = [os.path.basename(os.path.normpath(r)) for r in roots]
    return [s if short.count(s) == 1 else str(r) for s, r in zip(short, roots)]


def pool(problems: Sequence[Problem]) -> tuple[Problem, np.ndarray]:
    """The problems' rows stacked, and the school index of every row."""
    pooled = problems[0]
    for p in problems[1:]:
        pooled = pooled + p
    return pooled, np.concatenate([np.full(len(p.y), i, dtype=int) for i, p in enumerate(problems)])


def _accuracy(problem: Problem, settings: Mapping[str, float]) -> float:
    return round(float(score(problem, settings, False)["accuracy"]), 4)


def fit_schools(problems: Sequence[Problem], names: Sequence[str], base: Mapping[str, float],
                cross_validate_groups: Callable[..., dict] | None = None,
                leave_one_out: bool = True) -> dict:
    """The pooled fit of the schools' message problems and its reports (``cross_validate_groups``: calibrate's
    nested CV per group, or None for no CV)."""
    pooled, groups = pool(problems)
    fitted = fit_fusion(pooled, base, abstain=False)
    settings = {**base, **fitted}
    fit = {name: {"accuracy": _accuracy(p, settings)} for name, p in zip(names, problems)}
    fit["pooled"] = {"accuracy": _accuracy(pooled, settings)}
    out: dict = {"schools": {name: int(len(p.y)) for name, p in zip(names, problems)}, "settings": fitted, "fit": fit}
    if cross_validate_groups is not None:
        held = cross_validate_groups(pooled, groups, base, abstain=False)
        cv = {name: held[i] for i, name in enumerate(names)}
        n = [len(p.y) for p in problems]
        cv["pooled"] = {"accuracy": round(sum(k * held[i]["accuracy"] for i, k in enumerate(n)) / sum(n), 4)}
        out["cross_validated"] = cv
    if leave_one_out and len(problems) > 1:
        loso = {}
        for i, name in enumerate(names):
            rest, _ = pool([p for j, p in enumerate(problems) if j != i])
            without = {**base, **fit_fusion(rest, base, abstain=False)}
            loso[name] = {"accuracy": _accuracy(problems[i], without),
                          "file_settings": _accuracy(problems[i], base)}
        out["leave_one_school_out"] = loso
    return out


__all__ = ["fit_schools", "pool", "school_names"]
