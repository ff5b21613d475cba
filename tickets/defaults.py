"""What a fresh desk starts with: the default queues, and the intents and topics the classifier ships.

The intents come from the classifier's ``labels.yaml`` and the topics from its ``topics.yaml``, read
through its public API (``classifier.LabelSet``); nothing in the desk lists them again. Seeding creates
missing rows only: the admin edits them afterwards, and the classifier reads the intents from the database.
The functions take the model classes so the data migrations can pass their historical models.
"""
from __future__ import annotations

import classifier

DEFAULT_QUEUES = [
    ("payment", "Оплата"),
    ("course", "Обучение"),
    ("profile", "Профиль"),
    ("triage", "Разбор"),
]
TRIAGE = "triage"


def queue_slug_for_intent(name: str, in_scope: bool) -> str:
    """payment-problem → payment; out-of-scope or unknown prefixes → triage."""
    prefix = name.split("-", 1)[0]
    known = {slug for slug, _name in DEFAULT_QUEUES}
    return prefix if in_scope and prefix in known else TRIAGE


def seed_queues(queue_model) -> int:
    created = 0
    for position, (slug, name) in enumerate(DEFAULT_QUEUES):
        _queue, is_new = queue_model.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})
        created += is_new
    return created


def seed_intents(queue_model, intent_model, label_set=None) -> int:
    """One Intent per intent of ``label_set`` (default: the classifier's shipped labels.yaml), out-of-scope ones too."""
    label_set = label_set or classifier.LabelSet.default_images()
    created = 0
    for intent in label_set.intents:
        _row, is_new = intent_model.objects.get_or_create(
            name=intent.name,
            defaults={
                # A title when the label file gives one; the admin names the rest.
                "title": getattr(intent, "title", "") or "",
                "queue": queue_model.objects.get(slug=queue_slug_for_intent(intent.name, intent.in_scope)),
                "descriptions": list(intent.descriptions),
                "prompts": list(intent.prompts),
                "examples": list(intent.examples),
                "keywords": list(intent.keywords),
                "in_scope": bool(intent.in_scope),
            },
        )
        created += is_new
    return created


def seed_topics(topic_model, label_set=None) -> int:
    """One Topic per topic of ``label_set`` (default: the classifier's shipped topics.yaml), in the file's order."""
    label_set = label_set or classifier.LabelSet.default_topics()
    created = 0
    for position, topic in enumerate(label_set.intents):
        _row, is_new = topic_model.objects.get_or_create(
            name=topic.name, defaults={"title": getattr(topic, "title", "") or "", "position": position},
        )
        created += is_new
    return created


def seed_defaults(queue_model, intent_model) -> tuple[int, int]:
    """Queues and intents (migration 0002 calls this with its historical models)."""
    return seed_queues(queue_model), seed_intents(queue_model, intent_model)
