"""The knowledge-base schema: faq.yaml round trip, validation, content hashes, topic examples."""
from __future__ import annotations

import pytest

from classifier.faq.documents import FaqDocument, dump_faq_yaml, load_faq_document, load_faq_yaml, topic_examples
from tests.classifier.faq.sample import ENTRIES


def test_yaml_round_trip(tmp_path):
    path = tmp_path / "faq.yaml"
    text = dump_faq_yaml(ENTRIES, path, school="Лингва", site="lingva.example", updated="2026-01-01")
    header, loaded = load_faq_document(path)
    assert loaded == ENTRIES
    assert header == {"school": "Лингва", "site": "lingva.example", "updated": "2026-01-01"}
    assert "alt_questions:" in text and "Лингва" in text  # readable UTF-8, same schema as faq.yaml
    # dumping what was loaded gives the same text
    assert dump_faq_yaml(load_faq_yaml(path), school="Лингва", site="lingva.example", updated="2026-01-01") == text


def test_yaml_accepts_dicts_and_rejects_duplicates(tmp_path):
    p = tmp_path / "f.yaml"
    dump_faq_yaml([e.to_dict() for e in ENTRIES[:2]], p)
    assert [e.id for e in load_faq_yaml(p)] == ["pay_ways", "money_back"]
    p.write_text("entries:\n  - {id: a, question: q}\n  - {id: a, question: r}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate"):
        load_faq_yaml(p)


def test_content_hash_changes_only_with_embedded_text():
    e = ENTRIES[0]
    same_text_other_topic = FaqDocument(e.id, "general", e.question, e.alt_questions, e.answer)
    assert e.content_hash() == same_text_other_topic.content_hash()
    changed = FaqDocument(e.id, e.topic, e.question, e.alt_questions, e.answer + " Ещё СБП.")
    assert e.content_hash() != changed.content_hash()


def test_topic_examples_are_the_questions_by_topic():
    examples = topic_examples(ENTRIES)
    assert examples["payment"] == ["Какие способы оплаты вы принимаете?", "Можно заплатить картой?",
                                   "Принимаете PayPal?", "Как вернуть деньги за занятия?", "Условия возврата"]
    assert set(examples) == {"payment", "course", "profile", "general"}
    assert topic_examples([]) == {}
