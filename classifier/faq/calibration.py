"""Self-calibration from a school's own FAQ, at deployment: ``calibrate_faq``.

A school installs the desk and imports its FAQ; nothing else about it is labelled. Its questions and
alternative questions are labelled queries all the same:

* **covered** — each question, held out of its own entry (leave-one-out: the entry keeps its other
  phrasings and its answer), should retrieve that entry, and needs no person (the FAQ answers it);
* **not covered** — each question, with its whole entry removed from the FAQ, has no right answer: any
  automatic answer to it is wrong (a student asking what the FAQ does not say).

What is applied (``FaqCalibration.apply``): the needs-human threshold. The shipped needs-human model (fitted on
the development school) scores a new school's plain, answerable FAQ questions higher when that school writes
differently; the threshold is moved by how much higher, at the 90th percentile, than the development school's
own held-out questions (``calibration_reference`` in ``thresholds.yaml``, written by ``faq-fit --write`` from
the development FAQ with this same function, so on that school the shift is 0).

What is measured and stored but not applied: the lowest auto-answer threshold keeping ``TARGET_PRECISION`` on
the held-out questions. On both schools tried no threshold reaches it (a removed entry's questions retrieve its
nearest sibling with a high score), and moving ``min_score`` by the schools' difference lowered precision on the
second school (docs/experiments/faq.md).

For the school's FAQ editor, ``faq_health`` reads the same covered queries per entry (no retrieval of its own):
how many of an entry's phrasings, asked without themselves, find it first, which entries they find instead (two
entries a student's question cannot tell apart), and the entries with one phrasing only, which cannot be checked.

Cost: one small index (BM25 + char n-grams, embeddings reused) per held-out question: ~10 s for 35 entries with
100 questions on one core, paid when the FAQ is imported or refitted, never per message.
"""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

from ..runtime.encoders import SentenceEncoder
from .documents import FaqDocument
from .index import FaqIndex
from .params import load_params

TARGET_PRECISION = 0.97  # on the held-out questions; real messages are noisier, hence above the product's 0.95
MIN_QUERIES = 8  # fewer held-out questions than this: too few to fit a threshold, the shipped one is kept
# Held-out precision is counted with this many extra wrong answers (a Laplace-like pessimism): with ~100
# queries one lucky threshold would otherwise pass 0.97 by a single query.
PESSIMISM = 1.0
# The needs-human threshold is moved by the difference of the needs-human probability of the school's own
# held-out FAQ questions (answerable, so a person is never needed) and the development school's at this
# quantile: a school whose plain questions look "needy" to the shipped model gets a higher threshold.
REFERENCE_QUANTILE = 0.9
MAX_SHIFT = 0.3  # never moved further than this (a tiny or odd FAQ must not switch the model off)


@dataclass(frozen=True)
class HeldOut:
    """One held-out query's retrieval outcome: the top score, its margin, the agreeing signals, right or not."""

    top: float
    margin: float
    votes: float
    correct: bool
    covered: bool
    question: str = ""
    hits: tuple = ()
    gold: str | None = None  # the entry a covered query should find (None: its entry was removed)


