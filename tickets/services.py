"""Everything that changes the desk's data. Views, serializers, admin, commands and tasks call these.

Each write that matters leaves a TicketEvent (who, when, old, new) so the history is complete.
"""
from __future__ import annotations

import logging
import math
import time
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from classifier import FaqOutcome

from .models import (
    TRIAGE_QUEUE_SLUG,
    Attachment,
    Intent,
    LabelExample,
    Message,
    MessageAnalysis,
    OperatorProfile,
    Prediction,
    Queue,
    Ticket,
    TicketEvent,
)
from .uploads import CleanImage

logger = logging.getLogger(__name__)
User = get_user_model()

CLASSIFY_TASK = "tickets.tasks.classify_ticket_task"
ANSWER_TASK = "tickets.tasks.answer_message_task"
# Tickets still pending this long after creation are re-queued by classify_pending_sweep.
PENDING_SWEEP_AGE_SECONDS = 300


class ServiceUnavailable(Exception):
    """The database or the broker is down for a moment. Nothing was saved; the caller asks to retry."""

    retry_after = 60


def outage_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "a backing service is unreachable" (not a bug in our code).

    Only connection-level database errors: an IntegrityError or DataError would fail again on retry,
    so they stay real errors instead of a misleading "try again in a minute".
    """
    errors: list[type[BaseException]] = [OperationalError, InterfaceError, ConnectionError, TimeoutError]
    try:
        from redis.exceptions import RedisError

        errors.append(RedisError)
    except ImportError:  # pragma: no cover - redis is a dependency, but the ORM broker works without it
        pass
    return tuple(errors)


# --- Links and notifications --------------------------------------------------------------------


def ticket_status_path(ticket: Ticket) -> str:
    return reverse("student:ticket_status", kwargs={"token": ticket.public_token})


def ticket_status_url(ticket: Ticket) -> str:
    return settings.SUPPORTDESK_PUBLIC_BASE_URL.rstrip("/") + ticket_status_path(ticket)


def _send_student_mail(ticket: Ticket, subject: str, body: str) -> None:
    # Sent after commit: a rolled-back ticket must not produce a mail with a dead link.
    def send() -> None:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [ticket.email], fail_silently=False)
        except Exception:  # a mail server outage must not fail the student's request
            logger.exception("Could not e-mail ticket #%s", ticket.pk)

    transaction.on_commit(send)


# --- Students -----------------------------------------------------------------------------------


def _attachments_create(
    ticket: Ticket, message: Message | None, images: Sequence[CleanImage], attachments: list[Attachment]
) -> list[Attachment]:
    """Save files and rows; ``attachments`` collects them as they are written so a failure can clean up."""
    for image in images:
        attachment = Attachment(
            ticket=ticket,
            message=message,
            content_type=image.content_type,
            width=image.width,
            height=image.height,
            size_bytes=len(image.content),
            original_name=image.original_name,
            sha256=image.sha256,
        )
        attachments.append(attachment)
        attachment.file.save(f"x.{image.extension}", image.as_content_file(), save=False)
        attachment.thumbnail.save("x.jpg", image.thumbnail_file(), save=False)
        attachment.save()
    return attachments


def _delete_files(attachments: Iterable[Attachment]) -> None:
    for field in [a.file for a in attachments] + [a.thumbnail for a in attachments]:
        if field:
            try:
                field.storage.delete(field.name)
            except OSError:
                pass


@contextmanager
def _student_write(what: str) -> Iterator[list[Attachment]]:
    """Around a student's write with screenshots: yields the list ``_attachments_create`` fills.

    The block's after-commit callbacks (queueing, e-mail) never raise, so an exception here always means
    its transaction rolled back and the files written so far belong to no row: they are deleted. Database
    (or broker) unreachable mid-way becomes ServiceUnavailable: nothing half-saved, the view asks the
    student to try again in a minute.
    """
    attachments: list[Attachment] = []
    try:
        yield attachments
    except outage_errors() as exc:
        _delete_files(attachments)
        logger.warning("%s not saved, service unavailable: %s: %s", what, type(exc).__name__, exc)
        raise ServiceUnavailable(str(exc)) from exc
    except Exception:
        _delete_files(attachments)
        raise


def ticket_create(
    *,
    name: str,
    email: str,
    description: str,
    screenshots: Sequence[CleanImage] = (),
    source: str = Ticket.Source.WEB,
    language: str | None = None,
) -> Ticket:
    """Save a ticket, its first message and its screenshots in one transaction, then classify in the background.

    The ticket waits in triage until the classifier routes it.
    """
    if len(screenshots) > settings.SUPPORTDESK_MAX_SCREENSHOTS:
        raise ValidationError({"screenshots": _("At most %(limit)s screenshots.") % {"limit": settings.SUPPORTDESK_MAX_SCREENSHOTS}})
    if not (description or "").strip() and not screenshots:
        raise ValidationError({"description": _("Describe the problem or attach a screenshot.")})

    with _student_write("Ticket") as attachments:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                name=name.strip(),
                email=email.strip(),
                description=(description or "").strip(),
                queue=Queue.objects.get(slug=TRIAGE_QUEUE_SLUG),
                source=source,
                language=language or translation.get_language() or settings.LANGUAGE_CODE,
            )
            message = Message.objects.create(ticket=ticket, author_kind=Message.Author.STUDENT, body=ticket.description)
            _attachments_create(ticket, message, screenshots, attachments)
            TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.CREATED, new_value=ticket.source)
            ticket_enqueue_classification(ticket)
            message_enqueue_answer(message)
            _send_student_mail(
                ticket,
                _("Your request #%(id)s has been received") % {"id": ticket.pk},
                _("Hello, %(name)s!\n\nWe have received your request. Its status and our answers are here:\n%(url)s\n\n"
                  "Keep this link private: anyone who has it can read the conversation.")
                % {"name": ticket.name, "url": ticket_status_url(ticket)},
            )
    return ticket


def ticket_student_reply(*, ticket: Ticket, body: str, screenshots: Sequence[CleanImage] = ()) -> Message:
    """The student writes again. A resolved (or waiting) ticket is reopened."""
    if not (body or "").strip() and not screenshots:
        raise ValidationError({"body": _("Write a message or attach a screenshot.")})
    if ticket.status == Ticket.Status.CLOSED:
        raise ValidationError(_("This request is closed. Please submit a new one."))
    with _student_write("Reply") as attachments:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
            existing = ticket.attachments.count()
            if existing + len(screenshots) > settings.SUPPORTDESK_MAX_SCREENSHOTS * 4:
                raise ValidationError({"screenshots": _("Too many screenshots in this conversation.")})
            message = Message.objects.create(ticket=ticket, author_kind=Message.Author.STUDENT, body=(body or "").strip())
            _attachments_create(ticket, message, screenshots, attachments)
            if ticket.status in (Ticket.Status.RESOLVED, Ticket.Status.WAITING):
                _status_change(ticket, Ticket.Status.OPEN, actor=None, reason="student reply")
            else:
                ticket.save(update_fields=["updated_at"])
            if ticket.auto_answer_state == Ticket.AutoAnswerState.PENDING_FEEDBACK:
                # Writing again instead of "this solved it" means "I still need help" (unless this
                # message gets a new sure automatic answer: message_answer then waits for feedback again).
                _auto_answer_settle(ticket, solved=False, reason="student reply")
            message_enqueue_answer(message)
    return message


# --- Classification and routing -----------------------------------------------------------------


def classification_enqueue_now(ticket_id: int) -> bool:
    """Hand the ticket to the broker. A broker outage is logged, not raised: the ticket stays pending
    and classify_pending_sweep (a django-q2 schedule) queues it again later."""
    from django_q.tasks import async_task

    try:
        async_task(CLASSIFY_TASK, ticket_id, task_name=f"classify-ticket-{ticket_id}")
    except Exception:
        logger.exception("Ticket #%s: could not queue classification; the pending sweep will retry", ticket_id)
        return False
    return True


def ticket_enqueue_classification(ticket: Ticket) -> None:
    """Queue the background classification once the ticket is committed (the worker must see the row)."""
    ticket_id = ticket.pk
    transaction.on_commit(lambda: classification_enqueue_now(ticket_id))


def classify_pending_sweep(*, older_than: int = PENDING_SWEEP_AGE_SECONDS, now: bool = False) -> int:
    """Re-queue (or, with ``now``, classify here) tickets still pending ``older_than`` seconds after creation.

    Recovers tickets whose task was lost (broker down at submit time, worker killed). Idempotent: the
    task skips a ticket that is no longer pending. Run every few minutes by the django-q2 schedule
    "classify-pending" (migration 0004) and by ``manage.py classify_pending``.
    """
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(seconds=older_than)
    ids = list(
        Ticket.objects.filter(classification_state=Ticket.ClassificationState.PENDING, created_at__lte=cutoff)
        .order_by("created_at").values_list("pk", flat=True)
    )
    for ticket_id in ids:
        if now:
            ticket_classify(ticket_id=ticket_id)
        else:
            classification_enqueue_now(ticket_id)
    return len(ids)


def queue_for_label(label: str | None) -> Queue:
    """The routing rule: a confident label goes to its intent's queue; unsure, unknown or inactive → triage."""
    if label:
        intent = Intent.objects.select_related("queue").filter(name=label, is_active=True).first()
        if intent is not None:
            return intent.queue
    return Queue.objects.get(slug=TRIAGE_QUEUE_SLUG)


