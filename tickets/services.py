"""Everything that changes the desk's data. Views, serializers, admin, commands and tasks call these.

Each write that matters leaves a TicketEvent (who, when, old, new) so the history is complete.
"""
from __future__ import annotations

import logging
import time
from typing import Iterable, Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .models import (
    TRIAGE_QUEUE_SLUG,
    Attachment,
    Intent,
    Message,
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
# Tickets still pending this long after creation are re-queued by classify_pending_sweep.
PENDING_SWEEP_AGE_SECONDS = 300


class ServiceUnavailable(Exception):
    """The database or the broker is down for a moment. Nothing was saved; the caller asks to retry."""

    retry_after = 60


def _outage_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "a backing service is unreachable" (not a bug in our code)."""
    errors: list[type[BaseException]] = [DatabaseError, ConnectionError, TimeoutError]
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


def _delete_files_on_rollback(attachments: Iterable[Attachment]) -> None:
    names = [(a.file.storage, a.file.name) for a in attachments if a.file] + [
        (a.thumbnail.storage, a.thumbnail.name) for a in attachments if a.thumbnail
    ]

    def cleanup() -> None:
        for storage, name in names:
            try:
                storage.delete(name)
            except OSError:
                pass

    return cleanup


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

    attachments: list[Attachment] = []
    # The after-commit callbacks (queueing, e-mail) never raise, so an exception here always means
    # the transaction rolled back and the files written so far belong to no ticket.
    try:
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
            _send_student_mail(
                ticket,
                _("Your request #%(id)s has been received") % {"id": ticket.pk},
                _("Hello, %(name)s!\n\nWe have received your request. Its status and our answers are here:\n%(url)s\n\n"
                  "Keep this link private: anyone who has it can read the conversation.")
                % {"name": ticket.name, "url": ticket_status_url(ticket)},
            )
    except _outage_errors() as exc:
        # Database (or broker) unreachable mid-way: the transaction rolled back, so no half-saved ticket;
        # remove the files written so far. The view asks the student to try again in a minute.
        _delete_files_on_rollback(attachments)()
        logger.warning("Ticket not saved, service unavailable: %s: %s", type(exc).__name__, exc)
        raise ServiceUnavailable(str(exc)) from exc
    except Exception:
        _delete_files_on_rollback(attachments)()
        raise
    return ticket


def ticket_student_reply(*, ticket: Ticket, body: str, screenshots: Sequence[CleanImage] = ()) -> Message:
    """The student writes again. A resolved (or waiting) ticket is reopened."""
    if not (body or "").strip() and not screenshots:
        raise ValidationError({"body": _("Write a message or attach a screenshot.")})
    if ticket.status == Ticket.Status.CLOSED:
        raise ValidationError(_("This request is closed. Please submit a new one."))
    attachments: list[Attachment] = []
    try:
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
    except _outage_errors() as exc:
        _delete_files_on_rollback(attachments)()
        logger.warning("Reply not saved, service unavailable: %s: %s", type(exc).__name__, exc)
        raise ServiceUnavailable(str(exc)) from exc
    except Exception:
        _delete_files_on_rollback(attachments)()
        raise
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


def ticket_classify(*, ticket_id: int, classifier=None) -> Prediction | None:
    """Classify one ticket and route it. Idempotent: a ticket already classified is left alone.

    The classifier runs outside any transaction (seconds of CPU must not hold a write lock); the
    result is applied under a row lock after re-checking that nobody finished it meanwhile.
    """
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or ticket.classification_state != Ticket.ClassificationState.PENDING:
        logger.info("Ticket #%s: nothing to classify", ticket_id)
        return None

    started = time.monotonic()
    result, error = None, ""
    try:
        if classifier is None:
            from .classification import get_ticket_classifier

            classifier = get_ticket_classifier()
        # The student's own words are a signal as strong as the screenshots.
        result = classifier.predict(ticket_image_paths(ticket), text=ticket.description)
    except Exception as exc:  # any failure sends the ticket to a human, never leaves it pending
        logger.exception("Ticket #%s: classification failed", ticket_id)
        error = f"{type(exc).__name__}: {exc}"
    elapsed = time.monotonic() - started

    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("queue").get(pk=ticket_id)
        if ticket.classification_state != Ticket.ClassificationState.PENDING:
            return None
        row = prediction_record(ticket=ticket, prediction=result, error=error, elapsed=elapsed)
        ticket_route(ticket=ticket, prediction=row)
    return row


def ticket_reclassify(*, ticket: Ticket, actor=None) -> None:
    """Ask for a fresh classification (e.g. after the model or the intents changed)."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        ticket.classification_state = Ticket.ClassificationState.PENDING
        ticket.save(update_fields=["classification_state", "updated_at"])
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
    return ticket


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
        _status_change(ticket, status, actor=actor)
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


def ticket_reply(*, ticket: Ticket, body: str, actor) -> Message:
    """The operator answers; the student is e-mailed and the ticket waits for the student."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("The reply is empty.")})
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        message = Message.objects.create(ticket=ticket, author_kind=Message.Author.OPERATOR, author=actor, body=body)
        TicketEvent.objects.create(ticket=ticket, actor=actor, kind=TicketEvent.Kind.REPLY, new_value=body[:120])
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
        profile, _ = OperatorProfile.objects.get_or_create(user=user)
        profile.all_queues = role == "admin" or not queues
        profile.save(update_fields=["all_queues"])
        profile.queues.set(queues)
    return user


def desk_seed() -> tuple[int, int]:
    """Create the default queues and intents if missing (existing rows are left as the admin edited them)."""
    from .defaults import seed_defaults

    return seed_defaults(Queue, Intent)
