"""Lexical matching of the FAQ layer: tokens (normalised, stemmed, slang expanded) and BM25 (bm25s)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from classifier.faq.lexical import Bm25, tokens


def test_tokens_normalise_stem_and_expand_slang():
    assert tokens("Оплату") == tokens("оплата") == tokens("ОПЛАТЫ")
    assert "домашн" in " ".join(tokens("где дз"))  # slang expanded
    assert tokens("и в на") == []  # stop words


def _bm25_by_hand(docs, query, k1=1.2, b=0.75):
    """Okapi BM25 with Lucene's idf and the (k1 + 1) numerator, each query term once, written out."""
    n, avgdl = len(docs), sum(map(len, docs)) / len(docs)
    out = []
    for doc in docs:
        score = 0.0
        for t in set(query):
            df = sum(t in d for d in docs)
            f = doc.count(t)
            if f:
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                score += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * len(doc) / avgdl))
        out.append(score)
    return np.array(out)


DOCS = [["оплат", "карт", "оплат"], ["парол", "восстанов"], [], ["курс", "оплат", "скидк", "студент"]]


def test_bm25_matches_the_formula():
    bm = Bm25(DOCS)
    for query in (["оплат"], ["оплат", "оплат", "карт"], ["парол", "нет-такого"], ["скидк", "студент", "курс"]):
        assert np.allclose(bm.scores(query), _bm25_by_hand(DOCS, query), atol=1e-12)
    df = {"оплат": 2, "карт": 1}
    assert bm.max_score(["оплат", "карт", "оплат"]) == pytest.approx(
        sum(math.log(1 + (4 - d + 0.5) / (d + 0.5)) for d in df.values()))


def test_bm25_without_known_terms_or_documents_scores_zero():
    assert Bm25(DOCS).scores(["нет-такого"]).tolist() == [0.0] * 4
    assert Bm25(DOCS).max_score(["нет-такого"]) == 1.0  # never divides by zero
    assert Bm25([[], []]).scores(["оплат"]).tolist() == [0.0, 0.0]
    assert Bm25([]).scores(["оплат"]).shape == (0,)
