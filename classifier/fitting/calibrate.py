"""Fit the fusion weights, the temperature and the abstain threshold on a labelled folder.

    python -m classifier calibrate /work/shared/dataset/dev            # fit, report CV, print settings
    python -m classifier calibrate /work/shared/dataset/dev --write    # ... and store them in the YAMLs

Procedure (images; texts are analogous with accuracy as the objective and no abstention):

1. OCR every screenshot once and keep the raw signals (``runtime.fusion.ticket_features``); ``--ocr-cache``
   stores the OCR text between runs.
2. For every point of a small grid of relative weights (w_sem is fixed at 10; the temperature absorbs
   the overall scale), score it by 4-fold cross-validation (2 seeds): on the training folds fit the
   temperature T (cross-entropy against label-smoothed targets, so a perfectly separated small set
   does not drive T to 0) and the global threshold that maximises
   ``accuracy - 3 * max(0, misroute - 0.02)`` (middle of the best interval), then score the held-out
   fold. Among the grid points within one item of the best held-out objective, the one with the
   lowest held-out log-loss wins. T and the threshold are then refitted on all items.
3. ``cross_validated`` in the output is a nested estimate: the whole of step 2 is re-run on 4/5 of the
   items and scored on the remaining fifth (5 folds x 2 seeds), so it shows how the procedure does on
   data it was not fitted on.

The threshold is one global number fitted on data, never per item.
"""
from __future__ import annotations

import itertools
import os
import re
from typing import Mapping, Sequence

import numpy as np
import yaml

from ..config import RuntimeConfig
from ..errors import ImageError
from ..runtime.fusion import fused_logits, softmax, stack_features
from ..runtime.images import load_image
from ..runtime.labels import DEFAULT_IMAGE_LABELS, DEFAULT_TOPIC_LABELS, LabelSet
from ..runtime.messages import MessageClassifier
from ..runtime.pipeline import TicketPipeline
from .datasets import OcrCache, progress, read_csv, school_faq
from .evaluate import school_topic_classifier
from .metrics import routing_metrics

IMAGE_GRID = {
    "w_kw": [1.0, 2.0, 4.0, 6.0],
    "w_ng": [5.0, 10.0, 20.0],
    "w_focus": [0.0, 0.5],
    "other_bias": [0.0, 2.0, 3.0, 4.0, 6.0, 8.0],
    "nocue_bias": [0.0, 1.0, 2.0],
}
TEXT_GRID = {
    "w_kw": [0.0, 0.5, 1.0, 2.0],
    "w_ng": [0.0, 2.0, 5.0],
    "other_bias": [-1.0, 0.0, 1.0],
    "empty_bias": [0.0, 2.0, 4.0],
}
TEMPERATURES = np.geomspace(0.03, 10.0, 51)
LABEL_SMOOTHING = 0.05
MISROUTE_TARGET = 0.02
MISROUTE_PENALTY = 3.0


# --- feature collection -------------------------------------------------------------------------

def collect_image_features(root: str, pipeline: TicketPipeline, *, show_progress: bool = False,
                           ocr_cache: OcrCache | None = None) -> tuple[list[str], list[dict]]:
    """(labels, feature rows) for images.csv; OCR text from/to ``ocr_cache`` when given."""
    rows = read_csv(os.path.join(root, "images.csv"))
    cache = ocr_cache or OcrCache(None)
    feats, labels = [], []
    for row in progress(rows, len(rows), "features", show_progress):
        path = os.path.join(root, row["file"])
        key = cache.key(row["file"], path)
        text = cache.get(key)
        clip_probs = []
        image = None
        if text is None or pipeline.clip is not None:
            try:
                image = load_image(path)
            except ImageError:
                image = None
        if image is not None:
            if text is None:
                text = pipeline.ocr(image)
                cache.put(key, text)
            if pipeline.clip is not None:
                clip_probs.append(pipeline.clip.classify_labels(image, pipeline.labels))
        feats.append(pipeline.features(text or "", "", clip_probs))
        labels.append(row["label"])
    cache.save()
    return labels, feats


def collect_text_features(root: str, classifier: MessageClassifier, *, show_progress: bool = False):
    rows = read_csv(os.path.join(root, "texts.csv"))
    feats = [classifier.features(r["text"]) for r in progress(rows, len(rows), "texts", show_progress)]
    return [r["topic"] for r in rows], feats


# --- fitting --------------------------------------------------------------------------------------

def _route(probs: np.ndarray, in_scope: np.ndarray, threshold: float) -> np.ndarray:
    """Predicted index per row, -1 for unsure."""
    best = probs.argmax(1)
    conf = probs[np.arange(len(probs)), best]
    return np.where(in_scope[best] & (conf >= threshold), best, -1)


def _objective(acc: float, mis: float) -> float:
    return acc - MISROUTE_PENALTY * max(0.0, mis - MISROUTE_TARGET)


