"""Offline text signals and their fusion into one calibrated distribution.

Signals (each a score per intent, computed for one piece of text: OCR output or the student's words):

* ``semantic`` — sentence-encoder similarity. The text is cut into segments (OCR lines and
  windows of consecutive lines, plus the whole text); each segment is compared with every
  description/example of every intent; an intent's score is the mean of its top-k similarities for the
  best segments. Segments make short error messages ("Платёж отклонён") count even when the screenshot
  is full of navigation chrome.
* ``keywords`` — lexical evidence: distinct keyword stems of the intent found in the text (stems shared
  by several intents count less), squashed with log1p. Robust to OCR noise in the rest of the line.
* ``ngrams`` — character 3-gram TF-IDF cosine between the text and the intent's texts.
* ``clip`` (optional, added by the pipeline) — log-probabilities from CLIP.

Fusion: ``logit = w_sem*semantic + w_kw*keywords + w_ng*ngrams + w_clip*clip + bias`` (out-of-scope
intents get ``other_bias``, and an extra ``empty_bias`` when the text has almost no words), then
``softmax(logit / temperature)``. Weights, temperature and the abstain threshold live in the label
set's ``settings`` (fitted by ``python -m classifier calibrate``).
"""
from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from .labels import LabelSet
from .text import CachedEncoder

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

