"""Loading the classifier once per worker process, with the label set built from the Intent table.

django-q2 forks worker processes; each one builds its classifier lazily on the first task and keeps
it. When an admin edits intents (max(updated_at) or the count changes), or an operator's correction adds,
moves or an admin switches off a label example (tickets.LabelExample), the next task rebuilds it.
Nothing heavy is imported at module import time, so the qcluster's parent process stays light.
"""
from __future__ import annotations

import inspect
import logging
import threading
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Max, Q, Window
from django.db.models.functions import RowNumber
from django.utils.module_loading import import_string

from .models import Intent, LabelExample

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_cache: dict[str, Any] = {"key": None, "classifier": None, "factory_path": None}


def intents_version() -> tuple:
    """A cheap key that changes whenever an intent or a label example is added, removed or edited."""
    aggregate = Intent.objects.aggregate(latest=Max("updated_at"), count=Count("id"))
    examples = LabelExample.objects.aggregate(
        latest=Max("updated_at"), count=Count("id"), active=Count("id", filter=Q(is_active=True))
    )
    return (aggregate["latest"], aggregate["count"], examples["latest"], examples["count"], examples["active"])


def correction_examples(intent_names, per_label: int | None = None) -> dict[str, list[str]]:
    """The most recent ``per_label`` active operators' corrections of each named intent, newest first."""
    if per_label is None:
        per_label = settings.SUPPORTDESK_CORRECTION_EXAMPLES_PER_LABEL
    if per_label <= 0:
        return {}
    rows = (
        LabelExample.objects.filter(is_active=True, intent__name__in=list(intent_names))
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("intent_id")], order_by=[F("updated_at").desc(), F("id").desc()])
        )
        .filter(rank__lte=per_label)
        .order_by("intent__name", "rank")
        .values_list("intent__name", "text")
    )
    examples: dict[str, list[str]] = {}
    for name, text in rows:
        examples.setdefault(name, []).append(text)
    return examples


def build_label_set(intents=None):
    """The ``classifier.labels.LabelSet`` that the classifier reads, from the active Intent rows."""
    from classifier.labels import Intent as LabelIntent
    from classifier.labels import LabelSet

    if intents is None:
        intents = Intent.objects.filter(is_active=True).order_by("name")
    intents = list(intents)
    shipped = LabelSet.default_images()  # calibration settings and CLIP templates live with the classifier
    label_set = LabelSet(
        intents=[
            LabelIntent(
                name=intent.name,
                descriptions=list(intent.descriptions or []),
                prompts=list(intent.prompts or []),
                examples=list(intent.examples or []),
                keywords=list(intent.keywords or []),
                in_scope=intent.in_scope,
            )
            for intent in intents
        ],
        settings=dict(shipped.settings),
        clip_templates=list(shipped.clip_templates),
        source="database",
    )
    # Operators' corrections: each one is one more example text of the intent it was corrected to.
    label_set = label_set.with_examples(correction_examples([intent.name for intent in intents]))
    # Without an out-of-scope intent unrelated pictures would be forced into a real queue.
    return label_set.with_out_of_scope_from(shipped)


def desk_ticket_classifier(label_set):
    """The real pipeline reading the desk's intents (the default SUPPORTDESK_TICKET_CLASSIFIER).

    Rebuilding it when intents or label examples change is cheap: the sentence encoder and CLIP are
    cached process-wide by the classifier package, only the label embeddings are recomputed (on the
    first prediction). Measured with the real encoder (one thread):
    the encoder's per-text cache means a rebuild after one correction embeds only the new example
    (~0.03 s with 200 cached examples of ~260 chars, ~0.2 s with 200 of 2000 chars); a cold worker
    embeds all of them once (~0.9 s for 200 short ones, ~7.4 s for 200 at the 2000-char cap).
    """
    from classifier.pipeline import TicketPipeline

    return TicketPipeline(labels=label_set, clip="auto")


def _call_factory(factory, label_set):
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        parameters = {}
    for name in ("label_set", "labels"):
        if name in parameters:
            return factory(**{name: label_set})
    return factory()


def get_ticket_classifier():
    """The classifier for this process, rebuilt only when the intents or the factory setting change."""
    factory_path = settings.SUPPORTDESK_TICKET_CLASSIFIER
    key = intents_version()
    with _lock:
        if _cache["classifier"] is not None and _cache["key"] == key and _cache["factory_path"] == factory_path:
            return _cache["classifier"]
        logger.info("Loading ticket classifier %s (intents version %s)", factory_path, key)
        factory = import_string(factory_path)
        classifier = _call_factory(factory, build_label_set())
        _cache.update(key=key, classifier=classifier, factory_path=factory_path)
        return classifier


def reset_classifier_cache() -> None:
    with _lock:
        _cache.update(key=None, classifier=None, factory_path=None)
