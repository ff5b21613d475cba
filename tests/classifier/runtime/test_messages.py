"""Topics of students' messages (the real encoder: slow)."""
from __future__ import annotations

import numpy as np
import pytest

from classifier import MessageClassifier, TopicResult, classify_message


def test_faq_examples_become_topic_examples(hash_encoder):
    plain = MessageClassifier(encoder=hash_encoder)
    extended = MessageClassifier(encoder=hash_encoder, extra_examples={"payment": ["Налоговый вычет за учёбу"],
                                                                       "no-such-topic": ["ignored"]})
    assert "Налоговый вычет за учёбу" in extended.labels["payment"].examples
    assert "no-such-topic" not in extended.labels
    assert plain.model_version != extended.model_version and plain.settings["threshold"] == 0.0
    result = extended.classify("налоговый вычет за учёбу")
    assert isinstance(result, TopicResult) and result.topic == "payment"


@pytest.mark.slow
@pytest.mark.parametrize(
    "text,topic",
    [
        ("можно оплатить курс в рассрочку?", "payment"),
        ("видео в уроке не воспроизводится", "course"),
        ("не приходит смс с кодом для входа", "profile"),
        ("помогаете ли вы с поиском работы после обучения?", "career"),
        ("есть ли у вас мобильное приложение?", "general"),
        ("кто-нибудь смотрел вчера футбол?", "offtopic"),
    ],
)
def test_classify_message(text, topic):
    pred = classify_message(text)
    assert isinstance(pred, TopicResult)
    assert pred.topic == topic
    assert abs(sum(pred.scores.values()) - 1) < 1e-4 and pred.confidence == max(pred.scores.values())


@pytest.mark.slow
def test_classify_message_with_faq_examples():
    base = classify_message("как получить налоговый вычет за учёбу")
    extra = classify_message("как получить налоговый вычет за учёбу",
                             extra_examples={"payment": ["Как оформить налоговый вычет за обучение?"]})
    assert extra.topic == "payment"
    assert extra.scores["payment"] >= base.scores["payment"]


# -- the school's FAQ as a signal: the topic of the best-matching FAQ entry ("faqtop") ---------------------------

def _small_faq_index():
    from classifier.faq.index import FaqIndex
    from tests.classifier.fake_encoders import TokenHashEncoder
    from tests.classifier.faq.sample import ENTRIES

    return FaqIndex(ENTRIES, encoder=TokenHashEncoder())


def test_best_faq_topic_signal_is_the_best_entry_score_on_its_topic_only(hash_encoder):
    from classifier.runtime.messages import best_faq_topic_signal

    index = _small_faq_index()
    names = MessageClassifier(encoder=hash_encoder).names
    signal = best_faq_topic_signal(index, "забыл пароль от аккаунта", names)
    best = index.search("забыл пароль от аккаунта", k=1)[0]
    assert best.entry.topic == "profile"
    assert signal[names.index("profile")] == pytest.approx(best.score) and best.score > 0
    assert [name for name, value in zip(names, signal) if value != 0] == ["profile"]
    # no index, no text, an empty FAQ: no signal
    from classifier.faq.index import FaqIndex
    for idx, text in ((None, "забыл пароль"), (index, "   "), (FaqIndex([], encoder=index.encoder), "забыл пароль")):
        assert not best_faq_topic_signal(idx, text, names).any()


def test_the_faq_signal_adds_its_fitted_weight_to_the_best_entrys_topic(hash_encoder):
    from classifier.runtime.labels import LabelSet

    index = _small_faq_index()
    labels = LabelSet.default_topics()
    weighted = labels.with_settings({**labels.settings, "w_faqtop": 5.0})
    text = "как вернуть деньги"
    without = MessageClassifier(labels=weighted, encoder=hash_encoder)
    with_faq = MessageClassifier(labels=weighted, encoder=hash_encoder, faq_index=index)
    signal = with_faq.features(text)["faqtop"]
    assert signal[with_faq.names.index("payment")] > 0
    assert with_faq.logits(text) - without.logits(text) == pytest.approx(5.0 * signal)
    assert with_faq.classify(text).scores["payment"] > without.classify(text).scores["payment"]
    assert with_faq.model_version != without.model_version  # the FAQ is part of what decided the topic
    # the shipped weight 0 (no fit with a FAQ) leaves the logits as they were
    unweighted = labels.with_settings({**labels.settings, "w_faqtop": 0.0})
    assert MessageClassifier(labels=unweighted, encoder=hash_encoder, faq_index=index).logits(text) == pytest.approx(
        MessageClassifier(labels=unweighted, encoder=hash_encoder).logits(text))


