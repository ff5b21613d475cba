"""Labels are data: shipped YAMLs load, new intents need no code, examples can be added."""
from __future__ import annotations

import pytest
import yaml

from classifier.runtime.labels import IntentSpec, LabelSet


def test_default_image_labels():
    labels = LabelSet.default_images()
    assert labels.names == ["payment-problem", "course-problem", "profile-problem"]
    assert labels.out_of_scope_names == ["other"]
    for intent in labels:
        assert intent.descriptions and intent.prompts and intent.examples
        # descriptions in Russian and English
        assert any(any("а" <= ch <= "я" for ch in d.lower()) for d in intent.descriptions)
        assert any(d.isascii() for d in intent.descriptions)
    assert all("{}" in t for t in labels.clip_templates) and len(labels.clip_templates) >= 3
    assert labels.cues and "temperature" in labels.settings and "threshold" in labels.settings


def test_default_topics():
    topics = LabelSet.default_topics()
    assert topics.names == ["payment", "course", "profile", "career", "general", "offtopic"]
    assert topics.settings.get("fallback_label") == "offtopic"


def test_new_intent_from_yaml_without_code(tmp_path):
    path = tmp_path / "labels.yaml"
    path.write_text(
        """
settings: {threshold: 0.4}
intents:
  - name: certificate-problem
    descriptions: [Сертификат не выдан, Certificate not issued]
    prompts: [a course certificate page]
    examples: [Где мой сертификат]
    keywords: [сертификат, certificate]
  - name: junk
    in_scope: false
    descriptions: [мем]
""",
        encoding="utf-8",
    )
    labels = LabelSet.from_yaml(path)
    assert labels.names == ["certificate-problem"]
    assert labels.all_names == ["certificate-problem", "junk"]
    assert labels["certificate-problem"].texts == ["Сертификат не выдан", "Certificate not issued", "Где мой сертификат"]
    assert labels.settings == {"threshold": 0.4}


def test_with_examples_returns_a_copy():
    labels = LabelSet.default_topics()
    before = list(labels["payment"].examples)
    extended = labels.with_examples({"payment": ["можно ли платить биткоинами", "  "]})
    assert extended["payment"].examples[-1] == "можно ли платить биткоинами"
    assert labels["payment"].examples == before  # original untouched
    with pytest.raises(KeyError):
        labels.with_examples({"no-such-topic": ["x"]})


def test_fingerprint_changes_with_content():
    a = LabelSet.default_images()
    b = a.with_examples({"payment-problem": ["новый пример"]})
    assert a.fingerprint() != b.fingerprint()
    assert a.fingerprint() == LabelSet.default_images().fingerprint()


def test_out_of_scope_is_borrowed_for_label_sets_without_one():
    desk = LabelSet(intents=[IntentSpec(name="payment-problem", descriptions=["оплата"])])
    full = desk.with_out_of_scope_from(LabelSet.default_images())
    assert full.out_of_scope_names == ["other"]
    assert full.names == ["payment-problem"]
    assert full.cues  # problem cues come along


def test_with_intents_keeps_what_belongs_to_the_model():
    shipped = LabelSet.default_images()
    desk = shipped.with_intents([IntentSpec(name="certificate-problem", descriptions=["сертификат не выдан"]),
                                 IntentSpec(name="junk", in_scope=False)])
    assert desk.all_names == ["certificate-problem", "junk"]
    assert (desk.settings, desk.clip_templates, desk.cues) == (shipped.settings, shipped.clip_templates, shipped.cues)
    assert shipped.all_names == ["payment-problem", "course-problem", "profile-problem", "other"]  # untouched
    with pytest.raises(ValueError, match="in-scope"):
        shipped.with_intents([IntentSpec(name="junk", in_scope=False)])


def test_validation():
    with pytest.raises(ValueError):
        IntentSpec(name=" ")
    with pytest.raises(ValueError):
        LabelSet(intents=[IntentSpec(name="a"), IntentSpec(name="a")])
    with pytest.raises(ValueError):
        LabelSet(intents=[IntentSpec(name="other", in_scope=False)])
    with pytest.raises(ValueError, match="Unknown intent field"):
        LabelSet.from_dict({"intents": [{"name": "x", "colour": "red"}]})


def test_roundtrip_yaml(tmp_path):
    labels = LabelSet.default_images()
    path = tmp_path / "copy.yaml"
    path.write_text(yaml.safe_dump(labels.to_dict(), allow_unicode=True), encoding="utf-8")
    again = LabelSet.from_yaml(path)
    assert again.all_names == labels.all_names
    assert again["payment-problem"].keywords == labels["payment-problem"].keywords
    assert again.fingerprint() == labels.fingerprint()
