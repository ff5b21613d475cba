"""The top-3 re-ranking (classifier/faq/rerank.py): what operators see first; the answered entry is unchanged."""
from __future__ import annotations

import numpy as np
import pytest

from classifier.faq.documents import FaqDocument
from classifier.faq.index import FaqIndex
from classifier.faq.lexical import tokens
from classifier.faq.rerank import FEATURES, Reranker, answer_overlaps, query_text, rerank_order
from tests.classifier.fake_encoders import TokenHashEncoder
from tests.classifier.faq.sample import ENTRIES


def test_answer_overlaps_count_the_messages_words_in_the_answer_and_not_in_the_questions():
    entry = FaqDocument("x", "payment", "Как вернуть деньги?", (), "Заявление на возврат пишут в личном кабинете.")
    msg = set(tokens("где написать заявление на возврат денег"))
    both, answer_only = answer_overlaps(msg, entry)
    assert 0 < answer_only <= both <= 1
    assert answer_overlaps(set(), entry) == (0.0, 0.0)
    assert answer_overlaps(set(tokens("вернуть деньги")), entry)[1] == 0.0  # question words are not answer-only


def test_rerank_order_is_the_linear_score_and_ties_keep_the_fused_order():
    values = np.array([[0.9, 0.5, 0.0, 0.0], [0.8, 0.9, 0.0, 0.0], [0.7, 0.1, 0.0, 0.0]])
    assert rerank_order(values, {"score": 1.0}).tolist() == [0, 1, 2]
    assert rerank_order(values, {"score": 1.0, "e5_score": 1.0}).tolist() == [1, 0, 2]
    assert rerank_order(np.zeros((3, len(FEATURES))), {"score": 1.0}).tolist() == [0, 1, 2]


@pytest.fixture()
def idx():
    return FaqIndex(ENTRIES, encoder=TokenHashEncoder(), rerank_encoder=TokenHashEncoder())


def test_without_fitted_weights_the_order_is_the_fused_scores(idx):
    hits = idx.search("как вернуть деньги за занятия", k=5)
    retrieval = {k: v for k, v in idx.params["retrieval"].items() if k != "rerank"}
    assert idx.reranker.rerank("как вернуть деньги за занятия", hits, retrieval) == hits


def test_the_first_entries_are_re_ordered_and_the_rest_kept(idx):
    text = "как вернуть деньги за занятия"
    hits = idx.search(text, k=5)
    retrieval = {**idx.params["retrieval"], "rerank": {"depth": 3, "weights": {"score": -1.0}}}
    out = idx.reranker.rerank(text, hits, retrieval)
    assert [h.entry_id for h in out[:3]] == [h.entry_id for h in hits[:3][::-1]]  # lowest fused score first
    assert out[3:] == hits[3:]
    assert idx.reranker.rerank("  ", hits, retrieval) == hits


def test_features_are_the_fused_score_the_e5_fusion_and_the_overlaps(idx):
    text = "как вернуть деньги за занятия"
    hits = idx.search(text, k=3)
    X = idx.reranker.features(text, hits, idx.params["retrieval"])
    assert X.shape == (3, len(FEATURES))
    assert X[:, 0] == pytest.approx([h.score for h in hits])
    # the same encoder on both sides: the "e5" fusion is the fused score (whole-answer rows and sentences alike)
    assert X[:, 1] == pytest.approx([h.score for h in hits], abs=1e-5)
    assert Reranker(TokenHashEncoder()).entry_embeddings(ENTRIES[0])[0].shape[0] == len(ENTRIES[0].dense_questions)


def test_the_reranking_encodes_the_messages_meaningful_lines_joined():
    assert query_text("Как вернуть деньги за занятия?") == "Как вернуть деньги за занятия?"
    assert query_text("Привет\nок\nкак вернуть деньги?\n") == "Привет как вернуть деньги?"  # "ок": under 4 characters
    assert query_text(" ок ") == "ок"  # no meaningful line: the text itself


def test_a_multi_line_message_costs_one_e5_encoding_for_the_topic_and_the_reranking():
    from classifier.runtime.encoders import CachedEncoder
    from classifier.runtime.messages import MessageClassifier

    e5 = TokenHashEncoder()  # lists every text it encodes
    shared = CachedEncoder(e5)  # as ``shared_e5_encoder()``: one per-text cache for the process
    index = FaqIndex(ENTRIES, encoder=TokenHashEncoder(), rerank_encoder=shared)
    topics = MessageClassifier(encoder=TokenHashEncoder(), faq_index=index, second_encoder=shared)
    assert topics.second_opinion is not None  # built now: its topic texts are encoded before the count
    for entry in ENTRIES:
        index.reranker.entry_embeddings(entry)
    e5.calls.clear()
    text = "Здравствуйте!\nКак вернуть деньги за занятия?\nЯ заболел и пропустил месяц"

    topics.classify(text)
    for_topics = list(e5.calls)
    index.suggestions(text)

    assert e5.calls == for_topics and e5.calls.count(query_text(text)) == 1  # the re-ranking encoded nothing new