def test_school_topic_classifier_gets_the_schools_faq_index(monkeypatch, hash_encoder):
    from classifier.fitting import evaluate
    from tests.classifier.faq.sample import ENTRIES

    monkeypatch.setattr("classifier.faq.index.shared_sentence_encoder", lambda *a, **k: hash_encoder)
    clf = evaluate.school_topic_classifier(ENTRIES)
    assert [e.id for e in clf.faq_index.entries] == [e.id for e in ENTRIES]
    assert evaluate.school_topic_classifier([]).faq_index is None


# -- the second opinion: the nearest topic text under a second encoder, hubness-corrected (CSLS) ------------------

def _tiny_topics():
    from classifier.runtime.labels import IntentSpec, LabelSet

    return LabelSet([IntentSpec("payment", examples=["оплата картой", "вернуть деньги за курс"]),
                     IntentSpec("course", examples=["урок не открывается", "курс урок видео домашка деньги"]),
                     IntentSpec("offtopic", examples=["всем привет"])],
                    settings={"fallback_label": "offtopic"})


def test_second_opinion_is_the_best_similarity_minus_half_the_texts_hubness():
    from classifier.runtime.encoders import CachedEncoder
    from classifier.runtime.messages import SecondOpinion
    from tests.classifier.fake_encoders import PrefixHashEncoder

    labels = _tiny_topics()
    encoder = CachedEncoder(PrefixHashEncoder())
    opinion = SecondOpinion(labels, encoder, neighbours=2)
    texts = [t for intent in labels for t in intent.texts]
    emb = encoder.encode(texts)
    sims = emb @ emb.T
    np.fill_diagonal(sims, -np.inf)
    hub = np.sort(sims, axis=1)[:, -2:].mean(axis=1)
    query = encoder.encode(["вернуть деньги"])[0]
    expected = [max(float(emb[i] @ query) - 0.5 * hub[i] for i, t in enumerate(texts) if t in intent.texts)
                for intent in labels]
    assert opinion.scores("вернуть деньги") == pytest.approx(expected)
    assert opinion.scores("вернуть деньги").argmax() == labels.all_names.index("payment")
    assert not opinion.scores("   ").any()


def test_the_second_opinion_fills_its_column_with_its_fitted_weight(hash_encoder):
    from classifier.runtime.messages import SECOND_OPINION_COLUMN
    from tests.classifier.fake_encoders import PrefixHashEncoder

    labels = _tiny_topics().with_settings({"w_user_sem": 1.0, f"w_{SECOND_OPINION_COLUMN}": 3.0})
    alone = MessageClassifier(labels=labels, encoder=hash_encoder)
    second = MessageClassifier(labels=labels, encoder=hash_encoder, second_encoder=PrefixHashEncoder(dim=64))
    assert alone.second_opinion is None and not alone.features("урок не открывается")[SECOND_OPINION_COLUMN].any()
    signal = second.features("урок не открывается")[SECOND_OPINION_COLUMN]
    assert signal.argmax() == second.names.index("course")
    assert second.logits("урок не открывается") - alone.logits("урок не открывается") == pytest.approx(3.0 * signal)
    assert second.model_version != alone.model_version


@pytest.mark.slow
def test_the_default_message_classifier_asks_e5():
    clf = MessageClassifier()
    assert clf.second_encoder is not None and clf.second_encoder.name.startswith("e5-")
    assert clf.settings["top_k"] == 1 and clf.settings["w_e5top"] > 0  # fitted on dev (topics3)