def fit_temperature(logits: np.ndarray, y: np.ndarray, smoothing: float = LABEL_SMOOTHING) -> tuple[float, float]:
    """Temperature minimising the cross-entropy against label-smoothed targets.

    With ~100 examples the weighted signals often separate the training items perfectly, and plain
    NLL then drives T to 0 (every answer 100 % sure). Smoothing the targets (the true label gets
    1 - smoothing) keeps confidences honest for a set of this size.
    """
    n, k = logits.shape
    target = np.full((n, k), smoothing / max(k - 1, 1))
    target[np.arange(n), y] = 1.0 - smoothing
    best = (np.inf, 1.0)
    for t in TEMPERATURES:
        logp = np.log(np.clip(softmax(logits, t), 1e-12, 1.0))
        loss = float(-(target * logp).sum(1).mean())
        if loss < best[0]:
            best = (loss, float(t))
    return best[1], best[0]


def fit_threshold(probs: np.ndarray, y: np.ndarray, in_scope: np.ndarray) -> tuple[float, float]:
    """Global threshold maximising the routing objective; the middle of the best interval (vectorised)."""
    n = len(y)
    best_idx = probs.argmax(1)
    conf = probs[np.arange(n), best_idx]
    routable = in_scope[best_idx]
    right_if_routed = routable & (best_idx == y)
    wrong_if_routed = routable & (best_idx != y)
    right_if_held = ~in_scope[y]  # "unsure" is right for out-of-scope truths
    cands = np.unique(np.concatenate([[0.0], conf[routable], [1.0 + 1e-9]]))
    # item i is routed at threshold c iff routable and conf_i >= c
    routed = routable[None, :] & (conf[None, :] >= cands[:, None])  # (C, N)
    acc = (np.where(routed, right_if_routed[None, :], right_if_held[None, :])).mean(1)
    mis = (routed & wrong_if_routed[None, :]).mean(1)
    scores = acc - MISROUTE_PENALTY * np.maximum(0.0, mis - MISROUTE_TARGET)
    best = scores.max()
    idx = np.where(scores >= best - 1e-12)[0]
    end = idx[0]
    while end + 1 < len(cands) and scores[end + 1] >= best - 1e-12:
        end += 1
    # thresholds in (cands[idx0-1], cands[end]] all give the same routing: take the middle
    lo = cands[idx[0] - 1] if idx[0] > 0 else 0.0
    hi = min(cands[end], 1.0)
    return float((lo + hi) / 2), float(best)