def prediction_record(*, ticket: Ticket, prediction=None, error: str = "", elapsed: float | None = None) -> Prediction:
    """Store what the classifier said (or that it failed) and audit it."""
    if prediction is not None:
        timings = dict(prediction.timings or {})
        if elapsed is not None:
            timings.setdefault("total_task", round(elapsed, 4))
        row = Prediction.objects.create(
            ticket=ticket,
            label=prediction.label or "",
            confidence=float(prediction.confidence or 0.0),
            scores={k: float(v) for k, v in (prediction.scores or {}).items()},
            signals={k: {kk: float(vv) for kk, vv in v.items()} for k, v in (prediction.signals or {}).items()},
            ocr_text=prediction.ocr_text or "",
            model_version=prediction.model_version or "",
            timings=timings,
            embedding=list(prediction.embedding) if prediction.embedding is not None else None,
        )
    else:
        row = Prediction.objects.create(ticket=ticket, error=error[:5000] or "unknown error", timings={"total_task": elapsed or 0.0})
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.PREDICTED,
        old_value=ticket.label,
        new_value=row.label if not row.error else "failed",
        confidence=row.confidence if not row.error else None,
        model_version=row.model_version,
        reason=row.error[:500],
    )
    return row


def ticket_route(*, ticket: Ticket, prediction: Prediction) -> Ticket:
    """Apply a stored prediction: set label/confidence/state and move the ticket to its queue.

    A label an operator already corrected wins over a late prediction: the ticket then stays put.
    """
    failed = bool(prediction.error)
    ticket.classification_state = Ticket.ClassificationState.FAILED if failed else Ticket.ClassificationState.DONE
    fields = ["classification_state", "updated_at"]
    if not ticket.label_overridden:
        ticket.label = "" if failed else prediction.label
        ticket.confidence = None if failed else prediction.confidence
        fields += ["label", "confidence"]
        new_queue = queue_for_label(None if failed else prediction.label)
        if new_queue.pk != ticket.queue_id:
            old_queue_slug = ticket.queue.slug
            ticket.queue = new_queue
            fields.append("queue")
            TicketEvent.objects.create(
                ticket=ticket,
                kind=TicketEvent.Kind.ROUTED,
                old_value=old_queue_slug,
                new_value=new_queue.slug,
                confidence=ticket.confidence,
                model_version=prediction.model_version,
            )
    ticket.save(update_fields=fields)
    return ticket


