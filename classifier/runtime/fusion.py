"""Fusion of the signals into one calibrated distribution over a label set.

The fused logit of intent ``c`` is linear in the signals (a conditional logit):

``logit_c = Σ w_<text>_<signal> · signal_c``  for each text (``ocr``: the screenshots' OCR text, ``focus``: its
lines with problem cues, ``user``: the student's words) and signal (``sem``: sentence-encoder similarity,
``kw``: keyword stems, ``ng``: character n-grams), ``+ w_clip · clip_c`` (log-probabilities from CLIP, when it
ran) ``+ w_mem · memory_c`` (similarity to operators' corrections), ``+ fallback_c · bias`` where ``fallback``
marks the out-of-scope pseudo-labels (for messages: the ``fallback_label`` topic) and

``bias = other_bias + nocue_bias·[OCR text without a problem cue, no words from the student]
+ empty_bias·[fewer than min_words words]
+ foreign_bias·[another brand or site is named, the school is not] − school_bias·[the school is named]
− edu_bias·log1p(stems of the vocabulary of online education)
− faq_bias·log1p(words of the school's own FAQ that the shipped label texts never use)`` (``runtime.school_terms``).

Probabilities are ``softmax(logit / temperature)``. Every weight, the temperature and the abstain threshold live
in the label set's ``settings``: fitted by ``python -m classifier calibrate`` on the development school (stored in
the shipped YAML) and refitted by a desk on its own labelled tickets (``manage.py classifier_fit``).

Features are kept apart from the weights (``ticket_features`` / ``fused_logits`` / ``design_matrix``) so fitting
can refit the weights without running OCR again.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from .labels import LabelSet
from .signals import TextScorer

TEXTS = ("ocr", "focus", "user")
SIGNALS = ("sem", "kw", "ng")
# Per-intent signals, in the order of the weight vector; each has the setting "w_<name>".
# "faqtop": the retrieval score of the school's best-matching FAQ entry, on that entry's topic only (messages
# given the school's FAQ; zero elsewhere). "e5top": a second encoder's (e5) hubness-corrected nearest label text
# (messages; ``runtime.messages.SecondOpinion``; zero elsewhere).
LABEL_FEATURES = tuple(f"{t}_{s}" for t in TEXTS for s in SIGNALS) + ("clip", "mem", "faqtop", "e5top")
# 0/1 flags added to the fallback intents; each has the setting "<name>_bias" (school_bias counts negatively).
FALLBACK_FLAGS = ("other", "nocue", "empty", "foreign", "school", "edu", "faq")
# Each per-intent signal has one weight for the in-scope intents ("w_<name>") and one for the fallback intents
# ("w_<name>_fallback"): how much a food-delivery word says for "other" need not equal what a payment word
# says for "payment-problem".
WEIGHT_KEYS = (tuple(f"w_{name}" for name in LABEL_FEATURES) + tuple(f"w_{name}_fallback" for name in LABEL_FEATURES)
               + tuple(f"{name}_bias" for name in FALLBACK_FLAGS))
FLAG_SIGNS = {"other": 1.0, "nocue": 1.0, "empty": 1.0, "foreign": 1.0, "school": -1.0, "edu": -1.0, "faq": -1.0}

DEFAULT_SETTINGS: dict[str, float] = {
    "w_ocr_sem": 10.0, "w_ocr_kw": 1.0, "w_ocr_ng": 0.0,
    "w_focus_sem": 5.0, "w_focus_kw": 0.5, "w_focus_ng": 0.0,
    "w_clip": 1.0,
    "w_mem": 0.0,  # operators' corrections: off until a fit on corrections says how much they weigh
    "w_faqtop": 0.0,  # the school's best FAQ entry's topic: off until a fit with the school's FAQ weighs it
    "w_e5top": 0.0,  # e5's second opinion: off unless a fit weighs it (messages only)
    "other_bias": 0.0,
    "nocue_bias": 0.0,  # the OCR text has no problem cue at all and the student wrote nothing
    "empty_bias": 3.0,  # the ticket has fewer than min_words words
    "foreign_bias": 0.0,  # another site is named and the school is not
    "school_bias": 0.0,  # the school (name, site, merchant alias) is named
    "edu_bias": 0.0,  # per log1p(stems of the general vocabulary of online education)
    "faq_bias": 0.0,  # per log1p(words of the school's own FAQ that no shipped label text uses)
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
        f["clip"] = np.mean([np.log(np.clip(p, 1e-6, 1.0)) for p in clip_probs], axis=0)
        f["has_clip"] = np.array(1.0)
    else:
        f["clip"] = z
        f["has_clip"] = np.array(0.0)
    f["mem"] = scorer.memory(ocr_text, user_text)
    f["faqtop"] = z  # set by the message classifier when it has the school's FAQ (``runtime.messages``)
    f["e5top"] = z  # set by the message classifier's second opinion (``runtime.messages``)
    named, foreign, edu = scorer.school_evidence(f"{ocr_text}\n{user_text}")
    f["school"] = np.array(float(named))
    f["foreign"] = np.array(float(foreign))
    f["edu"] = np.array(float(edu))
    f["faq"] = np.array(float(scorer.school_term_evidence(f"{ocr_text}\n{user_text}")))
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


def fallback_flags(f: Mapping[str, np.ndarray], min_words: float) -> dict[str, np.ndarray]:
    """The 0/1 flags of ``FALLBACK_FLAGS`` (each of shape (1,) or (N, 1))."""
    return {
        "other": np.ones_like(f["has_ocr"]),
        # nothing on the screenshots reads like a problem, and the student wrote nothing: a student who writes
        # to support has a problem, whatever the screen shows
        "nocue": f["has_ocr"] * (1.0 - f["has_focus"]) * (1.0 - f["has_user"]),
        "empty": (f["words"] < min_words).astype(np.float64),
        "foreign": f["foreign"],
        "school": f["school"],
        "edu": f["edu"],
        "faq": f.get("faq", np.zeros_like(f["edu"])),
    }


def design_matrix(f: Mapping[str, np.ndarray], fallback: np.ndarray, min_words: float) -> np.ndarray:
    """The features as a matrix ``(N, L, P)`` (or ``(L, P)`` for one ticket) in ``WEIGHT_KEYS`` order.

    ``fused_logits`` is ``design_matrix(...) @ weights`` divided by nothing (the temperature is applied by
    ``softmax``); the fitting code uses the matrix directly.
    """
    # features stored before a signal existed (a desk's stored signals have no "faqtop") count as zero
    label_columns = [np.asarray(f[name] if name in f else np.zeros_like(np.asarray(f["mem"], dtype=np.float64)),
                                dtype=np.float64) for name in LABEL_FEATURES]
    columns = [c * (1.0 - fallback) for c in label_columns] + [c * fallback for c in label_columns]
    flags = fallback_flags(f, min_words)
    columns += [FLAG_SIGNS[name] * flags[name] * fallback for name in FALLBACK_FLAGS]
    return np.stack(np.broadcast_arrays(*columns), axis=-1)


def weight_vector(s: Mapping[str, float]) -> np.ndarray:
    """The weights in ``WEIGHT_KEYS`` order. A weight that was never fitted takes its twin's: a fallback weight
    its in-scope one, a weight of the student's words that of the OCR text (screenshot sets carry no student
    text, so the student's words count as much as the same words on the screen)."""
    def value(key: str) -> float:
        if key in s:
            return float(s[key])
        if key.endswith("_fallback"):
            return value(key[: -len("_fallback")])
        if key.startswith("w_user_"):
            return value("w_ocr_" + key[len("w_user_"):])
        return float(DEFAULT_SETTINGS[key])

    return np.array([value(key) for key in WEIGHT_KEYS])


def fused_logits(f: Mapping[str, np.ndarray], s: Mapping[str, float], fallback: np.ndarray) -> np.ndarray:
    """The fusion rule (one ticket's features or stacked ones). ``fallback`` marks the intents that absorb
    "no evidence" (out-of-scope pseudo-labels, or for messages the ``fallback_label`` topic)."""
    return design_matrix(f, fallback, float(s["min_words"])) @ weight_vector(s)


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


__all__ = ["DEFAULT_SETTINGS", "WEIGHT_KEYS", "LABEL_FEATURES", "FALLBACK_FLAGS", "softmax", "settings_of",
           "ticket_features", "stack_features", "design_matrix", "weight_vector", "fused_logits",
           "out_of_scope_vector", "fallback_vector"]
