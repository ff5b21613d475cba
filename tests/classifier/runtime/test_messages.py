"""Topics of students' messages (the real encoder: slow)."""
from __future__ import annotations

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