def ticket_image_paths(ticket: Ticket) -> list[str]:
    return [attachment.file.path for attachment in ticket.attachments.order_by("created_at", "id")]


def _classifier_timeout_errors() -> tuple[type[BaseException], ...]:
    """django-q2 interrupts a task past Q_CLUSTER["timeout"] with TimeoutException, a SystemExit subclass."""
    try:
        from django_q.exceptions import TimeoutException
    except ImportError:  # pragma: no cover - django-q2 is a dependency
        return ()
    return (TimeoutException,)


def _is_finite_number(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError, OverflowError):
        return False


def prediction_problem(prediction) -> str:
    """Why the classifier's result cannot be stored as a prediction ("" when it can).

    Checked before any write: a NaN/infinite number or an over-long label/model version would otherwise
    fail (or be stored untruncated) inside ticket_classify's transaction. The lengths come from the model
    fields the values are written to.
    """
    if prediction is None:
        return "the classifier returned no prediction"
    label_max = min(Prediction._meta.get_field("label").max_length, Ticket._meta.get_field("label").max_length)
    version_max = min(
        Prediction._meta.get_field("model_version").max_length, TicketEvent._meta.get_field("model_version").max_length
    )
    label = getattr(prediction, "label", None) or ""
    version = getattr(prediction, "model_version", None) or ""
    if not isinstance(label, str) or len(label) > label_max:
        return f"the classifier returned an invalid label (longer than {label_max} characters or not text)"
    if not isinstance(version, str) or len(version) > version_max:
        return f"the classifier returned an invalid model version (longer than {version_max} characters or not text)"
    confidence = getattr(prediction, "confidence", None)
    if confidence is not None and not _is_finite_number(confidence):
        return f"the classifier returned a non-finite confidence ({confidence!r})"
    numbers = {
        "scores": list((getattr(prediction, "scores", None) or {}).values()),
        "timings": list((getattr(prediction, "timings", None) or {}).values()),
        "signals": [vv for v in (getattr(prediction, "signals", None) or {}).values() for vv in (v or {}).values()],
        "embedding": list(getattr(prediction, "embedding", None) if getattr(prediction, "embedding", None) is not None else []),
    }
    for name, values in numbers.items():
        if not all(_is_finite_number(v) for v in values):
            return f"the classifier returned non-finite or non-numeric {name}"
    return ""


