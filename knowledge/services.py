"""Rules that change the knowledge base, and the per-process FAQ index the desk asks for answers.

Entry points (tickets.services calls the first two for student messages, replies and feedback; the faq_import /
faq_export commands the third):

* ``faq_answer_decision(text, topic_prediction=None) -> AutoAnswerDecision`` -- auto-answer or not, top-3
  suggestions, needs-human judgement (classifier/faq.py);
* ``faq_usage_record(entry, ticket_id, kind)`` -- count a sent / accepted / rejected answer;
* ``faq_import(path_or_text)`` / ``faq_export(path=None)`` -- faq.yaml in and out (idempotent upsert by id);
* ``faq_index_get()`` -- the cached ``FaqIndex`` over active entries, rebuilt when an entry changes
  (count / max(updated_at) of the table); embeddings are stored on the rows and reused.

Settings: ``SUPPORTDESK_FAQ_ENCODER`` -- dotted path of a zero-argument factory returning a sentence encoder
(default ``classifier.faq.default_encoder``, the project's multilingual encoder).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterable

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils.module_loading import import_string

from classifier.faq import AutoAnswerDecision, FaqIndex, answer_decision, dump_faq_yaml, load_faq_document

from .models import FaqEntry, FaqUsage

_lock = threading.Lock()
_index: FaqIndex | None = None
_index_key: tuple | None = None
_encoder = None


# --- encoder / index ------------------------------------------------------------------------------------


def faq_encoder():
    global _encoder
    if _encoder is None:
        path = getattr(settings, "SUPPORTDESK_FAQ_ENCODER", "") or "classifier.faq.default_encoder"
        _encoder = import_string(path)()
    return _encoder


def faq_index_reset() -> None:
    """Forget the cached index and encoder (tests; after changing SUPPORTDESK_FAQ_ENCODER)."""
    global _index, _index_key, _encoder
    with _lock:
        _index, _index_key, _encoder = None, None, None


def _table_key() -> tuple:
    agg = FaqEntry.objects.filter(is_active=True).aggregate(n=Count("id"), last=Max("updated_at"))
    return agg["n"], agg["last"]


def _stored_embeddings(rows: Iterable[FaqEntry], encoder_name: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for r in rows:
        e = r.embedding or {}
        if e.get("hash") == r.content_hash and e.get("encoder") == encoder_name:
            out[r.content_hash] = (np.asarray(e["questions"], np.float32), np.asarray(e["answer"], np.float32))
    return out


def faq_index_get() -> FaqIndex:
    """The process-wide index over active entries; rebuilt (re-embedding only changed entries) on change."""
    global _index, _index_key
    key = _table_key()
    with _lock:
        if _index is not None and key == _index_key:
            return _index
        rows = list(FaqEntry.objects.filter(is_active=True).order_by("id"))
        encoder = faq_encoder()
        name = getattr(encoder, "name", type(encoder).__name__)
        # a new index (requests may be searching the old one), seeded with every vector already known
        index = FaqIndex([], encoder=encoder)
        if _index is not None and getattr(_index.encoder, "name", None) == name:
            index.load_embeddings(_index._emb_cache)
        index.load_embeddings(_stored_embeddings(rows, name))
        index.refresh([r.to_record() for r in rows])
        # store new embeddings on their rows (queryset.update: does not touch updated_at)
        for r in rows:
            e = r.embedding or {}
            if e.get("hash") != r.content_hash or e.get("encoder") != name:
                q, a = index.embedding_for(r.to_record())
                FaqEntry.objects.filter(pk=r.pk, content_hash=r.content_hash).update(embedding={
                    "encoder": name, "hash": r.content_hash,
                    "questions": np.round(q, 5).tolist(), "answer": np.round(a, 5).tolist(),
                })
        _index, _index_key = index, key
        return index


def faq_answer_decision(text: str, topic_prediction: Any = None) -> AutoAnswerDecision:
    """Should the desk answer ``text`` automatically, and with which entry? (see classifier.faq.answer_decision)"""
    return answer_decision(text, faq_index_get(), topic_prediction)


# --- usage ----------------------------------------------------------------------------------------------


def faq_usage_record(entry: FaqEntry | str, ticket_id: int | None, kind: str) -> FaqUsage:
    """Record that ``entry`` (an instance or its external id) was sent / accepted / rejected on a ticket."""
    if kind not in FaqUsage.Kind.values:
        raise ValueError(f"unknown FAQ usage kind {kind!r}; one of {', '.join(FaqUsage.Kind.values)}")
    if not isinstance(entry, FaqEntry):
        entry = FaqEntry.objects.get(external_id=entry)
    return FaqUsage.objects.create(entry=entry, ticket_id=ticket_id, kind=kind)


# --- import / export ------------------------------------------------------------------------------------


@transaction.atomic
def faq_import(path_or_text: str | Path, *, deactivate_missing: bool = False) -> dict[str, int]:
    """Upsert entries of a faq.yaml by id. Idempotent: importing the same file twice changes nothing.

    Returns counts ``created``, ``updated``, ``unchanged``, ``deactivated`` (entries not in the file are only
    deactivated, never deleted, and only with ``deactivate_missing``: their usage history stays).
    """
    _, records = load_faq_document(path_or_text)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "deactivated": 0}
    existing = {e.external_id: e for e in FaqEntry.objects.filter(external_id__in=[r.id for r in records])}
    for rec in records:
        fields = {"topic": rec.topic, "question": rec.question, "alt_questions": list(rec.alt_questions),
                  "answer": rec.answer, "is_active": True}
        obj = existing.get(rec.id)
        if obj is None:
            FaqEntry.objects.create(external_id=rec.id, **fields)
            counts["created"] += 1
        elif any(getattr(obj, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(obj, k, v)
            obj.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    if deactivate_missing:
        counts["deactivated"] = (FaqEntry.objects.filter(is_active=True)
                                 .exclude(external_id__in=[r.id for r in records]).update(is_active=False))
    return counts


def faq_export(path: str | Path | None = None, *, include_inactive: bool = False, **header: Any) -> str:
    """The knowledge base as faq.yaml text (written to ``path`` if given). ``header``: school, site, updated."""
    qs = FaqEntry.objects.all() if include_inactive else FaqEntry.objects.filter(is_active=True)
    defaults = dict(getattr(settings, "SUPPORTDESK_FAQ_HEADER", {}) or {})
    defaults.update({k: v for k, v in header.items() if v is not None})
    return dump_faq_yaml([e.to_record() for e in qs.order_by("id")], path, **defaults)