_WORD_RE = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def normalise_text(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").split())


def count_words(text: str) -> int:
    return len(_WORD_RE.findall(text or ""))


def segments_of(text: str, max_segments: int = 60, window: int = 3) -> list[str]:
    """Whole text + meaningful lines + windows of ``window`` consecutive lines (deduplicated)."""
    lines = [ln.strip() for ln in (text or "").splitlines() if count_words(ln) >= 1]
    lines = [ln for ln in lines if len(ln) >= 4]
    segs: list[str] = []
    if lines:
        segs.append(" ".join(lines)[:2000])
    for i in range(len(lines)):
        if count_words(lines[i]) >= 2:
            segs.append(lines[i])
        if window > 1 and i + window <= len(lines):
            segs.append(" ".join(lines[i:i + window]))
    segs = list(dict.fromkeys(segs))
    return segs[:max_segments]


def compile_keyword(stem: str) -> re.Pattern[str]:
    """A keyword is a stem matched at a word start, a phrase matched anywhere, or ``re:<regex>``."""
    if stem.startswith("re:"):
        return re.compile(stem[3:], re.IGNORECASE)
    stem = normalise_text(stem)
    if re.fullmatch(r"[^\W\d_]+", stem):
        return re.compile(r"(?<![^\W\d_])" + re.escape(stem))
    return re.compile(re.escape(stem))


def focus_text(text: str, cues: Sequence[re.Pattern[str]], context: int = 1) -> str:
    """Lines that carry a problem cue, with ``context`` neighbouring lines (empty if no cue)."""
    lines = [ln for ln in (text or "").splitlines() if ln.strip()]
    keep: set[int] = set()
    for i, line in enumerate(lines):
        norm = normalise_text(line)
        if any(p.search(norm) for p in cues):
            keep.update(range(max(0, i - context), min(len(lines), i + context + 1)))
    return "\n".join(lines[i] for i in sorted(keep))


def softmax(x: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(x, dtype=np.float64) / max(float(temperature), 1e-6)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass
class TextSignals:
    """Raw per-intent signal arrays for one text (order = label_set.all_names)."""

    semantic: np.ndarray
    keywords: np.ndarray
    ngrams: np.ndarray
    n_words: int
    embedding: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)


class _NgramIndex:
    """Character 3-gram TF-IDF vectors of each intent's texts (tiny, pure python + numpy)."""

    def __init__(self, docs: Sequence[str]):
        self.vocab: dict[str, int] = {}
        rows = [self._grams(d) for d in docs]
        for grams in rows:
            for g in grams:
                self.vocab.setdefault(g, len(self.vocab))
        df = np.zeros(len(self.vocab))
        for grams in rows:
            for g in set(grams):
                df[self.vocab[g]] += 1
        self.idf = np.log((1 + len(docs)) / (1 + df)) + 1.0
        self.mat = np.stack([self._vec(g) for g in rows]) if rows else np.zeros((0, len(self.vocab)))

    @staticmethod
    def _grams(text: str) -> list[str]:
        out = []
        for word in _WORD_RE.findall(normalise_text(text)):
            w = f" {word} "
            out.extend(w[i:i + 3] for i in range(len(w) - 2))
        return out

    def _vec(self, grams: Sequence[str]) -> np.ndarray:
        v = np.zeros(len(self.vocab))
        for g in grams:
            j = self.vocab.get(g)
            if j is not None:
                v[j] += 1
        v = np.log1p(v) * self.idf
        n = np.linalg.norm(v)
        return v / n if n > 0 else v

    def similarity(self, text: str) -> np.ndarray:
        return self.mat @ self._vec(self._grams(text))


class TextScorer:
    """Computes the offline signals of a text against one label set. Build once, reuse (thread-safe)."""

    def __init__(self, labels: LabelSet, encoder: CachedEncoder):
        self.labels = labels
        self.encoder = encoder
        self.names = labels.all_names
        texts: list[str] = []
        owner: list[int] = []
        for idx, intent in enumerate(labels.intents):
            for t in intent.texts or [intent.name]:
                texts.append(t)
                owner.append(idx)
        self._texts = texts
        self._owner = np.asarray(owner)
        self._label_emb = encoder.encode(texts)
        self._masks = [self._owner == i for i in range(len(self.names))]
        # keyword stems: weight 1/(number of intents sharing the stem)
        stems: dict[str, set[int]] = {}
        for idx, intent in enumerate(labels.intents):
            for kw in intent.keywords:
                key = kw if kw.startswith("re:") else normalise_text(kw)
                stems.setdefault(key, set()).add(idx)
        self._cues = [compile_keyword(c) for c in getattr(labels, "cues", []) or []]
        self._kw: list[list[tuple[re.Pattern[str], float]]] = [[] for _ in self.names]
        for stem, owners in stems.items():
            if not stem:
                continue
            pat = compile_keyword(stem)
            for idx in owners:
                self._kw[idx].append((pat, 1.0 / len(owners)))
        docs = [" ".join(intent.texts + intent.keywords) for intent in labels.intents]
        self._ngrams = _NgramIndex(docs)
        self._lock = threading.Lock()

    def semantic(self, text: str, top_k: int = 3) -> tuple[np.ndarray, np.ndarray | None]:
        segs = segments_of(text)
        if not segs:
            return np.zeros(len(self.names)), None
        emb = self.encoder.encode(segs)  # (S, D)
        sims = emb @ self._label_emb.T  # (S, T)
        scores = np.zeros(len(self.names))
        for i, mask in enumerate(self._masks):
            block = sims[:, mask]
            k = min(top_k, block.shape[1])
            topk = np.sort(block, axis=1)[:, -k:].mean(axis=1)  # per segment
            scores[i] = float(topk.max())
        return scores, emb[0]

    def keywords(self, text: str) -> np.ndarray:
        norm = normalise_text(text)
        out = np.zeros(len(self.names))
        if not norm:
            return out
        for i, pats in enumerate(self._kw):
            total = sum(w for pat, w in pats if pat.search(norm))
            out[i] = math.log1p(total)
        return out

    def ngrams(self, text: str) -> np.ndarray:
        return self._ngrams.similarity(text)

    def focus(self, text: str) -> str:
        return focus_text(text, self._cues) if self._cues else ""

    def signals(self, text: str, top_k: int = 3) -> TextSignals:
        sem, emb = self.semantic(text, top_k=top_k)
        return TextSignals(
            semantic=sem,
            keywords=self.keywords(text),
            ngrams=self.ngrams(text),
            n_words=count_words(text),
            embedding=emb,
        )


def settings_of(labels: LabelSet, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    s = dict(DEFAULT_SETTINGS)
    s.update({k: v for k, v in (labels.settings or {}).items() if not isinstance(v, (dict, list))})
    if overrides:
        s.update({k: v for k, v in overrides.items() if v is not None})
    return s


def ticket_features(scorer: TextScorer, ocr_text: str, user_text: str = "",
                    clip_probs: Sequence[np.ndarray] = (), top_k: int = 3) -> dict[str, np.ndarray]:
    """Every raw signal of one ticket, as arrays over ``scorer.names`` (plus 0/1 flags and counts).

    Kept separate from the weights so calibration can refit weights without re-running OCR.
    """
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


def fallback_vector(labels: LabelSet, settings: Mapping[str, object]) -> np.ndarray:
    oos = np.array([0.0 if i.in_scope else 1.0 for i in labels.intents])
    if oos.any():
        return oos
    name = settings.get("fallback_label")
    return np.array([1.0 if i.name == name else 0.0 for i in labels.intents])


__all__ = [
    "DEFAULT_SETTINGS",
    "TextScorer",
    "TextSignals",
    "segments_of",
    "softmax",
    "settings_of",
    "ticket_features",
    "stack_features",
    "fused_logits",
    "fallback_vector",
    "normalise_text",
    "count_words",
]
