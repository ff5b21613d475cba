"""Rules that change the knowledge base, and the per-process FAQ index the desk asks for answers.

Entry points (tickets.services calls the first two for student messages, replies and feedback; the faq_import /
faq_export commands the third):

* ``faq_answer_decision(text, topic_prediction=None) -> AutoAnswerDecision`` -- auto-answer or not (its
  ``outcome``, a ``classifier.FaqOutcome``), top-3 suggestions, needs-human judgement;
* ``faq_usage_record(entry, ticket_id, kind)`` -- count a sent / accepted / rejected answer;
* ``faq_import(path_or_text)`` / ``faq_export(path=None)`` -- faq.yaml in and out (idempotent upsert by id);
* ``faq_phrasing_offer(entry, text, ticket_id)`` / ``faq_phrasing_add(offer, actor)`` / ``faq_phrasing_dismiss``
  -- learning from operators' answers: the student's question of a ticket answered with an entry is offered as a
  learned phrasing of it; the admin adds it with one click (``classifier.with_learned_question``, the function
  the replay measures) or dismisses it; both write a ``FaqEntryEvent``;
* ``faq_calibration_refit()`` -- fit the school's auto-answer calibration on its own FAQ (``faq_import`` does),
  stored with each entry's held-out check (``classifier.faq_health``; read by ``selectors.faq_health_current``);
* ``faq_index_get()`` -- the cached ``FaqIndex`` over active entries, rebuilt when their content changes;
  embeddings are stored on the rows and reused.

The index's version is its content: the id, topic and text hash of every active entry, read on each call
(not the embedding column; measured 2.1 ms on SQLite, 2.7 ms on PostgreSQL for 100 entries with
500-character answers). Whoever changes an entry, by a form, ``queryset.update()`` or raw SQL, the next
call sees it; nothing depends on ``updated_at``.

Settings: ``SUPPORTDESK_FAQ_ENCODER`` -- dotted path of a zero-argument factory returning a sentence encoder
(empty: the classifier's FAQ encoder, ``classifier.faq_encoder()``: the blend named in its ``thresholds.yaml``, USE
with ``SUPPORTDESK_MODEL_THREADS`` threads and/or e5). A configured encoder also stands in for e5 in the
suggestions' re-ranking (``FaqIndex.suggestions``), so a desk run on a model-free encoder loads no model.
"""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from classifier import (
    AutoAnswerDecision, FaqCalibration, FaqDocument, FaqIndex, SentenceEncoder, answer_decision, calibrate_faq,
    dump_faq_yaml, faq_encoder as classifier_faq_encoder, faq_health, held_out_queries, learned_phrasing,
    load_faq_document,
    shared_sentence_encoder, with_learned_question,
)

from .models import FaqCalibrationFit, FaqEntry, FaqEntryEvent, FaqPhrasingOffer, FaqUsage, SchoolProfile

_lock = threading.Lock()
_index: FaqIndex | None = None
_index_key: str | None = None
_encoder: SentenceEncoder | None = None


# --- encoder / index ------------------------------------------------------------------------------------


def faq_encoder() -> SentenceEncoder:
    global _encoder
    if _encoder is None:
        path = settings.SUPPORTDESK_FAQ_ENCODER
        if path:
            _encoder = import_string(path)()
        else:
            shared_sentence_encoder(settings.SUPPORTDESK_MODEL_THREADS)  # built with the desk's thread count
            _encoder = classifier_faq_encoder()  # the encoder blend the shipped FAQ numbers were fitted with
    return _encoder


def faq_index_reset() -> None:
    """Forget the cached index and encoder (tests; after changing SUPPORTDESK_FAQ_ENCODER)."""
    global _index, _index_key, _encoder
    with _lock:
        _index, _index_key, _encoder = None, None, None


def _active_documents() -> tuple[list[int], list[FaqDocument], str]:
    """(row ids, documents, content version) of the active entries, without their stored embeddings."""
    rows = FaqEntry.objects.filter(is_active=True).defer("embedding").order_by("id")
    pks, docs = [], []
    version = hashlib.sha1()
    for row in rows:
        doc = row.to_record()
        pks.append(row.pk)
        docs.append(doc)
        version.update(f"{doc.id}\x1f{doc.topic}\x1f{doc.content_hash()}\x1e".encode("utf-8"))
    return pks, docs, version.hexdigest()


def _encoder_name(encoder: SentenceEncoder) -> str:
    return getattr(encoder, "name", type(encoder).__name__)


