"""Lexical matching of the FAQ layer: tokens (normalised, stemmed, slang expanded) and BM25."""
from __future__ import annotations

from classifier.faq.lexical import tokens


def test_tokens_normalise_stem_and_expand_slang():
    assert tokens("Оплату") == tokens("оплата") == tokens("ОПЛАТЫ")
    assert "домашн" in " ".join(tokens("где дз"))  # slang expanded
    assert tokens("и в на") == []  # stop words
