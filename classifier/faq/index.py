"""Hybrid retrieval over FAQ documents: sentence-encoder similarity fused with lexical BM25 and char n-grams.

Embeddings are cached by each document's content hash, so ``refresh(documents)`` only re-embeds documents
whose text changed; ``embeddings()`` / ``load_embeddings()`` move them in and out (the desk stores them
on its rows).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..runtime.encoders import SentenceEncoder, shared_sentence_encoder
from ..runtime.tfidf import TfidfCosine
from .documents import FaqDocument
from .encoder import faq_encoder, use_alone
from .lexical import Bm25, char_ngrams, tokens
from .params import fused_score, load_params
from .rerank import DEPTH as RERANK_DEPTH, Reranker

Embeddings = tuple[np.ndarray, np.ndarray]  # (question + alternative question rows, answer rows)


@dataclass(frozen=True)
class FaqHit:
    entry_id: str
    score: float
    entry: FaqDocument
    features: dict[str, float] = field(default_factory=dict, compare=False)


# A student's message often mixes a greeting, a story and the question (faq4.md §2): each sentence (and, with
# ``clauses``, each comma / "но" / "а" / "but" clause) is scored against the entry's phrasings on its own.
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…)])\s+|\n+")
_CLAUSE_SPLIT = re.compile(r",\s*|;\s*|\s+(?:но|а|однако|but|however)\s+", re.IGNORECASE)
MIN_SEGMENT_WORDS = 2  # a one-word segment ("Здравствуйте!") matches everything a little and nothing well


def message_segments(text: str, clauses: bool = False) -> list[str]:
    """The message's sentences (and clauses) of ≥ MIN_SEGMENT_WORDS words; [] when that is the whole message."""
    parts = [p.strip() for p in _SENTENCE_SPLIT.split(text or "") if p.strip()]
    if clauses:
        parts = [c.strip() for p in parts for c in _CLAUSE_SPLIT.split(p) if c.strip()]
    parts = [p for p in dict.fromkeys(parts) if len(re.findall(r"\w+", p)) >= MIN_SEGMENT_WORDS]
    return [] if parts == [(text or "").strip()] or not parts else parts


def lead_over_others(values: np.ndarray) -> np.ndarray:
    """Per entry: its value minus the largest value of any other entry (rows: entries on the last axis)."""
    values = np.asarray(values, float)
    if values.shape[-1] < 2:
        return values.copy()
    top2 = -np.sort(-values, axis=-1)[..., :2]
    best_other = np.where(values >= top2[..., :1], top2[..., 1:2], top2[..., :1])
    return values - best_other