def _classification_apply(ticket_id: int, *, result, error: str, elapsed: float) -> Prediction | None:
    """Store the outcome and route the ticket under its row lock, unless somebody finished it meanwhile."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("queue").get(pk=ticket_id)
        if ticket.classification_state != Ticket.ClassificationState.PENDING:
            return None
        row = prediction_record(ticket=ticket, prediction=None if error else result, error=error, elapsed=elapsed)
        ticket_route(ticket=ticket, prediction=row)
    return row


def _classification_attempt_start(ticket_id: int) -> int | None:
    """Count one classification attempt in its own committed transaction, before the classifier runs.

    django-q2 never counts a delivery whose worker was SIGKILLed (OOM killer) or killed by its guard
    (stuck in native code): no result is saved, so the broker hands the task out again forever. This
    counter survives such deaths. Returns the attempts made *before* this one, or None when the ticket
    is gone or no longer pending (nothing is counted then).
    """
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None or ticket.classification_state != Ticket.ClassificationState.PENDING:
            return None
        previous = ticket.classification_attempts
        if previous < settings.SUPPORTDESK_CLASSIFY_MAX_ATTEMPTS:
            ticket.classification_attempts = previous + 1
            ticket.save(update_fields=["classification_attempts"])
    return previous


def ticket_classify(*, ticket_id: int, classifier=None) -> Prediction | None:
    """Classify one ticket and route it. Idempotent: a ticket already classified is left alone.

    The classifier runs outside any transaction (seconds of CPU must not hold a write lock); the
    result is applied under a row lock after re-checking that nobody finished it meanwhile.

    Never leaves a ticket pending because of the classifier: an exception, a django-q2 timeout, an
    unusable result (NaN, over-long label) or a result the database refuses is recorded as a failed
    prediction and the ticket goes to triage. Each attempt is counted before the classifier runs; after
    ``SUPPORTDESK_CLASSIFY_MAX_ATTEMPTS`` attempts that never finished (worker killed, hung in native code)
    the ticket is failed without calling the classifier again.
    """
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or ticket.classification_state != Ticket.ClassificationState.PENDING:
        logger.info("Ticket #%s: nothing to classify", ticket_id)
        return None

    previous_attempts = _classification_attempt_start(ticket_id)
    if previous_attempts is None:
        logger.info("Ticket #%s: nothing to classify", ticket_id)
        return None
    max_attempts = settings.SUPPORTDESK_CLASSIFY_MAX_ATTEMPTS
    if previous_attempts >= max_attempts:
        logger.error("Ticket #%s: classification gave up after %s attempts", ticket_id, previous_attempts)
        return _classification_apply(
            ticket_id,
            result=None,
            error=f"gave up after {previous_attempts} attempts (each one was killed or never finished)",
            elapsed=0.0,
        )

    started = time.monotonic()
    result, error, timed_out = None, "", None
    try:
        if classifier is None:
            from .classification import cached_ticket_classifier

            classifier = cached_ticket_classifier()
        # The student's own words are a signal as strong as the screenshots.
        result = classifier.predict(ticket_image_paths(ticket), text=ticket.description)
        error = prediction_problem(result)
        if error:
            logger.error("Ticket #%s: unusable classifier result: %s", ticket_id, error)
    except _classifier_timeout_errors() as exc:  # django-q2's timeout (a SystemExit): record it, then re-raise
        logger.error("Ticket #%s: classification timed out: %s", ticket_id, exc)
        error, timed_out = f"timeout: {exc}", exc
        if not connection.in_atomic_block:
            # The alarm may have interrupted a query mid-way; start the failure write on a fresh connection.
            connection.close()
    except Exception as exc:  # any failure sends the ticket to a human, never leaves it pending
        logger.exception("Ticket #%s: classification failed", ticket_id)
        error = f"{type(exc).__name__}: {exc}"
    elapsed = time.monotonic() - started

    try:
        row = _classification_apply(ticket_id, result=result, error=error, elapsed=elapsed)
    except outage_errors():
        raise  # the database is unreachable: the task fails, the pending sweep tries again later
    except DatabaseError as exc:
        # IntegrityError/DataError: the database refused what we wrote (the transaction rolled back).
        # Retrying would fail the same way, so record the failure in a fresh transaction instead.
        logger.exception("Ticket #%s: could not store the classification", ticket_id)
        row = _classification_apply(
            ticket_id, result=None, error=f"could not store the prediction: {type(exc).__name__}: {exc}", elapsed=elapsed
        )
    if timed_out is not None:
        # The failure is recorded; let django-q2 see its timeout so it replaces this worker (the
        # interrupted classifier may be left half-way) and lists the task as failed. It is acked
        # (ack_failures), and a redelivery would find the ticket no longer pending anyway.
        raise timed_out
    return row


def ticket_reclassify(*, ticket: Ticket, actor=None) -> None:
    """Ask for a fresh classification (e.g. after the model or the intents changed)."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        ticket.classification_state = Ticket.ClassificationState.PENDING
        ticket.classification_attempts = 0
        ticket.save(update_fields=["classification_state", "classification_attempts", "updated_at"])
        ticket_enqueue_classification(ticket)


# --- Operators ----------------------------------------------------------------------------------


def label_override(*, ticket: Ticket, label: str, actor, reason: str = "") -> Ticket:
    """An operator corrects the label; the ticket moves to that label's queue."""
    intent = Intent.objects.select_related("queue").filter(name=label, is_active=True).first()
    if intent is None:
        raise ValidationError({"label": _("Unknown label: %(label)s") % {"label": label}})
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("queue").get(pk=ticket.pk)
        latest = ticket.predictions.order_by("-created_at", "-id").first()
        old_label, old_queue = ticket.label, ticket.queue
        TicketEvent.objects.create(
            ticket=ticket,
            actor=actor,
            kind=TicketEvent.Kind.OVERRIDE,
            # The prediction the operator corrects, for the model-quality page (predicted → corrected).
            old_value=(latest.label or "unsure") if latest and not latest.error else (old_label or "unsure"),
            new_value=intent.name,
            confidence=latest.confidence if latest else ticket.confidence,
            model_version=latest.model_version if latest else "",
            reason=(reason or "").strip(),
        )
        ticket.label = intent.name
        ticket.label_overridden = True
        ticket.queue = intent.queue
        if old_queue.pk != intent.queue_id:
            TicketEvent.objects.create(
                ticket=ticket, actor=actor, kind=TicketEvent.Kind.ROUTED, old_value=old_queue.slug, new_value=intent.queue.slug,
            )
        ticket.save(update_fields=["label", "label_overridden", "queue", "updated_at"])
        _label_example_upsert(ticket=ticket, intent=intent, latest=latest, actor=actor)
    return ticket


