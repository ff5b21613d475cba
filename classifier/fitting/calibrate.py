"""Fit the fusion of the shipped label sets on a labelled folder: ``python -m classifier calibrate DIR``.

    python -m classifier calibrate /work/shared/dataset/dev --ocr-cache /tmp/ocr.json           # fit + nested CV
    python -m classifier calibrate /work/shared/dataset/dev --ocr-cache /tmp/ocr.json --write   # ... and store

Screenshots: every image is read once (OCR text from/to ``--ocr-cache``) with the school of ``DIR/faq.yaml``
as the deployment's identity; the synthetic hard negatives of ``fitting/data/hard_negatives.yaml`` (other
services' problem screens) join as extra ``other`` rows whose weights add up to the folder's own ``other``
screenshots (the folder alone rarely has enough of them to teach what a hard negative looks like). The
weights, temperature and threshold are fitted by :func:`classifier.fitting.fusion_fit.fit_fusion`.
``cross_validated`` is nested (5 folds × 2 seeds: the whole fit re-run without the held-out fold), reported
for the folder's screenshots and for the synthetic rows apart. Messages: the same with the school's FAQ
questions as topic examples, accuracy instead of routing, no threshold.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import yaml

from ..config import RuntimeConfig
from ..runtime.fusion import softmax, stack_features, weight_vector
from ..runtime.labels import DEFAULT_IMAGE_LABELS, DEFAULT_TOPIC_LABELS, LabelSet
from ..runtime.messages import MessageClassifier
from ..runtime.pipeline import TicketPipeline
from .datasets import OcrCache, deployment_labels, progress, read_csv, school_faq, screenshots
from .evaluate import school_topic_classifier
from .fusion_fit import Problem, _folds, fit_fusion, route, score
from .metrics import routing_metrics

HARD_NEGATIVES = Path(__file__).resolve().parent / "data" / "hard_negatives.yaml"
# Fitted numbers written to the YAML (the rest of ``fit_fusion``'s output, e.g. the chosen L2, is reported only).
REPORT_ONLY = ("l2",)


def synthetic_hard_negatives(path: str | os.PathLike[str] = HARD_NEGATIVES) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return [str(t) for t in (yaml.safe_load(fh) or {}).get("screens") or []]


# --- feature collection -------------------------------------------------------------------------

def collect_image_features(root: str, pipeline: TicketPipeline, *, show_progress: bool = False,
                           ocr_cache: OcrCache | None = None) -> tuple[list[str], list[dict]]:
    """(labels, feature rows) for images.csv; OCR text from/to ``ocr_cache`` when given."""
    shots = screenshots(root, pipeline, ocr_cache or OcrCache(None), show_progress=show_progress)
    return [row["label"] for row, _, _ in shots], [pipeline.features(text, "", clip) for _, text, clip in shots]


def collect_text_features(root: str, classifier: MessageClassifier, *, show_progress: bool = False):
    rows = read_csv(os.path.join(root, "texts.csv"))
    feats = [classifier.features(r["text"]) for r in progress(rows, len(rows), "texts", show_progress)]
    return [r["topic"] for r in rows], feats


def text_problem(root: str, *, show_progress: bool = False) -> tuple[Problem, MessageClassifier]:
    """The folder's messages as a fitting problem, featurised as ``evaluate`` classifies them: with the folder's
    own FAQ (its questions as topic examples, its index for ``faqtop``); and that classifier."""
    clf = school_topic_classifier(school_faq(root))
    y_names, rows = collect_text_features(root, clf, show_progress=show_progress)
    y = np.array([clf.names.index(n) for n in y_names])
    problem = Problem.from_features(stack_features(rows), y, clf.fallback, np.ones(len(clf.names), dtype=bool),
                                    float(clf.settings["min_words"]))
    return problem, clf


def image_problem(root: str, pipeline: TicketPipeline, *, show_progress: bool = False,
                  ocr_cache: OcrCache | None = None, synthetic: bool = True) -> tuple[Problem, np.ndarray]:
    """The folder's screenshots (+ the synthetic hard negatives) as a fitting problem, and a group per row
    (0: the folder, 1: synthetic)."""
    names = pipeline.names
    y_names, rows = collect_image_features(root, pipeline, show_progress=show_progress, ocr_cache=ocr_cache)
    groups = [0] * len(rows)
    weights = [1.0] * len(rows)
    if synthetic and pipeline.labels.out_of_scope_names:
        texts = synthetic_hard_negatives()
        other = pipeline.labels.out_of_scope_names[0]
        n_other = max(1, sum(1 for n in y_names if n in pipeline.labels.out_of_scope_names))
        rows += [pipeline.features(t) for t in texts]
        y_names += [other] * len(texts)
        groups += [1] * len(texts)
        weights += [n_other / len(texts)] * len(texts)
    y = np.array([names.index(n) for n in y_names])
    problem = Problem.from_features(stack_features(rows), y, pipeline.out_of_scope, pipeline.out_of_scope == 0,
                                    float(pipeline.settings["min_words"]))
    problem.weight = np.array(weights)
    return problem, np.array(groups)


# --- nested cross-validation per group ------------------------------------------------------------

def cross_validate_groups(problem: Problem, groups: np.ndarray, base: Mapping[str, float], *, abstain: bool,
                          folds: int = 5, seeds=(0, 1)) -> dict[int, dict[str, float]]:
    """Held-out figures of the whole fit, per group (folds stratified by label and group)."""
    held: dict[int, list[tuple[int, int]]] = {int(g): [] for g in np.unique(groups)}
    for seed in seeds:
        fold_of = _folds(problem.y * 10 + groups, folds, seed + 100)
        for k in range(folds):
            tr, te = np.where(fold_of != k)[0], np.where(fold_of == k)[0]
            s = {**base, **fit_fusion(problem.subset(tr), base, abstain=abstain)}
            probs = softmax(problem.X[te] @ weight_vector(s), float(s["temperature"]))
            pred = route(probs, problem.in_scope, float(s["threshold"])) if abstain else probs.argmax(1)
            for i, p in zip(te, pred):
                held[int(groups[i])].append((int(problem.y[i]), int(p)))
    out = {}
    for g, pairs in held.items():
        y = np.array([a for a, _ in pairs])
        pred = np.array([b for _, b in pairs])
        if abstain:
            acc, mis, cov = routing_metrics(pred, y, problem.in_scope)
            out[g] = {"accuracy": round(acc, 4), "misroute_rate": round(mis, 4), "coverage": round(cov, 4)}
        else:
            out[g] = {"accuracy": round(float((pred == y).mean()), 4)}
    return out


# --- writing --------------------------------------------------------------------------------------

def write_settings(yaml_path: str, settings: Mapping[str, object]) -> None:
    """Replace the one-line ``settings: {...}`` of a label YAML, keeping its comments."""
    with open(yaml_path, encoding="utf-8") as fh:
        text = fh.read()
    line = "settings: " + yaml.safe_dump(dict(settings), default_flow_style=True, allow_unicode=True, width=10_000).strip()
    if re.search(r"^settings:.*$", text, flags=re.M):
        text = re.sub(r"^settings:.*$", lambda _: line, text, count=1, flags=re.M)
    else:
        text = line + "\n" + text
    with open(yaml_path, "w", encoding="utf-8") as fh:
        fh.write(text)


def _kept(labels: LabelSet, fitted: Mapping[str, float]) -> dict:
    """The settings to write: what the file had that is not a fitted weight, plus the new fit."""
    from ..runtime.fusion import WEIGHT_KEYS

    # The memory's weight is fitted only by ``--memory`` (its column is zero on a folder without corrections):
    # a fit without it keeps the file's.
    keep = {k: v for k, v in labels.settings.items() if k not in fitted
            and (k not in WEIGHT_KEYS or k in ("w_mem", "w_mem_fallback"))
            and k not in ("w_sem", "w_kw", "w_ng", "w_focus", "w_user_text")}  # the pre-conditional-logit names
    return {**keep, **{k: v for k, v in fitted.items() if k not in REPORT_ONLY}}


def calibrate(root: str | Sequence[str], config: RuntimeConfig, *, write: bool = False, show_progress: bool = True,
              ocr_cache: OcrCache | None = None, images: bool = True, texts: bool = True, cv: bool = True,
              memory: bool = False) -> dict:
    """Fit (and cross-validate) the settings of the shipped label sets on ``root`` (CLIP as ``config`` says).

    ``memory``: also fit the corrections memory (weight, floor) by replaying ``root`` after the fusion fit.
    Several folders: the topic fusion only, pooled over the schools (:mod:`.calibrate_schools`)."""
    from .replay import fit_memory, image_stream, text_stream

    roots = [root] if isinstance(root, (str, os.PathLike)) else list(root)
    if len(roots) > 1:
        return {"texts": calibrate_schools(roots, write=write, show_progress=show_progress, images=images,
                                           texts=texts, cv=cv, memory=memory)}
    root = str(roots[0])
    out: dict[str, dict] = {}
    if images and os.path.exists(os.path.join(root, "images.csv")):
        labels = LabelSet.default_images()
        pipe = TicketPipeline.from_config(config, deployment_labels(root, labels))
        problem, groups = image_problem(root, pipe, show_progress=show_progress, ocr_cache=ocr_cache)
        base = dict(pipe.settings)
        fitted = fit_fusion(problem, base, abstain=True)
        own = groups == 0
        out["images"] = {"settings": fitted, "fit": score(problem.subset(np.where(own)[0]), {**base, **fitted}, True)}
        if memory:
            stream = image_stream(root, pipe.with_labels(pipe.labels.with_settings(fitted)), ocr_cache)
            fitted.update(fit_memory(stream, {**base, **fitted}, screenshots=True))
        if cv:
            held = cross_validate_groups(problem, groups, base, abstain=True)
            out["images"]["cross_validated"] = held[0]
            if 1 in held:
                out["images"]["cross_validated_synthetic_hard_negatives"] = held[1]
        if write:
            write_settings(str(DEFAULT_IMAGE_LABELS), _kept(labels, fitted))
    if texts and os.path.exists(os.path.join(root, "texts.csv")):
        labels = LabelSet.default_topics()
        problem, clf = text_problem(root, show_progress=show_progress)
        base = dict(clf.settings)
        fitted = fit_fusion(problem, base, abstain=False)
        if memory:
            # With the school's FAQ index and the e5 second opinion, as the desk and ``replay`` have them: a
            # classifier built from an encoder alone has neither (``faqtop`` and ``e5top`` columns zero; dev, 20
            # orders: second half 0.78 instead of 0.92), and the fit chose a memory for that weaker classifier.
            refit = MessageClassifier(labels=clf.labels.with_settings(fitted), encoder=clf.encoder,
                                      faq_index=clf.faq_index, second_encoder=clf.second_encoder)
            fitted.update(fit_memory(text_stream(root, refit), {**base, **fitted}, screenshots=False))
        out["texts"] = {"settings": fitted, "fit": score(problem, {**base, **fitted}, False)}
        if cv:
            single = np.zeros(len(problem.y), dtype=int)
            out["texts"]["cross_validated"] = cross_validate_groups(problem, single, base, abstain=False)[0]
        if write:
            write_settings(str(DEFAULT_TOPIC_LABELS), _kept(labels, fitted))
    return out


def calibrate_schools(roots: Sequence[str], *, write: bool = False, show_progress: bool = True, images: bool = False,
                      texts: bool = True, cv: bool = True, memory: bool = False) -> dict:
    """The topic fusion fitted on several folders' messages, each featurised with its own FAQ (see
    :func:`.calibrate_schools.fit_schools`); ``write`` stores the pooled fit in ``topics.yaml``."""
    from .calibrate_schools import fit_schools, school_names

    if images or not texts:
        raise ValueError("several folders: the topic fusion only (--texts-only)")
    if memory:
        raise ValueError("several folders: the corrections memory is fitted on one folder (no --memory)")
    missing = [r for r in roots if not os.path.exists(os.path.join(r, "texts.csv"))]
    if missing:
        raise ValueError(f"no texts.csv in {', '.join(map(str, missing))}")
    built = [text_problem(str(r), show_progress=show_progress) for r in roots]
    base = dict(built[0][1].settings)
    out = fit_schools([p for p, _ in built], school_names([str(r) for r in roots]), base,
                      cross_validate_groups if cv else None)
    if write:
        labels = LabelSet.default_topics()
        write_settings(str(DEFAULT_TOPIC_LABELS), _kept(labels, out["settings"]))
    return out


__all__ = ["calibrate", "calibrate_schools", "text_problem", "cross_validate_groups", "image_problem",
           "synthetic_hard_negatives", "write_settings", "collect_image_features", "collect_text_features"]
