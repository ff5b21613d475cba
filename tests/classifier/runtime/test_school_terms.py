"""The school's own vocabulary learnt from its FAQ, and what it does in the fusion."""
from __future__ import annotations

import numpy as np

from classifier.faq.documents import FaqDocument, school_texts
from classifier.runtime.fusion import fused_logits, out_of_scope_vector, settings_of, ticket_features
from classifier.runtime.labels import LabelSet
from classifier.runtime.school_terms import count_terms, school_terms, stems_of
from classifier.runtime.encoders import as_cached
from classifier.runtime.signals import TextScorer
from tests.classifier.fake_encoders import PrefixHashEncoder

FAQ = [FaqDocument(id="refunds", topic="payment", question="Как вернуть деньги за Марафон Гипотенуза?",
                   alt_questions=("Где раздел Кошелёк ученика?",),
                   answer="Откройте «Кошелёк ученика → Возвраты» и выберите Марафон Гипотенуза.")]


def test_school_terms_are_the_faq_words_the_shipped_texts_do_not_use():
    terms = school_terms(school_texts(FAQ), ["Оплата не прошла, вернуть деньги", "Возврат денег за курс"])
    assert {"марафо", "гипоте", "кошелё".replace("ё", "е"), "ученик"} <= set(terms)
    assert "вернут" not in terms and "деньги"[:6] not in terms  # known generic words
    assert all(len(t) <= 6 for t in terms)


def test_words_are_compared_by_their_start_whatever_the_ending():
    terms = frozenset(school_terms(["Марафон Гипотенуза"], []))
    assert count_terms("Марафоны по ГИПОТЕНУЗЕ: доступ закрыт", terms) == 2
    assert count_terms("Оплата в магазине кроссовок", terms) == 0
    assert stems_of("а и в Кошелёк") == {"кошеле"}  # short words say nothing


def test_with_school_faq_keeps_only_words_no_label_text_or_other_service_uses():
    labels = LabelSet.default_images().with_school_faq(school_texts(FAQ))
    assert "марафо" in labels.school_terms and "гипоте" in labels.school_terms
    assert "возвра" not in labels.school_terms  # the shipped payment texts know "возврат"
    assert labels.fingerprint() != LabelSet.default_images().fingerprint()
    assert LabelSet.default_images().with_school_faq([]).school_terms == []


def test_the_schools_words_move_a_ticket_away_from_other_by_the_fitted_weight():
    labels = LabelSet.default_images().with_school_faq(school_texts(FAQ)).with_scope_knowledge()
    scorer = TextScorer(labels, as_cached(PrefixHashEncoder()))
    oos = out_of_scope_vector(labels)
    other = labels.all_names.index("other")

    text = "Марафон Гипотенуза\nКошелёк ученика\nОшибка: доступ закрыт"
    f = ticket_features(scorer, text)
    found = count_terms(text, frozenset(labels.school_terms))
    assert found >= 3 and f["faq"] == np.log1p(found)  # марафо, гипоте, кошеле (+ ученик unless shipped)
    on = fused_logits(f, settings_of(labels, {"faq_bias": 0.5}), oos)
    off = fused_logits(f, settings_of(labels, {"faq_bias": 0.0}), oos)
    assert np.isclose(off[other] - on[other], 0.5 * np.log1p(found))
    assert np.allclose(np.delete(on, other), np.delete(off, other))  # the in-scope logits do not move
    assert ticket_features(scorer, "Ошибка: доступ закрыт")["faq"] == 0.0