def _label_example_upsert(*, ticket: Ticket, intent: Intent, latest: Prediction | None, actor) -> LabelExample | None:
    """Keep the corrected ticket as a labelled example of ``intent`` (one per ticket: a new correction moves it).

    Any intent the override accepts learns, out-of-scope ones included: a ticket corrected to "other"
    teaches what is not a school problem. A ticket with no text at all (no description, no OCR text)
    teaches nothing and is skipped; an example it had keeps its last intent. A new correction is a new
    decision, so it re-activates an example an admin had switched off.
    """
    ocr_text = latest.ocr_text if latest is not None and not latest.error else ""
    text = LabelExample.text_for(ticket.description, ocr_text)
    if not text:
        return None
    example, _created = LabelExample.objects.update_or_create(
        ticket=ticket, defaults={"intent": intent, "text": text, "created_by": actor, "is_active": True},
    )
    return example


def _status_change(ticket: Ticket, status: str, *, actor, reason: str = "") -> bool:
    if ticket.status == status:
        return False
    TicketEvent.objects.create(ticket=ticket, actor=actor, kind=TicketEvent.Kind.STATUS, old_value=ticket.status, new_value=status, reason=reason)
    ticket.status = status
    ticket.save(update_fields=["status", "updated_at"])
    return True


def ticket_set_status(*, ticket: Ticket, status: str, actor) -> Ticket:
    if status not in Ticket.Status.values:
        raise ValidationError({"status": _("Unknown status: %(status)s") % {"status": status}})
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if _status_change(ticket, status, actor=actor) and ticket.auto_answer_state == Ticket.AutoAnswerState.PENDING_FEEDBACK:
            # The operator decided; the automatic answer no longer waits for the student's feedback.
            ticket.auto_answer_state = Ticket.AutoAnswerState.ESCALATED
            ticket.save(update_fields=["auto_answer_state", "updated_at"])
    return ticket


def ticket_assign(*, ticket: Ticket, assignee, actor) -> Ticket:
    """Assign (or, with assignee=None, release) a ticket. Taking a new ticket also opens it."""
    with transaction.atomic():
        # No select_related here: PostgreSQL cannot lock the nullable side of an outer join.
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        old = ticket.assignee.get_username() if ticket.assignee_id else ""
        new = assignee.get_username() if assignee else ""
        if old != new:
            TicketEvent.objects.create(ticket=ticket, actor=actor, kind=TicketEvent.Kind.ASSIGN, old_value=old, new_value=new)
            ticket.assignee = assignee
            ticket.save(update_fields=["assignee", "updated_at"])
        if assignee is not None and ticket.status == Ticket.Status.NEW:
            _status_change(ticket, Ticket.Status.OPEN, actor=actor)
    return ticket


def ticket_reply(*, ticket: Ticket, body: str, actor, faq_entry=None) -> Message:
    """The operator answers; the student is e-mailed and the ticket waits for the student.

    ``faq_entry`` (a knowledge.FaqEntry or its pk): the reply was inserted from that suggested FAQ answer;
    the message keeps it and the entry's usage counts an ``operator_sent``.
    """
    from knowledge.models import FaqEntry
    from knowledge.services import faq_usage_record

    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("The reply is empty.")})
    if faq_entry is not None and not isinstance(faq_entry, FaqEntry):
        faq_entry = FaqEntry.objects.filter(pk=faq_entry).first()  # a deleted entry just is not counted
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        message = Message.objects.create(
            ticket=ticket, author_kind=Message.Author.OPERATOR, author=actor, body=body, faq_entry=faq_entry,
        )
        TicketEvent.objects.create(ticket=ticket, actor=actor, kind=TicketEvent.Kind.REPLY, new_value=body[:120])
        if faq_entry is not None:
            faq_usage_record(faq_entry, ticket.pk, "operator_sent")
        if ticket.auto_answer_state == Ticket.AutoAnswerState.PENDING_FEEDBACK:
            # An operator took over: the automatic answer no longer waits for feedback.
            ticket.auto_answer_state = Ticket.AutoAnswerState.ESCALATED
            ticket.save(update_fields=["auto_answer_state", "updated_at"])
        if ticket.status in (Ticket.Status.NEW, Ticket.Status.OPEN):
            _status_change(ticket, Ticket.Status.WAITING, actor=actor)
        else:
            ticket.save(update_fields=["updated_at"])
        with translation.override(ticket.language or settings.LANGUAGE_CODE):
            _send_student_mail(
                ticket,
                _("New answer to your request #%(id)s") % {"id": ticket.pk},
                _("Hello, %(name)s!\n\nSupport has answered:\n\n%(body)s\n\nReply or follow the request here:\n%(url)s")
                % {"name": ticket.name, "body": body, "url": ticket_status_url(ticket)},
            )
    return message


