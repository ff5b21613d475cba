"""Does a student's message need a live operator?  Django-free.

An operator must act on: angry complaints, refund disputes, legal threats, personal-data requests, anything
that needs the student's own records looked up or fixed (payments, orders, blocked/hacked accounts, missing
access or certificates), bug reports, appeals, and requests the FAQ cannot answer.

The judgement is a small logistic model over generic, named features:

* regular-expression cues per category and the max sentence-encoder similarity to hand-written prototypes
  (``faq_data/needs_human.yaml``; Russian + English, nothing from any school's FAQ or messages),
* "specific case" cues: elapsed time ("уже 10 дней", "до сих пор"), first person, numbers/identifiers,
* style: exclamation marks, CAPS,
* how well the FAQ covers the message (top retrieval scores from ``FaqIndex``) -- low coverage → human,
* off-topic: a topic prediction of ``offtopic`` (or, without one, similarity to chit-chat prototypes).

Weights and the decision threshold are in ``faq/data/thresholds.yaml`` → ``needs_human`` and are refitted
with ``python -m classifier faq-fit DIR``. A new cue category is data (``faq/data/needs_human.yaml``); a new
feature is a name in ``FEATURES``, its value in ``feature_vector`` and a refit.
"""
from __future__ import annotations

import math
import re
import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from ..runtime.encoders import SentenceEncoder
from ..runtime.textnorm import normalise_text
from .index import FaqHit
from .params import OFFTOPIC, load_data, load_params

FEATURES: tuple[str, ...] = (
    "re_legal_threat", "re_refund_dispute", "re_angry_complaint", "re_personal_data", "re_account_lookup",
    "re_documents_request", "re_bug_report", "re_appeal", "re_not_in_faq_request",
    "proto_max", "proto_margin",
    "case_elapsed", "case_first_person", "case_specific",
    "exclaim", "caps",
    "question_form", "length", "narrative",
    "faq_dq", "faq_score", "faq_bm",
    "offtopic",
)
# Cue categories that override an "off-topic" verdict (the message then goes through the model).
STRONG_CUES = ("legal_threat", "refund_dispute", "personal_data", "account_lookup", "bug_report")
_QUESTION_START = re.compile(
    r"^\s*(подскажите,?\s*)?(как|где|когда|какие|какой|какая|каков|сколько|можно|можно ли|есть ли|есть|будет|"
    r"нужен|нужна|нужно ли|что такое|что будет|чем|почему|зачем|кто|куда|ли|a|а)\b|"
    r"^\s*(how|what|where|when|is|are|can|do|does|will|which|who)\b"
)
_PAST_VERB = re.compile(r"\b[а-я]{3,}(ил|ал|ял|ел|ыл)(а|и|ся|ась|ось|ись)?\b")
_CAPS = re.compile(r"\b[A-ZА-ЯЁ]{3,}\b")
_CAPS_OK = re.compile(r"^(SMS|СМС|СБП|ФИО|ИНН|ООО|ИП|PDF|URL|API|VPN|IT|UX|UI|USD|RUB|GDPR|ФЗ|QR|HR|CV|ID|"
                      r"DS|ML|AI|SQL|PL|IOS|MAC|PC)$")


@lru_cache(maxsize=1)
def cue_config() -> dict[str, Any]:
    data = load_data("needs_human.yaml")
    cats = {}
    for name, c in (data.get("categories") or {}).items():
        cats[name] = {
            "patterns": [re.compile(p, re.I) for p in c.get("patterns") or []],
            "prototypes": list(c.get("prototypes") or []),
        }
    case = {k: [re.compile(p, re.I) for p in v] for k, v in (data.get("case_cues") or {}).items()}
    return {"categories": cats, "case": case, "offtopic": list(data.get("offtopic_prototypes") or [])}


# Per encoder (weakly: an encoder dropped by its owner takes its prototype vectors with it).
_PROTO_CACHE: "weakref.WeakKeyDictionary[Any, tuple[np.ndarray, list[str], np.ndarray]]" = weakref.WeakKeyDictionary()


