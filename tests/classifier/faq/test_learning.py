"""Learned phrasings (operators' answers): kept apart from the school's questions, dense signal only."""
from __future__ import annotations

import numpy as np

from classifier.faq.documents import FaqDocument
from classifier.faq.index import FaqIndex
from classifier.faq.learning import learned_phrasing, with_learned_question
from tests.classifier.fake_encoders import TokenHashEncoder
from tests.classifier.faq.sample import ENTRIES

WORDING = "вылетает логин,\n войти в кабинет не выходит"


def test_the_phrasing_is_the_students_words_on_one_line():
    assert learned_phrasing("  вылетает  логин,\n войти ") == "вылетает логин, войти"


def test_only_the_named_entry_learns_and_an_exact_repeat_is_not_added_twice():
    once = with_learned_question(ENTRIES, "forgot_pass", WORDING)
    twice = with_learned_question(once, "forgot_pass", WORDING)
    learned = {e.id: e.learned_questions for e in twice}
    assert learned["forgot_pass"] == ("вылетает логин, войти в кабинет не выходит",)
    assert all(not v for k, v in learned.items() if k != "forgot_pass")
    entry = next(e for e in twice if e.id == "forgot_pass")
    assert entry.alt_questions == next(e for e in ENTRIES if e.id == "forgot_pass").alt_questions
    assert with_learned_question(ENTRIES, "forgot_pass", "   ") == list(ENTRIES)


def test_an_entry_without_learned_phrasings_keeps_its_hash():
    # stored embeddings (knowledge.FaqEntry.embedding) stay valid for every entry nothing was learned for
    e = ENTRIES[0]
    assert FaqDocument(e.id, e.topic, e.question, e.alt_questions, e.answer).content_hash() == e.content_hash()
    assert with_learned_question([e], e.id, WORDING)[0].content_hash() != e.content_hash()


def test_learned_phrasings_raise_only_the_dense_question_signal():
    before = FaqIndex(ENTRIES, encoder=TokenHashEncoder())
    after = FaqIndex(with_learned_question(ENTRIES, "forgot_pass", WORDING), encoder=TokenHashEncoder())
    text = "вылетает логин, войти в кабинет не выходит"
    f0, f1 = before.features(text), after.features(text)
    i = [e.id for e in ENTRIES].index("forgot_pass")
    assert f1["dq"][i] > f0["dq"][i]
    for signal in ("da", "bm", "cg"):
        assert np.allclose(f0[signal], f1[signal])