class FaqIndex:
    """Hybrid dense + lexical retrieval over FAQ documents.

    The fused score of an entry is a weighted sum (weights in ``thresholds.yaml`` → ``retrieval``):

    * ``dq``  -- max cosine between the message and the entry's question / alternative questions / learned
                 phrasings (``FaqDocument.learned_questions``: dense only, the lexical signals below skip them),
    * ``da``  -- max cosine between the message and the answer (whole answer and its sentences),
    * ``bm``  -- BM25 of stemmed tokens against question+alt questions (+answer at lower weight),
                 divided by the query's self-score so it lies in [0, ~1],
    * ``cg``  -- character 3–5-gram TF-IDF cosine against question+alt questions.

    With ``segment_share`` s > 0 (faq5) each entry also gets a ``confidence``: the fused score with ``dq``
    raised towards ``dq_segments`` (the same max cosine over the message's sentences and the whole message,
    ``message_segments``; ``segment_clauses`` splits clauses too), score + w_dq · s · (dq_segments − dq), and
    ``confidence_margin`` (its lead over the best other entry's confidence). Entries are still ranked by
    ``score``: scored per segment the ranking got worse (dev CV top-1 −0.009), as confidence it answers more
    messages at the same precision (docs/experiments/faq5.md). The auto-answer rule reads the confidence.

    ``suggestions(text, k)`` re-orders the top hits for what operators see first (``retrieval.rerank``,
    classifier/faq/rerank.py; e5 by default, ``rerank_encoder`` replaces it); ``search`` stays in fused-score
    order (the auto-answer rule, the needs-human features and the school's calibration read that order).
    """

    def __init__(self, entries: Sequence[FaqDocument], encoder: SentenceEncoder | None = None,
                 params: dict[str, Any] | None = None, rerank_encoder: SentenceEncoder | None = None) -> None:
        self._encoder = encoder
        self.reranker = Reranker(rerank_encoder)
        self.params = params or load_params()
        self._emb_cache: dict[str, Embeddings] = {}
        self.entries: list[FaqDocument] = []
        self.refresh(entries)

    # -- building -----------------------------------------------------------------------------------
    @property
    def encoder(self) -> SentenceEncoder:
        if self._encoder is None:
            shares = self.params["retrieval"].get("encoders")  # the blend the params were fitted with
            self._encoder = shared_sentence_encoder() if use_alone(shares) else faq_encoder(shares)
        return self._encoder

    def embedding_for(self, entry: FaqDocument) -> Embeddings:
        """(question+alt embeddings, answer embeddings) of an entry, from cache when its text is unchanged."""
        key = entry.content_hash()
        hit = self._emb_cache.get(key)
        if hit is None:
            qs = entry.dense_questions  # learned phrasings too: only ``dq`` reads these rows
            ans = entry.answer_rows()
            emb = self.encoder.encode(qs + ans) if (qs or ans) else np.zeros((0, 1), np.float32)
            hit = (np.asarray(emb[: len(qs)], np.float32), np.asarray(emb[len(qs):], np.float32))
            self._emb_cache[key] = hit
        return hit

    def embeddings(self) -> dict[str, Embeddings]:
        """Every embedding the index holds, keyed by ``FaqDocument.content_hash`` (for ``load_embeddings``)."""
        return dict(self._emb_cache)

    def load_embeddings(self, cache: dict[str, Embeddings]) -> None:
        """Seed the embedding cache (e.g. from a database column or an older index) keyed by ``content_hash``."""
        self._emb_cache.update(cache)

    def refresh(self, entries: Sequence[FaqDocument]) -> int:
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
        self._bm_q = Bm25([tokens(" ".join(e.questions)) for e in self.entries])
        self._bm_a = Bm25([tokens(e.answer) for e in self.entries])
        self._bm_answer_weight = float(rp.get("bm25_answer_weight", 0.3))
        self._cg = TfidfCosine([" ".join(e.questions) for e in self.entries], char_ngrams, tf="sublinear")
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
        cg = self._cg.similarity(text)
        rp = self.params["retrieval"]
        score = fused_score(rp, dq, da, bm, cg)
        # votes: how many of the individual signals rank this entry first (agreement = confidence)
        votes = np.zeros(n)
        for sig in (dq, da, bm, cg):
            if sig.max() > 0:
                votes[int(np.argmax(sig))] += 1
        out = {"dq": dq, "da": da, "bm": bm, "cg": cg, "score": score, "votes": votes}
        share = float(rp.get("segment_share", 0.0))
        if share > 0:  # off (the shipped default before faq5): one vector per message, nothing more computed
            out["dq_segments"] = self.segment_dq(text, dq, bool(rp.get("segment_clauses", False)))
            out["confidence"] = score + rp["w_dq"] * share * (out["dq_segments"] - dq)
            out["confidence_margin"] = lead_over_others(out["confidence"])
        return out

    def segment_dq(self, text: str, dq_whole: np.ndarray, clauses: bool = False) -> np.ndarray:
        """Per entry: max cosine between any segment of ``text`` (or the whole, ``dq_whole``) and any phrasing."""
        segs = message_segments(text, clauses)
        if not segs or not self.entries:
            return dq_whole
        seg = np.asarray(self.encoder.encode(segs), np.float32)  # ~4 ms a segment (USE), cached by text
        best = np.array([float((e @ seg.T).max()) if len(e) else 0.0 for e in self._q_embs])
        return np.maximum(dq_whole, best)

    def suggestions(self, text: str, k: int = 3) -> list[FaqHit]:
        """The top-``k`` entries in the order operators see (``answer_decision`` shows the same): ``search``'s
        order with its first ``retrieval.rerank.depth`` re-ordered by the fitted re-ranking weights; ``search``'s
        order when the params have none (every fit before rank5)."""
        hits = self.search(text, k=max(k, RERANK_DEPTH))
        return self.reranker.rerank(text, hits, self.params["retrieval"])[:k]

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


__all__ = ["FaqIndex", "FaqHit", "Embeddings", "message_segments", "lead_over_others"]
