"""A fast, deterministic stand-in for the real classifier (no models are loaded in tests).

It decides from the student's text: a known keyword → that label with confidence 0.91;
"boom" → raises like a broken model; anything else → unsure (label None).
"""
from __future__ import annotations

from typing import Sequence

from classifier.errors import ClassifierError
from classifier import ClassificationResult

KEYWORDS = {
    "payment-problem": ("оплат", "payment", "card", "карт"),
    "course-problem": ("урок", "lesson", "course", "видео"),
    "profile-problem": ("парол", "password", "login", "войти"),
}


class FakeTicketClassifier:
    model_version = "fake-1"

    def __init__(self, label_set=None):
        self.label_set = label_set
        self.calls: list[tuple[list[str], str]] = []

    def predict(self, image_paths: Sequence[str], text: str = "") -> ClassificationResult:
        self.calls.append((list(image_paths), text))
        lowered = (text or "").lower()
        if "boom" in lowered:
            raise ClassifierError("the fake model exploded")
        names = list(self.label_set.all_names) if self.label_set is not None else list(KEYWORDS) + ["other"]
        label = next((name for name, words in KEYWORDS.items() if name in names and any(w in lowered for w in words)), None)
        scores = {name: (0.91 if name == label else 0.09 / max(len(names) - 1, 1)) for name in names}
        if label is None:
            scores = {name: round(1 / len(names), 4) for name in names}
        return ClassificationResult(
            label=label,
            confidence=scores[label] if label else max(scores.values()),
            scores=scores,
            signals={"text": dict(scores)},
            ocr_text=f"{len(image_paths)} screenshot(s)",
            model_version=self.model_version,
            timings={"ocr": 0.001, "fusion": 0.001},
        )


built: list[FakeTicketClassifier] = []


def fake_ticket_classifier(label_set=None) -> FakeTicketClassifier:
    """The factory named by SUPPORTDESK_TICKET_CLASSIFIER in test settings."""
    classifier = FakeTicketClassifier(label_set=label_set)
    built.append(classifier)
    return classifier


# --- The FAQ layer's message-topic classifier (SUPPORTDESK_MESSAGE_CLASSIFIER in test settings) ---------

from classifier import TopicResult  # noqa: E402

TOPIC_KEYWORDS = {
    "offtopic": ("погод", "футбол", "анекдот", "weather", "football"),
    "payment": ("оплат", "деньг", "возврат", "карт", "payment", "refund"),
    "profile": ("парол", "аккаунт", "логин", "войти", "password"),
    "course": ("урок", "курс", "преподават", "занят", "lesson"),
    "career": ("работ", "ваканс", "резюме", "job"),
}
TOPICS = ("payment", "course", "profile", "career", "general", "offtopic")
message_calls: list[tuple[str, dict | None]] = []
message_faq_indexes: list = []  # the ``faq_index`` of each call (the desk passes knowledge's cached index)


def fake_classify_message(text: str, extra_examples: dict | None = None, faq_index=None) -> TopicResult:
    """Keyword topic: the first topic whose keyword occurs (0.9), else "general" (0.5)."""
    message_calls.append((text, extra_examples))
    message_faq_indexes.append(faq_index)
    lowered = (text or "").lower()
    topic = next((name for name, words in TOPIC_KEYWORDS.items() if any(w in lowered for w in words)), "general")
    confidence = 0.9 if topic != "general" else 0.5
    scores = {name: (confidence if name == topic else round((1 - confidence) / (len(TOPICS) - 1), 4)) for name in TOPICS}
    return TopicResult(topic=topic, confidence=confidence, scores=scores, model_version="fake-topic-1")