# --- FAQ: automatic answers, suggestions, the student's feedback (issue 4) ----------------------


def answer_enqueue_now(message_id: int) -> bool:
    """Hand a student message to the FAQ task. A broker outage is logged, not raised: the message then
    simply gets no automatic answer and stays with the operators (they still see the ticket)."""
    from django_q.tasks import async_task

    try:
        async_task(ANSWER_TASK, message_id, task_name=f"answer-message-{message_id}")
    except Exception:
        logger.exception("Message #%s: could not queue the FAQ answer", message_id)
        return False
    return True


def message_enqueue_answer(message: Message) -> None:
    """Queue the FAQ decision for a student message once it is committed."""
    if not settings.SUPPORTDESK_AUTO_ANSWER:
        return
    message_id = message.pk
    transaction.on_commit(lambda: answer_enqueue_now(message_id))


def _message_topic(text: str, extra_examples: dict[str, list[str]]):
    from django.utils.module_loading import import_string

    classify = import_string(settings.SUPPORTDESK_MESSAGE_CLASSIFIER)
    return classify(text, extra_examples=extra_examples or None)


def _faq_topic_examples() -> dict[str, list[str]]:
    """The school's FAQ questions as labelled examples for the topic classifier."""
    from knowledge.models import FaqEntry

    examples: dict[str, list[str]] = {}
    for topic, question, alt_questions in FaqEntry.objects.filter(is_active=True).values_list("topic", "question", "alt_questions"):
        examples.setdefault(topic, []).extend(q for q in [question, *(alt_questions or [])] if str(q).strip())
    return examples


def _offtopic_reply() -> str:
    return _(
        "Hello! This is the support service of the online school. We can help with studies, courses, payments "
        "and your account, but your message does not seem to be about any of these, so we have closed this request. "
        "If you do have a question about your studies, please submit a new request: we will be glad to help."
    )


def _auto_answer_mail(ticket: Ticket, body: str) -> None:
    with translation.override(ticket.language or settings.LANGUAGE_CODE):
        _send_student_mail(
            ticket,
            _("Automatic answer to your request #%(id)s") % {"id": ticket.pk},
            _("Hello, %(name)s!\n\nThis is an automatic answer from our knowledge base:\n\n%(body)s\n\n"
              "Did it solve your problem? Please tell us on the request page (\"This solved it\" or "
              "\"I still need help\"; then an operator will answer):\n%(url)s")
            % {"name": ticket.name, "body": body, "url": ticket_status_url(ticket)},
        )


def _offtopic_mail(ticket: Ticket, body: str) -> None:
    with translation.override(ticket.language or settings.LANGUAGE_CODE):
        _send_student_mail(
            ticket,
            _("Your request #%(id)s has been closed") % {"id": ticket.pk},
            _("Hello, %(name)s!\n\n%(body)s\n\n%(url)s") % {"name": ticket.name, "body": body, "url": ticket_status_url(ticket)},
        )


def message_answer(message_id: int) -> MessageAnalysis | None:
    """Judge one student message with the FAQ layer and act on it. Idempotent: one analysis per message.

    Topic (``SUPPORTDESK_MESSAGE_CLASSIFIER``, with the FAQ's questions as labelled examples) and
    ``knowledge.services.faq_answer_decision`` run outside any transaction; the outcome is applied under
    the ticket's row lock:

    * off-topic first message (no screenshots) → a polite fixed reply, the ticket closed, ``topic=offtopic``;
    * the FAQ surely answers it (never when a human is needed, never once an operator is involved)
      → the entry's answer as an automatic message, the student e-mailed, the ticket ``waiting`` for
      "this solved it" / "I still need help";
    * otherwise nothing visible: operators get the stored top-3 suggestions.
    """
    from knowledge.models import FaqEntry

    message = Message.objects.filter(pk=message_id, author_kind=Message.Author.STUDENT).first()
    if message is None or MessageAnalysis.objects.filter(message_id=message_id).exists():
        return None
    text = (message.body or "").strip()
    skip = ""
    if not settings.SUPPORTDESK_AUTO_ANSWER:
        skip = "automatic answers are off"
    elif not text:
        skip = "no text"
    elif not FaqEntry.objects.filter(is_active=True).exists():
        skip = "the FAQ is empty"
    if skip:
        return _analysis_apply(message, decision=None, topic=None, reason=skip)

    topic = decision = None
    try:
        topic = _message_topic(text, _faq_topic_examples())
    except Exception:  # the FAQ decision still works without a topic
        logger.exception("Message #%s: topic classification failed", message_id)
    try:
        from knowledge.services import faq_answer_decision

        decision = faq_answer_decision(text, topic)
    except Exception as exc:  # nothing automatic happens; operators handle the ticket as before
        logger.exception("Message #%s: FAQ decision failed", message_id)
        return _analysis_apply(message, decision=None, topic=topic, reason=f"{type(exc).__name__}: {exc}", failed=True)
    return _analysis_apply(message, decision=decision, topic=topic)