def _prototypes(encoder) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(human prototype embeddings, their category per row, off-topic prototype embeddings), per encoder."""
    cached = _PROTO_CACHE.get(encoder)
    if cached is None:
        cfg = cue_config()
        texts, cats = [], []
        for name, c in cfg["categories"].items():
            texts += c["prototypes"]
            cats += [name] * len(c["prototypes"])
        emb = np.asarray(encoder.encode(texts + cfg["offtopic"]), np.float32)
        cached = _PROTO_CACHE[encoder] = (emb[: len(texts)], cats, emb[len(texts):])
    return cached


@dataclass(frozen=True)
class NeedsHumanResult:
    needs_human: bool
    score: float
    reasons: list[str]
    features: dict[str, float]

    @property
    def offtopic(self) -> bool:
        return bool(self.features.get("offtopic"))


def feature_vector(
    text: str,
    *,
    hits: Sequence[FaqHit] | None = None,
    topic: str | None = None,
    encoder: SentenceEncoder | None = None,
    query_emb: np.ndarray | None = None,
    params: dict[str, Any] | None = None,
) -> tuple[dict[str, float], list[str]]:
    """Named features of one message, and the human-readable cue categories that fired."""
    cfg = cue_config()
    t = normalise_text(text)
    f: dict[str, float] = {}
    fired: list[str] = []
    for name, c in cfg["categories"].items():
        hit = any(p.search(t) for p in c["patterns"])
        f[f"re_{name}"] = float(hit)
        if hit:
            fired.append(name)
    f["proto_max"] = f["proto_margin"] = 0.0
    off_sim = 0.0
    if encoder is not None and text.strip():
        if query_emb is None:
            query_emb = encoder.encode([text])[0]
        pe, pcats, oe = _prototypes(encoder)
        sims = pe @ np.asarray(query_emb, np.float32)
        best = int(np.argmax(sims))
        f["proto_max"] = float(sims[best])
        off_sim = float((oe @ np.asarray(query_emb, np.float32)).max()) if len(oe) else 0.0
        f["proto_margin"] = f["proto_max"] - off_sim
        if f["proto_max"] >= 0.6 and pcats[best] not in fired:
            fired.append(f"{pcats[best]}~")
    case = cfg["case"]
    f["case_elapsed"] = float(any(p.search(t) for p in case.get("elapsed", [])))
    f["case_first_person"] = float(any(p.search(t) for p in case.get("first_person_problem", [])))
    f["case_specific"] = float(any(p.search(t) for p in case.get("specific_data", [])))
    f["exclaim"] = min(text.count("!"), 3) / 3.0
    f["caps"] = float(any(not _CAPS_OK.match(w) for w in _CAPS.findall(text)))
    f["question_form"] = float(bool(_QUESTION_START.search(t)) or t.rstrip().endswith("?"))
    n_words = len(re.findall(r"\w+", t))
    f["length"] = min(n_words, 40) / 40.0
    # a told story ("оплатила…, потом передумала…", "I paid… and then…") rather than a question
    f["narrative"] = min(len(_PAST_VERB.findall(t)) + len(re.findall(r"\b(paid|bought|tried|was|got|did)\b", t)),
                         3) / 3.0
    if hits:
        f["faq_dq"] = float(hits[0].features.get("dq", hits[0].score))
        f["faq_score"] = float(hits[0].score)
        f["faq_bm"] = float(hits[0].features.get("bm", 0.0))
    else:
        f["faq_dq"] = f["faq_score"] = f["faq_bm"] = 0.0
    fb = (params or load_params()).get("offtopic_fallback", {"margin": 0.0, "min_domain_sim": 0.3})
    if topic is not None and (topic == OFFTOPIC or not fb.get("also_with_topic")):
        f["offtopic"] = float(topic == OFFTOPIC)
    elif encoder is not None and text.strip():
        # No topic prediction: chit-chat that is about as close to the off-topic prototypes as to anything
        # school-related (the FAQ's questions, the needs-human prototypes), or close to nothing at all.
        domain = max(f["faq_dq"], f["proto_max"]) if hits is not None else f["proto_max"]
        f["offtopic"] = float(off_sim - domain > fb["margin"] or domain < fb["min_domain_sim"])
    else:
        f["offtopic"] = 0.0
    strong = [c for c in STRONG_CUES if f.get(f"re_{c}")]
    if f["offtopic"] and strong:
        # a legal threat or a refund demand is never waved away as chit-chat, whatever the topic says
        f["offtopic"] = 0.0
    if f["case_elapsed"]:
        fired.append("ongoing case")
    return f, fired


def score_features(f: dict[str, float], params: dict[str, Any] | None = None) -> float:
    p = (params or load_params())["needs_human"]
    z = float(p["bias"]) + sum(float(w) * f.get(name, 0.0) for name, w in p["weights"].items())
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


def judge_needs_human(
    text: str,
    *,
    hits: Sequence[FaqHit] | None = None,
    topic: str | None = None,
    encoder: SentenceEncoder | None = None,
    query_emb: np.ndarray | None = None,
    params: dict[str, Any] | None = None,
) -> NeedsHumanResult:
    p = params or load_params()
    if not (text or "").strip():
        return NeedsHumanResult(False, 0.0, ["empty"], {})
    f, fired = feature_vector(text, hits=hits, topic=topic, encoder=encoder, query_emb=query_emb, params=p)
    if f["offtopic"]:
        return NeedsHumanResult(False, 0.0, ["offtopic"], f)
    s = score_features(f, p)
    flag = s >= float(p["needs_human"]["threshold"])
    reasons = list(fired)
    if flag and f["faq_dq"] < float(p["needs_human"].get("faq_low", 0.5)):
        reasons.append("not covered by the FAQ")
    return NeedsHumanResult(flag, s, reasons, f)


__all__ = ["FEATURES", "STRONG_CUES", "NeedsHumanResult", "cue_config", "feature_vector", "score_features",
           "judge_needs_human"]
