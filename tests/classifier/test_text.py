"""Sentence encoders: the protocol, the cache, the real multilingual default."""
from __future__ import annotations

import numpy as np

from classifier.text import CachedEncoder, SentenceEncoder, get_default_encoder


def test_cached_encoder_encodes_each_text_once(hash_encoder):
    enc = CachedEncoder(hash_encoder)
    a = enc.encode(["оплата не прошла", "сброс пароля"])
    b = enc.encode(["сброс пароля", "оплата не прошла", "оплата не прошла"])
    assert hash_encoder.texts == ["оплата не прошла", "сброс пароля"]
    assert np.allclose(a[0], b[1]) and np.allclose(a[1], b[0])
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert enc.encode([]).shape[0] == 0


def test_cache_is_bounded(hash_encoder):
    enc = CachedEncoder(hash_encoder, max_items=3)
    enc.encode([f"text {i}" for i in range(10)])
    assert len(enc._cache) == 3


def test_protocol_is_structural(hash_encoder):
    assert isinstance(hash_encoder, SentenceEncoder)


def test_default_encoder_is_multilingual_and_cached(use_encoder):
    assert get_default_encoder() is use_encoder
    emb = use_encoder.encode([
        "Платёж отклонён банком",
        "The payment was declined by the bank",
        "Сброс пароля: ссылка устарела",
    ])
    assert emb.shape == (3, 512)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)
    sims = emb @ emb.T
    assert sims[0, 1] > sims[0, 2]  # Russian and English payment sentences are neighbours