def _analysis_apply(message: Message, *, decision, topic, reason: str = "", failed: bool = False) -> MessageAnalysis | None:
    from knowledge.models import FaqEntry
    from knowledge.services import faq_usage_record

    D = MessageAnalysis.Decision
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=message.ticket_id)
        if MessageAnalysis.objects.filter(message_id=message.pk).exists():
            return None  # another worker got here first
        topic_name = getattr(topic, "topic", None) or ""
        analysis = MessageAnalysis(
            message=message,
            topic=topic_name,
            topic_confidence=getattr(topic, "confidence", None),
            model_version=getattr(topic, "model_version", "") or "",
            reason=reason[:2000],
        )
        if decision is None:
            analysis.decision = D.FAILED if failed else D.SKIPPED
            analysis.save()
            return analysis

        hits = list(decision.suggestions or [])
        entries = {e.external_id: e for e in FaqEntry.objects.filter(external_id__in=[h.entry_id for h in hits] + [decision.entry_id or ""])}
        analysis.needs_human = bool(decision.needs_human)
        analysis.needs_human_score = float(decision.needs_human_score)
        analysis.faq_entry = entries.get(decision.entry_id or "")
        analysis.faq_confidence = float(decision.confidence)
        analysis.suggestions = [
            {"entry": entries[h.entry_id].pk, "id": h.entry_id, "score": round(float(h.score), 4)} for h in hits if h.entry_id in entries
        ]
        analysis.reason = decision.reason[:2000]

        first = not ticket.messages.filter(author_kind=Message.Author.STUDENT, pk__lt=message.pk).exists()
        operator_involved = ticket.assignee_id is not None or ticket.messages.filter(author_kind=Message.Author.OPERATOR).exists()
        entry = analysis.faq_entry
        if decision.outcome is FaqOutcome.OFFTOPIC and first and ticket.is_open and not message.attachments.exists():
            analysis.decision = D.OFFTOPIC
        elif (decision.auto_answer and not decision.needs_human and entry is not None and entry.is_active
              and entry.answer.strip() and ticket.is_open and not operator_involved):
            analysis.decision = D.AUTO_ANSWER
            analysis.auto_answered = True
        else:
            analysis.decision = D.SUGGEST
        analysis.save()

        TicketEvent.objects.create(
            ticket=ticket, kind=TicketEvent.Kind.FAQ, old_value=topic_name,
            new_value=f"{analysis.decision}: {decision.entry_id or '-'}"[:120], confidence=analysis.faq_confidence,
            model_version=analysis.model_version,
            reason=f"{decision.reason}; needs_human={analysis.needs_human} ({analysis.needs_human_score:.2f})"[:500],
        )
        fields = ["updated_at"]
        if first and not ticket.topic:
            ticket.topic = "offtopic" if analysis.decision == D.OFFTOPIC else topic_name
            fields.append("topic")

        if analysis.decision == D.OFFTOPIC:
            with translation.override(ticket.language or settings.LANGUAGE_CODE):
                body = _offtopic_reply()
            Message.objects.create(ticket=ticket, author_kind=Message.Author.BOT, body=body)
            TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.AUTO_ANSWER, new_value="offtopic")
            ticket.save(update_fields=fields)
            _status_change(ticket, Ticket.Status.CLOSED, actor=None, reason="off-topic")
            _offtopic_mail(ticket, body)
        elif analysis.decision == D.AUTO_ANSWER:
            from django.utils import timezone

            Message.objects.create(ticket=ticket, author_kind=Message.Author.BOT, body=entry.answer, faq_entry=entry)
            TicketEvent.objects.create(
                ticket=ticket, kind=TicketEvent.Kind.AUTO_ANSWER, new_value=entry.external_id[:120], confidence=analysis.faq_confidence,
            )
            faq_usage_record(entry, ticket.pk, "auto_sent")
            ticket.auto_answer_state = Ticket.AutoAnswerState.PENDING_FEEDBACK
            ticket.auto_answered_at = timezone.now()
            ticket.save(update_fields=[*fields, "auto_answer_state", "auto_answered_at"])
            _status_change(ticket, Ticket.Status.WAITING, actor=None, reason="automatic answer")
            _auto_answer_mail(ticket, entry.answer)
        elif len(fields) > 1:
            ticket.save(update_fields=fields)
    return analysis


