"""Re-order the top FAQ entries of a message for what operators see first: ``Reranker``.

The fused USE score (``FaqIndex``) has the right entry among its top 3 for ~99 % of messages on both schools,
but first only for 92 % (dev, cross-validated) and 80 % (the second school): a ranking problem
(docs/experiments/gap9.md, rank5.md). The top ``depth`` entries are re-ordered by a linear score of a few
generic signals, weights fitted by ``faq-fit`` on pairs (right entry vs another of the top 3) of the
development school (``thresholds.yaml`` → ``retrieval.rerank``):

* ``score``        -- the fused USE score itself,
* ``e5_score``     -- the same fusion with multilingual-e5-small's question / answer cosines ("query: " on both
                      sides, the symmetric mode) in place of USE's: a second encoder's opinion,
* ``answer_overlap`` / ``answer_only_overlap`` -- the share of the message's stemmed words that occur in the
                      entry's answer (and not in its questions): the question phrasings are short, the answer
                      names what the entry is about.

Ranking only: the auto-answer rule still reads today's confidence of the fused score's first entry, and a message
is answered only when the re-ranked first entry is that same entry (``answer_decision``), so the set of automatic
answers can only shrink (measured: it did not, on either school).

Cost per message: one e5 encoding, measured 21–23 ms a message (one core, load 2; ~40 ms in a batch at load 5)
against ~4 ms for the rest of the FAQ decision with its USE encoding: the decision becomes ~6× slower, still far
below a chat reply's budget; once per FAQ entry its questions and answer sentences are encoded (cached by content
hash; the desk stores them on the entry's row, ``knowledge.services.faq_index_get``).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ..runtime.encoders import SentenceEncoder, shared_e5_encoder
from ..runtime.signals import whole_segment
from .documents import FaqDocument
from .lexical import tokens
from .params import fused_score

FEATURES = ("score", "e5_score", "answer_overlap", "answer_only_overlap")
DEPTH = 3  # the re-ranked entries: the suggestion list's length (top-3 holds the right entry ~99 % of the time)


def query_text(text: str) -> str:
    """The text of a message the re-ranking encodes: ``whole_segment`` (its meaningful lines joined by spaces), the
    text the topic classifier's e5 second opinion encodes first, so the shared per-text e5 cache encodes a message
    once for both (a multi-line message was encoded twice: ~20 ms of one core); the stripped text when it has no
    meaningful line ("ок", emoji). e5 reads a newline as a space (measured: identical vectors), so this differs
    from the raw text only by dropped lines under 4 characters, surrounding whitespace and text past 2000
    characters (dev has no such message: evaluate dev identical, docs/experiments/e5rows.md)."""
    return whole_segment(text) or text.strip()


def answer_overlaps(message_tokens: set[str], entry: FaqDocument) -> tuple[float, float]:
    """(share of the message's stemmed words in the entry's answer, share in the answer but not its questions)."""
    if not message_tokens:
        return 0.0, 0.0
    answer = set(tokens(entry.answer))
    questions = set(tokens(" ".join(entry.questions)))
    shared = message_tokens & answer
    return len(shared) / len(message_tokens), len(shared - questions) / len(message_tokens)


def rerank_order(values: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
    """Positions of ``values`` (candidates × FEATURES, in their fused-score order) by the fitted linear score;
    ties keep the fused-score order."""
    w = np.array([float(weights.get(f, 0.0)) for f in FEATURES])
    return np.argsort(-(np.asarray(values, float) @ w), kind="stable")


class Reranker:
    """The e5 side of the re-ranking: per-entry e5 embeddings (cached by content hash) and the features."""

    def __init__(self, encoder: SentenceEncoder | None = None) -> None:
        self._encoder = encoder
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    @property
    def encoder(self) -> SentenceEncoder:
        if self._encoder is None:
            self._encoder = shared_e5_encoder()
        return self._encoder

    def embeddings(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The entry vectors computed so far, keyed by ``FaqDocument.content_hash`` (for ``load_embeddings``)."""
        return dict(self._cache)

    def load_embeddings(self, cache: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """Seed the entry vectors (e.g. from the index this one replaces: only changed entries are encoded again)."""
        self._cache.update(cache)

    def entry_embeddings(self, entry: FaqDocument) -> tuple[np.ndarray, np.ndarray]:
        key = entry.content_hash()
        hit = self._cache.get(key)
        if hit is None:
            qs, ans = list(entry.dense_questions), entry.answer_rows()  # the rows USE's signals compare with
            emb = np.asarray(self.encoder.encode(qs + ans), np.float32) if qs or ans else np.zeros((0, 1), np.float32)
            hit = (emb[: len(qs)], emb[len(qs):])
            self._cache[key] = hit
        return hit

    def query_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """The messages' vectors the re-ranking compares with the entries' (``query_text`` of each): one definition
        for the desk and ``faq-fit``, which must encode the same text."""
        return np.asarray(self.encoder.encode([query_text(t) for t in texts]), np.float32)

    def features(self, text: str, hits: Sequence[Any], retrieval: Mapping[str, Any]) -> np.ndarray:
        """FEATURES of each hit (``FaqHit`` with dq/da/bm/cg features), rows in the hits' order."""
        q = self.query_vectors([text])[0]
        msg = set(tokens(text))
        rows = []
        for h in hits:
            qe, ae = self.entry_embeddings(h.entry)
            dq5 = float((qe @ q).max()) if len(qe) else 0.0
            da5 = float((ae @ q).max()) if len(ae) else 0.0
            e5 = fused_score(retrieval, dq5, da5, h.features.get("bm", 0.0), h.features.get("cg", 0.0))
            rows.append([h.score, e5, *answer_overlaps(msg, h.entry)])
        return np.array(rows, float).reshape(len(rows), len(FEATURES))

    def rerank(self, text: str, hits: Sequence[Any], retrieval: Mapping[str, Any]) -> list[Any]:
        """``hits`` (fused-score order) with the first ``depth`` re-ordered by ``retrieval.rerank``'s weights."""
        rr = retrieval.get("rerank")
        hits = list(hits)
        if not rr or len(hits) < 2 or not text.strip():
            return hits
        depth = int(rr.get("depth", DEPTH))
        head = hits[:depth]
        order = rerank_order(self.features(text, head, retrieval), rr["weights"])
        return [head[i] for i in order] + hits[depth:]


__all__ = ["Reranker", "FEATURES", "DEPTH", "answer_overlaps", "query_text", "rerank_order"]