def _subset(F: Mapping[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[idx] for k, v in F.items()}


def _fold_ids(y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Stratified fold number per item."""
    rng = np.random.RandomState(seed)
    fold_of = np.zeros(len(y), dtype=int)
    for c in np.unique(y):
        ids = np.where(y == c)[0]
        rng.shuffle(ids)
        fold_of[ids] = np.arange(len(ids)) % folds
    return fold_of


def _fit_t_and_threshold(logits, y, in_scope, abstain):
    t, loss = fit_temperature(logits, y)
    probs = softmax(logits, t)
    if abstain:
        thr, obj = fit_threshold(probs, y, in_scope)
    else:
        thr, obj = 0.0, float((probs.argmax(1) == y).mean())
    return t, thr, obj, loss


def _score(probs, y, in_scope, thr, abstain) -> float:
    if abstain:
        return _objective(*routing_metrics(_route(probs, in_scope, thr), y, in_scope)[:2])
    return float((probs.argmax(1) == y).mean())


def fit(F: Mapping[str, np.ndarray], y: np.ndarray, fallback: np.ndarray, in_scope: np.ndarray,
        base: Mapping[str, float], grid: Mapping[str, Sequence[float]], abstain: bool,
        inner_folds: int = 4, seeds: Sequence[int] = (0, 1), tolerance: float | None = None) -> dict:
    """Choose relative weights by their *cross-validated* objective, then fit T (+ threshold) on all items.

    For every grid point the temperature and threshold are fitted on ``inner_folds``-1 folds and scored
    on the held-out fold; the grid point with the best held-out objective wins (ties: lower held-out
    loss). Selecting on held-out scores prefers weightings whose threshold is not fragile, instead of
    one of the many that separate a small training set perfectly.
    """
    keys = list(grid)
    splits = []
    for seed in seeds:
        fold_of = _fold_ids(y, inner_folds, seed)
        splits += [(np.where(fold_of != k)[0], np.where(fold_of == k)[0]) for k in range(inner_folds)]
    scored = []
    for values in itertools.product(*(grid[k] for k in keys)):
        s = dict(base)
        s.update(zip(keys, values))
        logits = fused_logits(F, s, fallback)
        obj_sum = loss_sum = 0.0
        for tr, te in splits:
            t, thr, _, _ = _fit_t_and_threshold(logits[tr], y[tr], in_scope, abstain)
            probs = softmax(logits[te], t)
            obj_sum += _score(probs, y[te], in_scope, thr, abstain) * len(te)
            loss_sum += float(-np.log(np.clip(probs[np.arange(len(te)), y[te]], 1e-12, 1)).sum())
        n = len(y) * len(seeds)
        scored.append((obj_sum / n, loss_sum / n, s, values))
    # Differences smaller than one item are noise on a set this small: among the grid points within
    # `tolerance` of the best held-out objective, take the one with the lowest held-out loss.
    tol = (1.0 / len(y)) if tolerance is None else tolerance
    best_obj = max(r[0] for r in scored)
    _, _, s, values = min((r for r in scored if r[0] >= best_obj - tol - 1e-12), key=lambda r: r[1])
    t, thr, _, _ = _fit_t_and_threshold(fused_logits(F, s, fallback), y, in_scope, abstain)
    return {**dict(zip(keys, values)), "temperature": round(t, 4), "threshold": round(thr, 4)}


def apply(F, y, fallback, in_scope, base, fitted, abstain: bool) -> dict:
    s = {**base, **fitted}
    probs = softmax(fused_logits(F, s, fallback), s["temperature"])
    if abstain:
        pred = _route(probs, in_scope, s["threshold"])
        acc, mis, cov = routing_metrics(pred, y, in_scope)
        return {"accuracy": acc, "misroute_rate": mis, "coverage": cov}
    return {"accuracy": float((probs.argmax(1) == y).mean())}


def cross_validate(F, y, fallback, in_scope, base, grid, abstain: bool, folds: int = 5, seeds=(0, 1)) -> dict:
    """Held-out metrics of the whole procedure (weights, T and threshold fitted on the other folds)."""
    results = []
    for seed in seeds:
        fold_of = _fold_ids(y, folds, seed + 100)
        for k in range(folds):
            tr, te = np.where(fold_of != k)[0], np.where(fold_of == k)[0]
            fitted = fit(_subset(F, tr), y[tr], fallback, in_scope, base, grid, abstain)
            m = apply(_subset(F, te), y[te], fallback, in_scope, base, fitted, abstain)
            results.append((len(te), m))
    total = sum(n for n, _ in results)
    return {key: round(sum(n * m[key] for n, m in results) / total, 4) for key in results[0][1]}


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


def calibrate(root: str, config: RuntimeConfig, *, write: bool = False, show_progress: bool = True,
              ocr_cache: OcrCache | None = None, images: bool = True, texts: bool = True, cv: bool = True) -> dict:
    """Fit (and cross-validate) the settings of the shipped label sets on ``root`` (CLIP as ``config`` says)."""
    out: dict[str, dict] = {}
    if images and os.path.exists(os.path.join(root, "images.csv")):
        labels = LabelSet.default_images()
        pipe = TicketPipeline.from_config(config, labels)
        names = labels.all_names
        y_names, rows = collect_image_features(root, pipe, show_progress=show_progress, ocr_cache=ocr_cache)
        y = np.array([names.index(n) for n in y_names])
        F = stack_features(rows)
        in_scope = pipe.out_of_scope == 0
        base = dict(pipe.settings)
        grid = dict(IMAGE_GRID)
        if pipe.clip is not None:
            grid["w_clip"] = [0.0, 0.5, 1.0, 2.0]
        fitted = fit(F, y, pipe.out_of_scope, in_scope, base, grid, abstain=True)
        out["images"] = {
            "settings": fitted,
            "fit": apply(F, y, pipe.out_of_scope, in_scope, base, fitted, True),
        }
        if cv:
            out["images"]["cross_validated"] = cross_validate(F, y, pipe.out_of_scope, in_scope, base, grid, True)
        if write:
            keep = {k: v for k, v in labels.settings.items() if k not in fitted}
            write_settings(str(DEFAULT_IMAGE_LABELS), {**keep, **fitted})
    if texts and os.path.exists(os.path.join(root, "texts.csv")):
        labels = LabelSet.default_topics()
        clf = school_topic_classifier(school_faq(root))
        names = labels.all_names
        y_names, rows = collect_text_features(root, clf, show_progress=show_progress)
        y = np.array([names.index(n) for n in y_names])
        F = stack_features(rows)
        in_scope = np.ones(len(names), dtype=bool)
        base = dict(clf.settings)
        fitted = fit(F, y, clf.fallback, in_scope, base, TEXT_GRID, abstain=False)
        out["texts"] = {"settings": fitted, "fit": apply(F, y, clf.fallback, in_scope, base, fitted, False)}
        if cv:
            out["texts"]["cross_validated"] = cross_validate(F, y, clf.fallback, in_scope, base, TEXT_GRID, False)
        if write:
            keep = {k: v for k, v in labels.settings.items() if k not in fitted}
            write_settings(str(DEFAULT_TOPIC_LABELS), {**keep, **fitted})
    return out


__all__ = ["calibrate", "fit", "cross_validate", "fit_temperature", "fit_threshold", "write_settings",
           "collect_image_features", "collect_text_features"]