@dataclass(frozen=True)
class FaqCalibration:
    """What a school's own FAQ says about its scales, and the needs-human threshold fitted from it."""

    version: str
    nh_quantile_score: float  # needs-human probability at REFERENCE_QUANTILE of its covered held-out questions
    held_out_threshold: float  # lowest min_score keeping TARGET_PRECISION on the held-out questions (reported)
    covered_score: float  # median top score of a held-out question whose entry is in the FAQ
    uncovered_score: float  # median top score of a question whose entry was removed
    n_covered: int
    n_uncovered: int
    loo_top1: float  # share of covered held-out questions whose own entry comes first
    precision: float  # held-out precision at held_out_threshold
    coverage: float  # share of covered held-out questions answered at held_out_threshold
    fitted: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "FaqCalibration | None":
        if not d or "version" not in d:
            return None
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})

    def needs_human_threshold(self, params: dict[str, Any]) -> float:
        """The shipped needs-human threshold moved by as much as this school's held-out FAQ questions score
        above (or below) the development school's at the same quantile; the shipped one when not fitted."""
        shipped = float(params["needs_human"]["threshold"])
        ref = params.get("calibration_reference") or {}
        if not self.fitted or "nh_quantile_score" not in ref:
            return shipped
        moved = shipped + (self.nh_quantile_score - float(ref["nh_quantile_score"]))
        return float(min(max(moved, shipped - MAX_SHIFT), shipped + MAX_SHIFT))

    def apply(self, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` with this school's fitted numbers in place (a copy; ``params`` is left as it is)."""
        out = copy.deepcopy(params)
        out["needs_human"]["threshold"] = round(self.needs_human_threshold(params), 4)
        out["calibration_version"] = self.version
        return out


def _without(entries: Sequence[FaqDocument], i: int, question: str | None) -> list[FaqDocument]:
    """The FAQ with entry ``i`` removed (question None) or with one of its phrasings held out."""
    if question is None:
        return [e for j, e in enumerate(entries) if j != i]
    e = entries[i]
    qs = list(e.questions)
    qs.remove(question)  # one occurrence: an entry listing a phrasing twice keeps the other
    kept = FaqDocument(e.id, e.topic, qs[0], tuple(qs[1:]), e.answer)
    return [kept if j == i else x for j, x in enumerate(entries)]


def held_out_queries(entries: Sequence[FaqDocument], encoder: SentenceEncoder | None = None,
                     params: dict[str, Any] | None = None) -> list[HeldOut]:
    """Every question of the FAQ asked held out: covered (leave-one-out) and not covered (entry removed)."""
    params = params or load_params()
    base = FaqIndex(entries, encoder=encoder, params=params)
    cache = base.embeddings()
    out: list[HeldOut] = []

    def outcome(index: FaqIndex, question: str, gold: str | None) -> HeldOut:
        from .decision import answer_confidence  # decision imports needs_human, which imports index

        hits = index.search(question, k=3)
        top, margin = answer_confidence(hits)  # what the auto-answer rule reads
        votes = hits[0].features.get("votes", 0.0) if hits else 0.0
        return HeldOut(top, margin, votes, bool(hits) and hits[0].entry_id == gold, gold is not None, question,
                       tuple(hits), gold)

    for i, e in enumerate(entries):
        qs = e.questions
        if len(entries) > 2:
            removed = FaqIndex(_without(entries, i, None), encoder=base.encoder, params=params)
            removed.load_embeddings(cache)
            for q in qs:
                out.append(outcome(removed, q, None))
        if len(qs) < 2:
            continue  # an entry asked one way only: nothing is left to retrieve it by its questions
        for q in qs:
            loo = FaqIndex([], encoder=base.encoder, params=params)
            loo.load_embeddings(cache)
            loo.refresh(_without(entries, i, q))
            cache.update(loo.embeddings())
            out.append(outcome(loo, q, e.id))
    return out


def fit_threshold(queries: Sequence[HeldOut], *, min_margin: float, min_votes: float,
                  target_precision: float = TARGET_PRECISION) -> tuple[float, float, float]:
    """(lowest min_score with pessimistic held-out precision ≥ target, its precision, its covered share).

    Queries failing the shipped margin/votes rule are never answered, whatever the threshold."""
    eligible = [q for q in queries if q.margin >= min_margin and q.votes >= min_votes]
    n_cov = max(1, sum(q.covered for q in queries))
    best = (float(max((q.top for q in queries), default=1.0)) + 1e-4, 1.0, 0.0)
    for s in sorted({round(q.top, 4) for q in eligible}, reverse=True):
        answered = [q for q in eligible if q.top >= s]
        right = sum(q.correct for q in answered)
        if right / (len(answered) + PESSIMISM) >= target_precision:  # keep the lowest threshold that passes
            best = (s, right / len(answered), sum(q.covered and q.correct for q in answered) / n_cov)
    return best


def faq_version(entries: Sequence[FaqDocument], params: dict[str, Any] | None = None) -> str:
    """Short hash of the FAQ's text and the rule's parameters: a calibration belongs to both."""
    params = params or load_params()
    blob = json.dumps([sorted(e.content_hash() for e in entries), params.get("retrieval"), params.get("auto_answer"),
                       params.get("needs_human"), params.get("calibration_reference")], sort_keys=True, default=str)
    return "faqcal-" + hashlib.sha1(blob.encode("utf-8")).hexdigest()[:10]


def calibrate_faq(entries: Sequence[FaqDocument], encoder: SentenceEncoder | None = None,
                  params: dict[str, Any] | None = None, *, target_precision: float = TARGET_PRECISION,
                  queries: Sequence[HeldOut] | None = None) -> FaqCalibration:
    """Fit a school's calibration on its own FAQ (see the module's docstring).

    ``queries``: ``held_out_queries(entries, encoder, params)`` when the caller already has them (the desk asks
    them once for both this and ``faq_health``: ~10 s for 35 entries, not paid twice)."""
    from .needs_human import judge_needs_human  # needs_human imports index; keep this module light

    params = params or load_params()
    aa = params["auto_answer"]
    version = faq_version(entries, params)
    queries = list(queries) if queries is not None else held_out_queries(entries, encoder, params)
    covered = [q for q in queries if q.covered]
    uncovered = [q.top for q in queries if not q.covered]
    if len(covered) < MIN_QUERIES or len(uncovered) < MIN_QUERIES:
        return FaqCalibration(version, 0.0, float(aa["min_score"]), 0.0, 0.0, len(covered), len(uncovered),
                              0.0, 0.0, 0.0, fitted=False)
    enc = encoder or FaqIndex([], params=params).encoder
    nh = [judge_needs_human(q.question, hits=list(q.hits), encoder=enc, params=params).score for q in covered]
    threshold, precision, coverage = fit_threshold(queries, min_margin=float(aa["min_margin"]),
                                                   min_votes=float(aa.get("min_votes", 0)),
                                                   target_precision=target_precision)
    return FaqCalibration(
        version, round(float(np.quantile(nh, REFERENCE_QUANTILE)), 4), round(threshold, 4),
        round(float(np.median([q.top for q in covered])), 4), round(float(np.median(uncovered)), 4),
        len(covered), len(uncovered), round(float(np.mean([q.correct for q in covered])), 4),
        round(precision, 4), round(coverage, 4))


@dataclass(frozen=True)
class EntryHealth:
    """How an entry's own phrasings, each asked held out, fare: how many find it first, and what they find instead."""

    entry_id: str
    checked: int  # phrasings asked held out (every question and alternative question of an entry with two or more)
    found: int  # of those, how many find this entry first
    instead: tuple[tuple[str, int], ...] = ()  # (entry found first instead, how many phrasings), most first

    @property
    def confused(self) -> bool:
        """Most of its phrasings find another entry first. A single miss is not flagged: on the development school's
        FAQ held-out phrasings find their own entry 57 times of 98 (real messages, longer, 0.94), and 25 of 32
        entries have at least one miss, 11 a majority: flagging every miss would flag nearly every entry."""
        return 2 * self.found < self.checked


@dataclass(frozen=True)
class FaqHealth:
    """Per-entry outcome of the held-out check, for the school's FAQ editor (``faq_health``).

    ``single_phrasing``: entries with one question and no alternative: nothing is left to ask them held out, so they
    cannot be checked, and a student's question finds them only by their answer."""

    entries: tuple[EntryHealth, ...] = ()
    single_phrasing: tuple[str, ...] = ()

    @property
    def confused(self) -> tuple[EntryHealth, ...]:
        return tuple(e for e in self.entries if e.confused)

    @property
    def confusable_pairs(self) -> tuple[tuple[str, str], ...]:
        """Entries whose phrasings find each other (each pair once, in entry order): two entries that say nearly the
        same to the retrieval, where "merge them or make them distinct" is the advice (dev: career_center and
        job_guarantee, reset_password and change_email, ...); a one-way miss only asks for more phrasings."""
        finds = {e.entry_id: {other for other, _ in e.instead} for e in self.entries}
        order = [e.entry_id for e in self.entries]
        return tuple((a, b) for i, a in enumerate(order) for b in order[i + 1:]
                     if b in finds[a] and a in finds.get(b, ()))

    def partner(self, entry_id: str) -> tuple[str, ...]:
        """The entries ``entry_id`` forms a confusable pair with."""
        return tuple(b if a == entry_id else a for a, b in self.confusable_pairs if entry_id in (a, b))

    def entry(self, entry_id: str) -> EntryHealth | None:
        return next((e for e in self.entries if e.entry_id == entry_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {"entries": [{"id": e.entry_id, "checked": e.checked, "found": e.found, "instead": dict(e.instead)}
                            for e in self.entries],
                "single_phrasing": list(self.single_phrasing)}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "FaqHealth | None":
        if not d or "entries" not in d:
            return None
        return cls(tuple(EntryHealth(str(e["id"]), int(e["checked"]), int(e["found"]),
                                     tuple((str(k), int(v)) for k, v in (e.get("instead") or {}).items()))
                         for e in d["entries"]),
                   tuple(str(x) for x in d.get("single_phrasing") or ()))

    def report_lines(self) -> list[str]:
        """A short plain-text report: the confusable pairs, the entries most of whose phrasings find another one,
        then the single-phrasing ones."""
        lines = [f"confusable: {a} and {b} (each one's phrasings find the other) -- add distinguishing alternative "
                 "questions or merge the entries" for a, b in self.confusable_pairs]
        for e in self.confused:
            found_instead = ", ".join(f"{other} ({n})" for other, n in e.instead)
            lines.append(f"{e.entry_id}: {e.found} of {e.checked} phrasings find it; found instead: {found_instead}"
                         " -- add alternative questions in the students' words")
        if self.single_phrasing:
            lines.append(f"one phrasing only, not checkable, found only by the answer ({len(self.single_phrasing)}): "
                         + ", ".join(self.single_phrasing) + " -- add alternative questions")
        return lines or ["held-out check: no entry is missed by most of its phrasings, no pair is confusable"]


def faq_health(entries: Sequence[FaqDocument], queries: Sequence[HeldOut]) -> FaqHealth:
    """Per entry, from the covered ``held_out_queries`` (no retrieval here): phrasings checked, found first, and
    the entries found first instead with their counts; plus the entries with one phrasing only."""
    checked: dict[str, int] = {}
    found: dict[str, int] = {}
    instead: dict[str, dict[str, int]] = {}
    for q in queries:
        if not q.covered or q.gold is None:
            continue
        checked[q.gold] = checked.get(q.gold, 0) + 1
        if q.correct:
            found[q.gold] = found.get(q.gold, 0) + 1
        elif q.hits:  # no hit at all is counted as not found, with nothing found instead
            other = instead.setdefault(q.gold, {})
            other[q.hits[0].entry_id] = other.get(q.hits[0].entry_id, 0) + 1
    rows = tuple(EntryHealth(e.id, checked[e.id], found.get(e.id, 0),
                             tuple(sorted(instead.get(e.id, {}).items(), key=lambda kv: (-kv[1], kv[0]))))
                 for e in entries if e.id in checked)
    return FaqHealth(rows, tuple(e.id for e in entries if len(e.questions) < 2))


def calibration_reference(calibration: FaqCalibration) -> dict[str, float]:
    """What ``faq-fit --write`` stores of the development school's own calibration (``calibration_reference``)."""
    return {"nh_quantile_score": calibration.nh_quantile_score, "held_out_threshold": calibration.held_out_threshold,
            "covered_score": calibration.covered_score, "uncovered_score": calibration.uncovered_score}


__all__ = ["EntryHealth", "FaqCalibration", "FaqHealth", "HeldOut", "calibrate_faq", "faq_health",
           "calibration_reference", "held_out_queries", "fit_threshold", "faq_version",
           "TARGET_PRECISION"]
