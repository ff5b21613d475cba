"""The desk's ticket classifier: built from the Intent table, once per worker process, per label-set version.

django-q2 forks worker processes; each one builds its classifier lazily on the first task and keeps it
until the label set changes. The label set's version is its content: ``build_label_set()`` reads the active
intents, the newest operators' corrections (``LabelExample``), the school's profile and the applied fit
(``ClassifierFit``), and ``LabelSet.fingerprint()`` hashes what the classifier would see. A change by any writer (a form, ``queryset.update()``, an admin bulk action,
a data migration, raw SQL) therefore rebuilds the classifier on the next task, and nothing has to remember
to touch ``updated_at``. Cost per task: two queries and a hash; measured with 4 intents and 200 corrections
of 260 characters, 3.6 ms on SQLite and 4.6 ms on PostgreSQL per call, against ~0.5 s for one screenshot.

The factory named by ``SUPPORTDESK_TICKET_CLASSIFIER`` has one signature, ``factory(label_set) ->
TicketClassifier`` (``classifier.TicketClassifierFactory``). The default, ``desk_ticket_classifier``, runs
the real pipeline with the runtime the settings describe (``classifier_runtime_config``).
Nothing heavy is imported at module import time, so the qcluster's parent process stays light.
"""
from __future__ import annotations

import logging
import threading
from typing import Iterable

from django.conf import settings
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils.module_loading import import_string

from classifier import IntentSpec, LabelSet, RuntimeConfig, TicketClassifier, TicketClassifierFactory

from knowledge.selectors import school_faq_texts, school_identity

from .models import ClassifierFit, Intent, LabelExample

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_cache: dict[str, object] = {"key": None, "classifier": None}


def classifier_runtime_config() -> RuntimeConfig:
    """How the classifier runs in this deployment (settings: SUPPORTDESK_CLIP_MODEL, _MODEL_THREADS, ...)."""
    return RuntimeConfig(
        clip_model=settings.SUPPORTDESK_CLIP_MODEL,
        threads=settings.SUPPORTDESK_MODEL_THREADS,
        allow_download=settings.SUPPORTDESK_ALLOW_DOWNLOAD,
        tesseract_cmd=settings.SUPPORTDESK_TESSERACT_CMD,
        clip_backend=settings.SUPPORTDESK_CLIP_BACKEND,
        clip_cache_dir=settings.SUPPORTDESK_CLIP_CACHE_DIR,
        ocr_workers=settings.SUPPORTDESK_OCR_WORKERS,
        ocr_cache_dir=settings.SUPPORTDESK_OCR_CACHE_DIR,
        ocr_lang=settings.SUPPORTDESK_OCR_LANG,
    )


def correction_examples(intent_names: Iterable[str], per_label: int | None = None) -> dict[str, list[str]]:
    """The most recent ``per_label`` active operators' corrections of each named intent, newest first (each one as
    ``classifier.correction_text`` remembered it)."""
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


def applied_fit() -> ClassifierFit | None:
    """The newest fit of the fusion on this desk's own tickets that was applied (``manage.py classifier_fit``)."""
    return ClassifierFit.objects.filter(applied=True).order_by("-created_at", "-id").first()


def build_label_set(intents: Iterable[Intent] | None = None) -> LabelSet:
    """The label set the classifier reads: the active Intent rows, the operators' corrections, the school's
    identity (``knowledge.SchoolProfile``) and the desk's own fit of the fusion, if one was applied.

    The shipped label set contributes what belongs to the model (fusion settings, CLIP templates, problem
    cues); the rows contribute the intents. An out-of-scope "other" is added by the pipeline if the admin
    switched every out-of-scope intent off. An applied ``ClassifierFit`` overrides the shipped settings it fitted
    and its version becomes part of every prediction's model version.
    """
    if intents is None:
        intents = Intent.objects.filter(is_active=True).order_by("name")
    intents = list(intents)
    label_set = LabelSet.default_images().with_intents(
        IntentSpec(
            name=intent.name,
            descriptions=list(intent.descriptions or []),
            prompts=list(intent.prompts or []),
            examples=list(intent.examples or []),
            keywords=list(intent.keywords or []),
            in_scope=intent.in_scope,
        )
        for intent in intents
    )
    # Operators' corrections: remembered by the classifier's memory signal (classifier.runtime.memory).
    label_set = label_set.with_corrections(correction_examples([intent.name for intent in intents]))
    label_set = label_set.with_school(school_identity())
    # The school's own vocabulary, learnt from its FAQ (classifier.runtime.school_terms); one more query and
    # ~16 ms per call with a 60-entry FAQ (130 texts), against ~0.5 s of OCR per screenshot.
    label_set = label_set.with_school_faq(school_faq_texts())
    fit = applied_fit()
    if fit is not None:
        label_set = label_set.with_settings({**fit.settings, "fit_version": fit.version})
    return label_set


def desk_ticket_classifier(label_set: LabelSet) -> TicketClassifier:
    """The real pipeline reading the desk's intents (the default SUPPORTDESK_TICKET_CLASSIFIER).

    Rebuilding it when intents or label examples change is cheap: the sentence encoder and CLIP are
    cached process-wide by the classifier package, only the label embeddings are recomputed (on the
    first prediction). Measured with the real encoder (one thread):
    the encoder's per-text cache means a rebuild after one correction embeds only the new example
    (~0.03 s with 200 cached examples of ~260 chars, ~0.2 s with 200 of 2000 chars); a cold worker
    embeds all of them once (~0.9 s for 200 short ones, ~7.4 s for 200 at the 2000-char cap).
    """
    from classifier import TicketPipeline  # numpy, Pillow, the encoder: only in processes that classify

    return TicketPipeline.from_config(classifier_runtime_config(), label_set)


def cached_ticket_classifier() -> TicketClassifier:
    """This process's classifier, rebuilt only when the label set's content or the factory setting changes."""
    factory_path = settings.SUPPORTDESK_TICKET_CLASSIFIER
    label_set = build_label_set()
    key = (factory_path, label_set.fingerprint())
    with _lock:
        if _cache["classifier"] is not None and _cache["key"] == key:
            return _cache["classifier"]  # type: ignore[return-value]
        logger.info("Loading ticket classifier %s (label set %s)", factory_path, key[1])
        factory: TicketClassifierFactory = import_string(factory_path)
        classifier = factory(label_set)
        _cache.update(key=key, classifier=classifier)
        return classifier


def reset_classifier_cache() -> None:
    with _lock:
        _cache.update(key=None, classifier=None)
