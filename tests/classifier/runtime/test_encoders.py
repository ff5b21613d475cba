"""Sentence encoders: the protocol, the cache, the real multilingual shared encoder."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from classifier.runtime import encoders
from classifier.runtime.encoders import CachedEncoder, SentenceEncoder, shared_sentence_encoder


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


@pytest.mark.slow
@pytest.mark.parametrize("shared, dim", [(shared_sentence_encoder, 512), (encoders.shared_e5_encoder, 384)],
                         ids=["use", "e5"])
def test_shared_encoders_are_multilingual_normalised_and_built_once(shared, dim):
    encoder = shared()
    assert shared() is encoder and encoder.dim == dim
    emb = encoder.encode([
        "Платёж отклонён банком",
        "The payment was declined by the bank",
        "Сброс пароля: ссылка устарела",
        "",
    ])
    assert emb.shape == (4, dim)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)
    sims = emb @ emb.T
    assert sims[0, 1] > sims[0, 2]  # Russian and English payment sentences are neighbours


def test_shared_encoder_is_built_once_with_the_first_thread_count(monkeypatch, caplog):
    monkeypatch.setattr(encoders, "_shared", None)
    monkeypatch.setattr(encoders, "_mismatch_logged", False)
    first = shared_sentence_encoder(threads=2)
    assert first.inner.threads == 2 and shared_sentence_encoder() is first  # nothing is loaded until encode()
    with caplog.at_level(logging.WARNING, logger="classifier.runtime.encoders"):
        assert shared_sentence_encoder(threads=1) is first
        assert shared_sentence_encoder(threads=1) is first
    assert len([r for r in caplog.records if "already runs with 2" in r.getMessage()]) == 1


def test_e5_encoder_kind_is_checked():
    with pytest.raises(ValueError):
        encoders.E5Encoder(kind="document")
    assert encoders.E5Encoder("passage").name == "e5-small-q4-passage"