def _auto_answer_settle(ticket: Ticket, *, solved: bool | None, reason: str) -> None:
    """End the wait for feedback on a locked ticket: solved → resolved; still need help or no reply → open.

    ``solved=None`` is "no reply in time" (counted neither accepted nor rejected).
    """
    from knowledge.services import faq_usage_record

    last = ticket.messages.filter(author_kind=Message.Author.BOT, faq_entry__isnull=False).order_by("-created_at", "-id").first()
    entry = last.faq_entry if last else None
    if solved:
        ticket.auto_answer_state = Ticket.AutoAnswerState.SOLVED
        kind, value, new_status, usage = TicketEvent.Kind.FEEDBACK, "solved", Ticket.Status.RESOLVED, "accepted"
    else:
        ticket.auto_answer_state = Ticket.AutoAnswerState.ESCALATED
        kind = TicketEvent.Kind.FEEDBACK if solved is False else TicketEvent.Kind.ESCALATED
        value = "still need help" if solved is False else "no reply"
        new_status, usage = Ticket.Status.OPEN, ("rejected" if solved is False else None)
    TicketEvent.objects.create(
        ticket=ticket, kind=kind, old_value=(entry.external_id[:120] if entry else ""), new_value=value, reason=reason,
    )
    if usage and entry is not None:
        faq_usage_record(entry, ticket.pk, usage)
    ticket.save(update_fields=["auto_answer_state", "updated_at"])
    if ticket.status in (Ticket.Status.NEW, Ticket.Status.WAITING) or (solved and ticket.is_open):
        _status_change(ticket, new_status, actor=None, reason=reason)


def message_answer_sweep(*, older_than: int = PENDING_SWEEP_AGE_SECONDS, newer_than: int = 3600) -> int:
    """Re-queue the FAQ task for student messages it never analysed (broker down at commit, worker killed).

    Only messages ``older_than``..``newer_than`` seconds old on open tickets: an automatic answer hours
    later would be odd, the operators have the ticket by then. Idempotent (the task skips analysed messages).
    """
    from datetime import timedelta

    from django.utils import timezone

    if not settings.SUPPORTDESK_AUTO_ANSWER:
        return 0
    now = timezone.now()
    ids = list(
        Message.objects.filter(
            author_kind=Message.Author.STUDENT, analysis__isnull=True, ticket__status__in=Ticket.OPEN_STATUSES,
            created_at__lte=now - timedelta(seconds=older_than), created_at__gte=now - timedelta(seconds=newer_than),
        ).order_by("created_at").values_list("pk", flat=True)
    )
    for message_id in ids:
        answer_enqueue_now(message_id)
    return len(ids)


def auto_answer_feedback(*, ticket: Ticket, solved: bool) -> Ticket:
    """The student's "this solved it" (→ resolved) or "I still need help" (→ open, an operator answers)."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.auto_answer_state != Ticket.AutoAnswerState.PENDING_FEEDBACK or ticket.status == Ticket.Status.CLOSED:
            raise ValidationError(_("There is no automatic answer waiting for your feedback."))
        _auto_answer_settle(ticket, solved=bool(solved), reason="student feedback")
    return ticket


def auto_answers_escalate_stale(now=None) -> int:
    """Hand automatic answers nobody reacted to within SUPPORTDESK_AUTO_ANSWER_ESCALATE_AFTER seconds to an
    operator (the ticket goes back to open in its queue, the automatic answer stays visible). Idempotent."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = (now or timezone.now()) - timedelta(seconds=settings.SUPPORTDESK_AUTO_ANSWER_ESCALATE_AFTER)
    ids = list(
        Ticket.objects.filter(auto_answer_state=Ticket.AutoAnswerState.PENDING_FEEDBACK, auto_answered_at__lte=cutoff)
        .order_by("auto_answered_at").values_list("pk", flat=True)
    )
    done = 0
    for ticket_id in ids:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
            if ticket.auto_answer_state != Ticket.AutoAnswerState.PENDING_FEEDBACK:
                continue
            _auto_answer_settle(ticket, solved=None, reason="no feedback in time")
            done += 1
    return done


# --- Accounts and set-up ------------------------------------------------------------------------


def account_create(*, username: str, password: str, role: str, queue_slugs: Sequence[str] = (), email: str = ""):
    """Create or update an operator (limited to ``queue_slugs``, or all queues when empty) or an admin."""
    if role not in ("operator", "admin"):
        raise ValidationError({"role": "role must be operator or admin"})
    queues = list(Queue.objects.filter(slug__in=queue_slugs))
    missing = set(queue_slugs) - {q.slug for q in queues}
    if missing:
        raise ValidationError({"queues": f"unknown queues: {', '.join(sorted(missing))}"})
    with transaction.atomic():
        user, _created = User.objects.get_or_create(username=username, defaults={"email": email})
        if email:
            user.email = email
        user.is_active = True
        user.is_staff = role == "admin"
        user.is_superuser = role == "admin"
        user.set_password(password)
        user.save()
        profile, _profile_created = OperatorProfile.objects.get_or_create(user=user)  # not ``_``: that is gettext
        profile.all_queues = role == "admin" or not queues
        profile.save(update_fields=["all_queues"])
        profile.queues.set(queues)
    return user


def desk_seed() -> tuple[int, int]:
    """Create the default queues and intents if missing (existing rows are left as the admin edited them)."""
    from .defaults import seed_defaults

    return seed_defaults(Queue, Intent)
