"""Hybrid FAQ retrieval: dense + BM25 + char n-grams; re-embedding only what changed."""
from __future__ import annotations

import numpy as np
import pytest

from classifier.faq.decision import answer_decision
from classifier.faq.documents import FaqDocument
from classifier.faq.index import FaqIndex, lead_over_others, message_segments
from tests.classifier.fake_encoders import TokenHashEncoder
from tests.classifier.faq.sample import ENTRIES


@pytest.mark.parametrize("text, expected", [
    ("как вернуть деньги", "money_back"),
    ("забыл пароль от аккаунта", "forgot_pass"),
    ("можно заплатить картой?", "pay_ways"),
    ("хочу сменить преподавателя", "teacher_change"),
    ("какое у вас расписание уроков", "schedule"),
])
def test_search_finds_the_entry(index, text, expected):
    hits = index.search(text, k=3)
    assert hits[0].entry_id == expected
    assert len(hits) == 3 and hits[0].score >= hits[1].score >= hits[2].score
    assert {"dq", "da", "bm", "cg", "votes"} <= set(hits[0].features)


def test_refresh_reembeds_only_changed_entries():
    enc = TokenHashEncoder()
    idx = FaqIndex(ENTRIES, encoder=enc)
    n_calls = len(enc.calls)
    assert idx.refresh(ENTRIES) == 0 and len(enc.calls) == n_calls  # nothing changed → nothing embedded
    edited = [*ENTRIES[:-1], FaqDocument("schedule", "general", "Когда проходят уроки?", (), "Теперь и по субботам.")]
    assert idx.refresh(edited) == 1
    assert "Теперь и по субботам." in enc.calls[n_calls:]
    idx.refresh(edited + [FaqDocument("new", "general", "Есть ли у вас скидки для студентов?")])
    assert idx.search("скидки студентам", k=1)[0].entry_id == "new"


def test_empty_index_and_empty_text():
    idx = FaqIndex([], encoder=TokenHashEncoder())
    assert idx.search("что угодно") == []
    d = answer_decision("", FaqIndex(ENTRIES, encoder=TokenHashEncoder()))
    assert not d.auto_answer and d.suggestions == []


def test_embeddings_move_between_indexes_without_re_embedding():
    first = FaqIndex(ENTRIES, encoder=TokenHashEncoder())
    stored = first.embeddings()
    assert set(stored) == {e.content_hash() for e in ENTRIES}
    enc = TokenHashEncoder()
    second = FaqIndex([], encoder=enc)
    second.load_embeddings(stored)
    assert second.refresh(ENTRIES) == 0 and enc.calls == []
    assert second.search("забыл пароль", k=1)[0].entry_id == "forgot_pass"


@pytest.mark.slow
@pytest.mark.parametrize("text, expected", [
    ("верните мне деньги за уроки, как это сделать?", "money_back"),
    ("I forgot my password", "forgot_pass"),
    ("do you accept PayPal?", "pay_ways"),
    ("во сколько начинаются занятия", "schedule"),
])
def test_real_encoder_retrieval(real_index, text, expected):
    assert expected in [h.entry_id for h in real_index.search(text, k=3)]


@pytest.mark.parametrize("text, clauses, expected", [
    ("Как восстановить пароль?", False, []),  # one sentence: nothing to split, the whole message is scored
    ("Здравствуйте! Забыл пароль, что делать?", False, ["Забыл пароль, что делать?"]),  # one word dropped
    ("Добрый день. Я купил курс вчера. Как вернуть деньги?", False,
     ["Добрый день.", "Я купил курс вчера.", "Как вернуть деньги?"]),
    ("рассрочку не одобрили а можно платить частями", True, ["рассрочку не одобрили", "можно платить частями"]),
    ("рассрочку не одобрили а можно платить частями", False, []),
])
def test_message_segments(text, clauses, expected):
    assert message_segments(text, clauses) == expected


def test_segment_share_raises_the_confidence_of_the_question_inside_a_story():
    story = "Добрый день, у меня сегодня был тяжелый день на работе и в пробках. Как вернуть деньги за занятия?"
    shipped = FaqIndex(ENTRIES, encoder=TokenHashEncoder()).params["retrieval"]
    whole = FaqIndex(ENTRIES, encoder=TokenHashEncoder(), params={"retrieval": {**shipped, "segment_share": 0.0}})
    split = FaqIndex(ENTRIES, encoder=TokenHashEncoder(), params={"retrieval": {**shipped, "segment_share": 1.0}})
    f_whole, f_split = whole.features(story), split.features(story)
    assert "confidence" not in f_whole  # off: nothing more is computed
    assert f_split["score"] == pytest.approx(f_whole["score"])  # the ranking is the whole message's
    money = [e.id for e in ENTRIES].index("money_back")
    assert f_split["dq_segments"][money] > f_whole["dq"][money]  # the last sentence alone is the entry's question
    assert (f_split["confidence"] >= f_split["score"] - 1e-9).all()
    assert f_split["confidence"][money] > f_split["score"][money]
    best = int(f_split["confidence"].argmax())
    assert f_split["confidence_margin"][best] == pytest.approx(
        f_split["confidence"][best] - sorted(f_split["confidence"])[-2])
    short = "Как вернуть деньги за занятия?"  # one segment: confidence is the fused score
    assert split.features(short)["confidence"] == pytest.approx(whole.features(short)["score"])


def test_lead_over_others():
    assert lead_over_others(np.array([1.0, 3.0, 2.0])).tolist() == [-2.0, 1.0, -1.0]
    assert lead_over_others(np.array([[3.0, 3.0, 1.0]])).tolist() == [[0.0, 0.0, -2.0]]  # a tie leads by nothing