def _vectors_json(encoder_name: str, content_hash: str, vectors: tuple[np.ndarray, np.ndarray]) -> dict:
    """One encoder's (question rows, answer rows) vectors of an entry as stored in ``FaqEntry.embedding``, with
    the encoder and content hash they belong to. 5 decimals, rounded in float64: a rounded float32 prints with
    ~17 digits, 2.3× the JSON (e5's rows of one entry: ~80 KiB instead of ~35)."""
    return {"encoder": encoder_name, "hash": content_hash,
            **{part: np.round(np.asarray(rows, np.float64), 5).tolist()
               for part, rows in zip(("questions", "answer"), vectors)}}


def _stored_vectors(stored: dict | None, encoder_name: str, content_hash: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The vectors of a ``_vectors_json`` when they are ``encoder_name``'s for this content, else None (stale or
    another encoder's: never used)."""
    if not stored or stored.get("encoder") != encoder_name or stored.get("hash") != content_hash:
        return None
    return np.asarray(stored["questions"], np.float32), np.asarray(stored["answer"], np.float32)


def _stored_by_row(stored: dict[int, dict | None], encoder_name: str, fresh: dict[int, str],
                   part: str | None = None) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per row id, its usable stored vectors of ``encoder_name`` (``FaqEntry.embedding`` itself, or its ``part``
    sub-object), for the row's current content hash in ``fresh``."""
    usable = {}
    for pk, embedding in stored.items():
        vectors = _stored_vectors((embedding or {}).get(part) if part else embedding, encoder_name, fresh[pk])
        if vectors is not None:
            usable[pk] = vectors
    return usable


def faq_index_get() -> FaqIndex:
    """The process-wide index over active entries; rebuilt (re-embedding only changed entries) on change.

    Both encoders' entry vectors live on the rows (``FaqEntry.embedding``: the FAQ encoder's, and under
    ``"rerank"`` the re-ranking encoder's, e5 unless ``SUPPORTDESK_FAQ_ENCODER`` is set): a new worker process
    encodes no entry, where it used to e5-encode every entry on its first suggestions (~11 s of one core for 32
    entries). Entries without valid vectors are encoded here, under the lock, and written back: once per edit.
    """
    global _index, _index_key
    pks, docs, key = _active_documents()
    with _lock:
        if _index is not None and key == _index_key:
            return _index
        encoder = faq_encoder()
        name = _encoder_name(encoder)
        stored = dict(FaqEntry.objects.filter(pk__in=pks).values_list("pk", "embedding"))
        # a new index (requests may be searching the old one), seeded with every vector already known
        index = FaqIndex([], encoder=encoder, rerank_encoder=encoder if settings.SUPPORTDESK_FAQ_ENCODER else None)
        if _index is not None and _encoder_name(_index.encoder) == name:
            index.load_embeddings(_index.embeddings())
            # the re-ranking's e5 vectors too (same encoder: the configured one, or e5 in both)
            live = {doc.content_hash() for doc in docs}  # an edited entry's old vectors are dropped, not kept forever
            index.reranker.load_embeddings({k: v for k, v in _index.reranker.embeddings().items() if k in live})
        fresh = {pk: doc.content_hash() for pk, doc in zip(pks, docs)}
        known = _stored_by_row(stored, name, fresh)
        index.load_embeddings({fresh[pk]: v for pk, v in known.items()})
        rerank_name = _encoder_name(index.reranker.encoder)  # no model is loaded until something is encoded
        rerank_known = _stored_by_row(stored, rerank_name, fresh, "rerank")
        index.reranker.load_embeddings({fresh[pk]: v for pk, v in rerank_known.items()})
        reranking = bool(index.params["retrieval"].get("rerank"))  # off: e5 is neither loaded nor asked
        index.refresh(docs)
        # store new vectors on their rows (queryset.update: does not touch updated_at); skipped if the row's text
        # changed meanwhile (its next build embeds the new text)
        for pk, doc in zip(pks, docs):
            if pk in known and (pk in rerank_known or not reranking):
                continue
            embedding = _vectors_json(name, fresh[pk], index.embedding_for(doc))
            # e5-encodes the entry when neither its row nor the old index had its vectors (~0.35 s an entry)
            rerank_vectors = index.reranker.entry_embeddings(doc) if reranking else rerank_known.get(pk)
            if rerank_vectors is not None:
                embedding["rerank"] = _vectors_json(rerank_name, fresh[pk], rerank_vectors)
            FaqEntry.objects.filter(pk=pk, question=doc.question, answer=doc.answer).update(
                content_hash=fresh[pk], embedding=embedding)
        _index, _index_key = index, key
        return index


def faq_answer_decision(text: str, topic_prediction: Any = None) -> AutoAnswerDecision:
    """Should the desk answer ``text`` automatically, and with which entry? (``classifier.answer_decision``)

    With the school's newest FAQ calibration applied (its version is on the decision), else the shipped numbers.
    """
    index = faq_index_get()
    calibration = faq_calibration_current()
    params = calibration.apply(index.params) if calibration is not None else None
    return answer_decision(text, index, topic_prediction, params=params)


# --- self-calibration -----------------------------------------------------------------------------------


def faq_calibration_current() -> FaqCalibration | None:
    """The newest fitted calibration of the school's FAQ (None: never fitted, the shipped numbers apply)."""
    row = FaqCalibrationFit.objects.order_by("-created_at", "-pk").first()
    return FaqCalibration.from_dict(row.fitted) if row is not None else None


def faq_calibration_refit() -> FaqCalibrationFit | None:
    """Fit the auto-answer calibration on the active entries (held out, ``classifier.calibrate_faq``) and store it,
    with the per-entry outcome of the same held-out questions (``classifier.faq_health``) for the FAQ editor.

    Idempotent: the same FAQ and rule give the same version, and an existing row of that version is returned (its
    held-out check filled in when it was fitted before that was stored). None when the FAQ is empty. Cost: ~10 s
    of one core for 35 entries with the real encoder (one small index per held-out question), asked once for both;
    paid on import, never per message.
    """
    _, docs, key = _active_documents()
    if not docs:
        return None
    index = faq_index_get()
    queries = held_out_queries(docs, index.encoder, index.params)
    calibration = calibrate_faq(docs, index.encoder, index.params, queries=queries)
    health = faq_health(docs, queries).to_dict()
    row = FaqCalibrationFit.objects.filter(version=calibration.version).order_by("-created_at", "-pk").first()
    if row is not None and row == FaqCalibrationFit.objects.order_by("-created_at", "-pk").first():
        if row.health != health:
            row.health = health
            row.save(update_fields=["health"])
        return row
    name = _encoder_name(index.encoder)
    return FaqCalibrationFit.objects.create(version=calibration.version, faq_key=key[:40], encoder=str(name)[:120],
                                            fitted=calibration.to_dict(), health=health, entries=len(docs))


# --- usage ----------------------------------------------------------------------------------------------


def faq_usage_record(entry: FaqEntry | str, ticket_id: int | None, kind: str) -> FaqUsage:
    """Record that ``entry`` (an instance or its external id) was sent / accepted / rejected on a ticket."""
    if kind not in FaqUsage.Kind.values:
        raise ValueError(f"unknown FAQ usage kind {kind!r}; one of {', '.join(FaqUsage.Kind.values)}")
    if not isinstance(entry, FaqEntry):
        entry = FaqEntry.objects.get(external_id=entry)
    return FaqUsage.objects.create(entry=entry, ticket_id=ticket_id, kind=kind)


# --- learning from operators' answers -------------------------------------------------------------------


def faq_phrasing_offer(entry: FaqEntry, text: str, ticket_id: int | None = None) -> FaqPhrasingOffer | None:
    """Offer the student's ``text`` as a learned phrasing of ``entry`` (an operator answered it with the entry).

    None when there is nothing new to offer: an empty text, a phrasing the entry already has (its own or
    learned), or the same text already waiting for a decision on this entry.
    """
    phrasing = learned_phrasing(text)
    if not phrasing or phrasing in entry.to_record().dense_questions:
        return None
    if FaqPhrasingOffer.objects.filter(entry=entry, text=phrasing, status=FaqPhrasingOffer.Status.OFFERED).exists():
        return None
    return FaqPhrasingOffer.objects.create(entry=entry, text=phrasing, ticket_id=ticket_id)


def _decide(offer: FaqPhrasingOffer | int, actor, status: str, kind: str) -> FaqPhrasingOffer | None:
    """Lock the offer; None when it was already decided (a second click, another admin's click)."""
    pk = offer.pk if isinstance(offer, FaqPhrasingOffer) else offer
    offer = FaqPhrasingOffer.objects.select_for_update().select_related("entry").filter(pk=pk).first()
    if offer is None or offer.status != FaqPhrasingOffer.Status.OFFERED:
        return None
    offer.status = status
    offer.save(update_fields=["status"])
    FaqEntryEvent.objects.create(entry=offer.entry, actor=actor, kind=kind, text=offer.text, ticket_id=offer.ticket_id)
    return offer


@transaction.atomic
def faq_phrasing_add(offer: FaqPhrasingOffer | int, actor) -> FaqPhrasingOffer | None:
    """Add an offered phrasing to its entry's learned phrasings (one click in the admin) and record who did.

    The entry's content hash changes, so the next ``faq_index_get`` re-embeds that entry alone, as after any edit
    (one entry, ~20 ms with the real encoder). Returns the offer, or None when it was already decided.
    """
    offer = _decide(offer, actor, FaqPhrasingOffer.Status.ADDED, FaqEntryEvent.Kind.PHRASING_ADDED)
    if offer is None:
        return None
    entry = FaqEntry.objects.select_for_update().get(pk=offer.entry_id)
    record = entry.to_record()
    learned = with_learned_question([record], record.id, offer.text)[0].learned_questions
    if list(learned) != list(entry.learned_questions or []):
        entry.learned_questions = list(learned)
        entry.save(update_fields=["learned_questions", "updated_at"])
    return offer


@transaction.atomic
def faq_phrasing_dismiss(offer: FaqPhrasingOffer | int, actor) -> FaqPhrasingOffer | None:
    """Dismiss an offered phrasing (not a way to ask this entry's question) and record who did."""
    return _decide(offer, actor, FaqPhrasingOffer.Status.DISMISSED, FaqEntryEvent.Kind.PHRASING_DISMISSED)


# --- import / export ------------------------------------------------------------------------------------


@transaction.atomic
def faq_import(path_or_text: str | Path, *, deactivate_missing: bool = False) -> dict[str, int]:
    """Upsert entries of a faq.yaml by id. Idempotent: importing the same file twice changes nothing.

    Returns counts ``created``, ``updated``, ``unchanged``, ``deactivated`` (entries not in the file are only
    deactivated, never deleted, and only with ``deactivate_missing``: their usage history stays).
    """
    header, records = load_faq_document(path_or_text)
    school_profile_update(name=header.get("school"), site=header.get("site"))
    counts = {"created": 0, "updated": 0, "unchanged": 0, "deactivated": 0}
    existing = {e.external_id: e for e in FaqEntry.objects.filter(external_id__in=[r.id for r in records])}
    for rec in records:
        fields = {"topic": rec.topic, "question": rec.question, "alt_questions": list(rec.alt_questions),
                  "answer": rec.answer, "is_active": True}
        obj = existing.get(rec.id)
        if rec.learned_questions:  # another desk's export: its learned phrasings join ours (a school's own file
            # has none, and re-importing it keeps what this desk's operators added)
            known = list(obj.learned_questions or []) if obj is not None else []
            fields["learned_questions"] = known + [q for q in dict.fromkeys(rec.learned_questions) if q not in known]
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
    if counts["created"] or counts["updated"] or counts["deactivated"] or not FaqCalibrationFit.objects.exists():
        faq_calibration_refit()  # the school's own FAQ refits its auto-answer calibration
    return counts


def school_profile_update(*, name: str | None = None, site: str | None = None) -> SchoolProfile:
    """Set the school's name and site (the desk's one profile row, created on first use); ``None`` keeps a value.

    ``faq_import`` calls it with faq.yaml's ``school`` and ``site``: the school's FAQ is its own configuration.
    Aliases and domains are only edited in the admin.
    """
    profile = SchoolProfile.objects.order_by("pk").first() or SchoolProfile()
    changed = profile.pk is None
    for attr, value in (("name", name), ("site", site)):
        value = str(value).strip() if value is not None else None
        if value and value != getattr(profile, attr):
            setattr(profile, attr, value)
            changed = True
    if changed:
        profile.save()
    return profile


def faq_export(path: str | Path | None = None, *, include_inactive: bool = False, **header: Any) -> str:
    """The knowledge base as faq.yaml text (written to ``path`` if given). ``header``: school, site, updated."""
    qs = FaqEntry.objects.all() if include_inactive else FaqEntry.objects.filter(is_active=True)
    defaults = dict(getattr(settings, "SUPPORTDESK_FAQ_HEADER", {}) or {})
    profile = SchoolProfile.objects.order_by("pk").first()
    if profile is not None:  # the school's own name and site, as faq_import read them
        defaults.update({k: v for k, v in (("school", profile.name), ("site", profile.site)) if v})
    defaults.update({k: v for k, v in header.items() if v is not None})
    return dump_faq_yaml([e.to_record() for e in qs.order_by("id")], path, **defaults)
