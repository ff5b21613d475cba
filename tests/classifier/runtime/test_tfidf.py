"""The one TF-IDF (scikit-learn underneath): the formula it promises, for both damping modes."""
from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from classifier.runtime.signals import char_trigrams
from classifier.runtime.tfidf import TfidfCosine

DOCS = ["оплата не прошла, карта отклонена", "неверный пароль, войти не удалось", "оплата оплата курса"]


def reference(docs, text, analyzer, damp):
    """ln((1+n)/(1+df))+1 idf, damped counts, L2 norm, unseen grams ignored — written out by hand."""
    grams = [Counter(analyzer(d)) for d in docs]
    df = Counter(g for c in grams for g in c)
    idf = {g: math.log((1 + len(docs)) / (1 + n)) + 1 for g, n in df.items()}

    def vec(counts):
        v = {g: damp(c) * idf[g] for g, c in counts.items() if g in idf}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {g: x / norm for g, x in v.items()}

    q = vec(Counter(analyzer(text)))
    return np.array([sum(w * vec(c).get(g, 0.0) for g, w in q.items()) for c in grams])


@pytest.mark.parametrize("tf, damp", [("log1p", math.log1p), ("sublinear", lambda c: 1 + math.log(c))])
def test_matches_the_formula(tf, damp):
    index = TfidfCosine(DOCS, char_trigrams, tf=tf)
    for text in ("оплата картой", "пароль", "ничего общего", ""):
        assert np.allclose(index.similarity(text), reference(DOCS, text, char_trigrams, damp), atol=1e-12)
    assert int(np.argmax(index.similarity("оплата не прошла"))) == 0


def test_documents_without_grams_are_never_similar():
    index = TfidfCosine(["", "1 2 3"], char_trigrams, tf="log1p")
    assert index.similarity("оплата").tolist() == [0.0, 0.0]
    assert TfidfCosine([], char_trigrams, tf="log1p").similarity("оплата").shape == (0,)
    with pytest.raises(ValueError):
        TfidfCosine(DOCS, char_trigrams, tf="raw")
