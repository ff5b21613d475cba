"""The FAQ encoder blend: dot products are the share-weighted mean of the encoders' cosines."""
from __future__ import annotations

import numpy as np
import pytest

from classifier.faq import encoder as faq_encoder_module
from classifier.faq.encoder import BlendedEncoder, faq_encoder
from classifier.runtime.encoders import shared_sentence_encoder
from tests.classifier.fake_encoders import PrefixHashEncoder, TokenHashEncoder

TEXTS = ["как оплатить курс картой", "оплата курса банковской картой", "где скачать сертификат"]


def test_blend_dot_product_is_the_weighted_mean_of_cosines():
    a, b = TokenHashEncoder(), PrefixHashEncoder()
    blend = BlendedEncoder({"a": (a, 0.3), "b": (b, 0.7)})
    ea, eb, e = a.encode(TEXTS), b.encode(TEXTS), blend.encode(TEXTS)
    assert e.shape == (3, ea.shape[1] + eb.shape[1])
    np.testing.assert_allclose(e @ e.T, 0.3 * (ea @ ea.T) + 0.7 * (eb @ eb.T), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)  # still unit rows


def test_shares_are_normalised_and_zero_shares_dropped():
    blend = BlendedEncoder({"a": (TokenHashEncoder(), 2.0), "b": (PrefixHashEncoder(), 0.0)})
    assert [(name, share) for name, _, share in blend.parts] == [("a", 1.0)]
    with pytest.raises(ValueError):
        BlendedEncoder({"a": (TokenHashEncoder(), 0.0)})


def test_faq_encoder_is_use_alone_by_default_and_one_instance_per_blend(monkeypatch):
    assert faq_encoder({"use": 1.0}) is shared_sentence_encoder()
    monkeypatch.setitem(faq_encoder_module.ENCODERS, "use", TokenHashEncoder)
    monkeypatch.setitem(faq_encoder_module.ENCODERS, "e5", PrefixHashEncoder)
    monkeypatch.setattr(faq_encoder_module, "_shared", {})
    first = faq_encoder({"use": 0.5, "e5": 0.5})
    assert first is faq_encoder({"e5": 0.5, "use": 0.5})
    assert first.encode(TEXTS).shape[0] == 3
    with pytest.raises(ValueError):
        faq_encoder({"bert": 1.0})
