"""Fusion of the signals into one calibrated distribution over a label set.

``logit = w_sem*semantic + w_kw*keywords + w_ng*ngrams`` for each text (OCR, its "focus" lines with
problem cues, the student's words; weights ``1``, ``w_focus``, ``w_user_text``) ``+ w_clip*clip``
(log-probabilities from CLIP, when it ran) ``+ bias`` (out-of-scope intents get ``other_bias``, an extra
``nocue_bias`` when the OCR text has no problem cue, and ``empty_bias`` when the text has almost no
words), then ``softmax(logit / temperature)``. Weights, temperature and the abstain threshold live in the
label set's ``settings`` (fitted by ``python -m classifier calibrate``).

Features are kept apart from the weights (``ticket_features`` / ``fused_logits``) so calibration can
refit the weights without running OCR again.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from .labels import LabelSet
from .signals import TextScorer

DEFAULT_SETTINGS: dict[str, float] = {
    "w_sem": 10.0,
    "w_kw": 1.0,
    "w_ng": 0.0,
    "w_clip": 1.0,
    "w_focus": 0.5,  # weight of the "focus" text (lines with problem cues) relative to the whole OCR text
    "nocue_bias": 0.0,  # added to out-of-scope intents when OCR text has no problem cue at all
    "w_user_text": 1.0,  # weight of the student's own message relative to the screenshot text
    "other_bias": 0.0,
    "empty_bias": 3.0,  # added to out-of-scope intents when the text has fewer than min_words words
    "min_words": 3,
    "temperature": 1.0,
    "threshold": 0.5,
    "top_k": 3,
}


def softmax(x: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(x, dtype=np.float64) / max(float(temperature), 1e-6)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def settings_of(labels: LabelSet, overrides: Mapping[str, float | None] | None = None) -> dict[str, float]:
    """The code defaults, overridden by the label set's fitted settings, overridden by non-None ``overrides``."""
    s = dict(DEFAULT_SETTINGS)
    s.update({k: v for k, v in (labels.settings or {}).items() if not isinstance(v, (dict, list))})
    if overrides:
        s.update({k: v for k, v in overrides.items() if v is not None})
    return s


def ticket_features(scorer: TextScorer, ocr_text: str, user_text: str = "",
                    clip_probs: Sequence[np.ndarray] = (), top_k: int = 3) -> dict[str, np.ndarray]:
    """Every raw signal of one ticket, as arrays over ``scorer.names`` (plus 0/1 flags and counts)."""
    n = len(scorer.names)
    z = np.zeros(n)
    f: dict[str, np.ndarray] = {}
    full = scorer.signals(ocr_text, top_k=top_k) if ocr_text.strip() else None
    focus_txt = scorer.focus(ocr_text) if full is not None else ""
    focus = scorer.signals(focus_txt, top_k=top_k) if focus_txt.strip() else None
    user = scorer.signals(user_text, top_k=top_k) if user_text.strip() else None
    for prefix, sig in (("ocr", full), ("focus", focus), ("user", user)):
        f[f"{prefix}_sem"] = sig.semantic if sig else z
        f[f"{prefix}_kw"] = sig.keywords if sig else z
        f[f"{prefix}_ng"] = sig.ngrams if sig else z
        f[f"has_{prefix}"] = np.array(1.0 if sig else 0.0)
    f["words"] = np.array(float((full.n_words if full else 0) + (user.n_words if user else 0)))
    if clip_probs:
        f["clip_logp"] = np.mean([np.log(np.clip(p, 1e-6, 1.0)) for p in clip_probs], axis=0)
        f["has_clip"] = np.array(1.0)
    else:
        f["clip_logp"] = z
        f["has_clip"] = np.array(0.0)
    f["_ocr_embedding"] = full.embedding if full is not None else None  # type: ignore[assignment]
    f["_user_embedding"] = user.embedding if user is not None else None  # type: ignore[assignment]
    return f


def stack_features(rows: Sequence[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Stack per-ticket feature dicts into (N, L) arrays and (N, 1) flags for vectorised fusion."""
    keys = [k for k in rows[0] if not k.startswith("_")]
    out = {}
    for k in keys:
        arr = np.stack([np.asarray(r[k], dtype=np.float64) for r in rows])
        out[k] = arr[:, None] if arr.ndim == 1 else arr
    return out


def fused_logits(f: Mapping[str, np.ndarray], s: Mapping[str, float], fallback: np.ndarray) -> np.ndarray:
    """The fusion rule (works on one ticket's features or on stacked ones).

    ``fallback`` marks the intents that absorb "no evidence" (out-of-scope pseudo-labels, or for
    messages the ``fallback_label`` topic such as offtopic).
    """
    def block(prefix: str) -> np.ndarray:
        return s["w_sem"] * f[f"{prefix}_sem"] + s["w_kw"] * f[f"{prefix}_kw"] + s["w_ng"] * f[f"{prefix}_ng"]

    logits = block("ocr") + s["w_focus"] * block("focus") + s["w_user_text"] * block("user")
    logits = logits + s["w_clip"] * f["clip_logp"]
    has_ocr, has_focus = f["has_ocr"], f["has_focus"]
    logits = logits + s["nocue_bias"] * fallback * has_ocr * (1.0 - has_focus)
    logits = logits + s["other_bias"] * fallback
    logits = logits + s["empty_bias"] * fallback * (f["words"] < s["min_words"])
    return logits


def out_of_scope_vector(labels: LabelSet) -> np.ndarray:
    """1.0 for each out-of-scope pseudo-label (``in_scope: false``), in ``labels.all_names`` order."""
    return np.array([0.0 if i.in_scope else 1.0 for i in labels.intents])


def fallback_vector(labels: LabelSet, settings: Mapping[str, object]) -> np.ndarray:
    """The intents that absorb "no evidence": the out-of-scope ones, else the ``fallback_label`` topic."""
    oos = out_of_scope_vector(labels)
    if oos.any():
        return oos
    name = settings.get("fallback_label")
    return np.array([1.0 if i.name == name else 0.0 for i in labels.intents])


__all__ = ["DEFAULT_SETTINGS", "softmax", "settings_of", "ticket_features", "stack_features", "fused_logits",
           "out_of_scope_vector", "fallback_vector"]
