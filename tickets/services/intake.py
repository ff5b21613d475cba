"""What students send: a new ticket, a reply on the status page, and their screenshots."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterable, Iterator, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from ..models import TRIAGE_QUEUE_SLUG, Attachment, Delivery, IdempotencyKey, Message, Queue, Student, Ticket, TicketEvent
from ..uploads import CleanImage
from .auto_answer import auto_answer_settle, message_enqueue_answer
from .errors import ServiceUnavailable, outage_errors
from .lifecycle import status_change
from .notify import student_notify
from .operator_notify import student_reply_notify
from .routing import ticket_enqueue_classification
from .search_index import ticket_search_refresh
from .students import student_for_email

logger = logging.getLogger(__name__)


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

    The block's after-commit callbacks (queueing tasks) never raise, so an exception here always means
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


def _idempotency_key_write(idempotency, ticket: Ticket | None = None) -> IdempotencyKey | None:
    """The submission's key, written first in its transaction: a concurrent duplicate fails on the unique constraint
    (``idempotency.submission_once``) before writing anything."""
    if idempotency is None:
        return None
    return IdempotencyKey.objects.create(
        scope=idempotency.scope, client=idempotency.client, key=idempotency.key, fingerprint=idempotency.fingerprint,
        ticket=ticket,
    )


def ticket_create(
    *,
    name: str,
    description: str,
    email: str = "",
    student: Student | None = None,
    screenshots: Sequence[CleanImage] = (),
    source: str = Ticket.Source.WEB,
    language: str | None = None,
    idempotency=None,
) -> Ticket:
    """Save a ticket, its first message and its screenshots in one transaction, then classify in the background.

    The student is ``student`` (a channel that knows its students, e.g. Telegram) or the one behind
    ``email`` (web form and API). The ticket waits in triage until the classifier routes it; the student
    is sent the status link on every channel that reaches them. ``idempotency`` (an
    ``idempotency.IdempotencyClaim``; call ``idempotency.ticket_create_once``) records the submission's key first,
    so a concurrent duplicate fails on its unique constraint before writing anything.
    """
    if len(screenshots) > settings.SUPPORTDESK_MAX_SCREENSHOTS:
        raise ValidationError({"screenshots": _("At most %(limit)s screenshots.") % {"limit": settings.SUPPORTDESK_MAX_SCREENSHOTS}})
    if not (description or "").strip() and not screenshots:
        raise ValidationError({"description": _("Describe the problem or attach a screenshot.")})

    with _student_write("Ticket") as attachments:
        with transaction.atomic():
            key_row = _idempotency_key_write(idempotency)
            if student is None:
                student = student_for_email(email=email, name=name)
            ticket = Ticket.objects.create(
                student=student,
                name=name.strip(),
                description=(description or "").strip(),
                queue=Queue.objects.get(slug=TRIAGE_QUEUE_SLUG),
                source=source,
                language=language or translation.get_language() or settings.LANGUAGE_CODE,
            )
            message = Message.objects.create(ticket=ticket, author_kind=Message.Author.STUDENT, body=ticket.description)
            _attachments_create(ticket, message, screenshots, attachments)
            TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.CREATED, new_value=ticket.source)
            if key_row is not None:
                key_row.ticket = ticket
                key_row.save(update_fields=["ticket"])
            ticket_search_refresh(ticket.pk)
            ticket_enqueue_classification(ticket)
            message_enqueue_answer(message)
            student_notify(ticket=ticket, message=message, kind=Delivery.Kind.RECEIVED)
    return ticket


def ticket_student_reply(*, ticket: Ticket, body: str, screenshots: Sequence[CleanImage] = (), idempotency=None) -> Message:
    """The student writes again. A resolved (or waiting) ticket is reopened. ``idempotency``: as for
    ``ticket_create`` (call ``idempotency.ticket_student_reply_once``)."""
    if not (body or "").strip() and not screenshots:
        raise ValidationError({"body": _("Write a message or attach a screenshot.")})
    if ticket.status == Ticket.Status.CLOSED:
        raise ValidationError(_("This request is closed. Please submit a new one."))
    with _student_write("Reply") as attachments:
        with transaction.atomic():
            _idempotency_key_write(idempotency, ticket)
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
            existing = ticket.attachments.count()
            if existing + len(screenshots) > settings.SUPPORTDESK_MAX_SCREENSHOTS * 4:
                raise ValidationError({"screenshots": _("Too many screenshots in this conversation.")})
            message = Message.objects.create(ticket=ticket, author_kind=Message.Author.STUDENT, body=(body or "").strip())
            _attachments_create(ticket, message, screenshots, attachments)
            ticket_search_refresh(ticket.pk)
            if ticket.status in (Ticket.Status.RESOLVED, Ticket.Status.WAITING):
                status_change(ticket, Ticket.Status.OPEN, actor=None, reason="student reply")
            else:
                ticket.save(update_fields=["updated_at"])
            if ticket.auto_answer_state == Ticket.AutoAnswerState.PENDING_FEEDBACK:
                # Writing again instead of "this solved it" means "I still need help" (unless this
                # message gets a new sure automatic answer: message_answer then waits for feedback again).
                # The escalation's notice carries this reply to the queue and the assignee: no second one for it.
                auto_answer_settle(ticket, solved=False, reason="student reply", message=message)
            else:
                student_reply_notify(ticket, message)
            message_enqueue_answer(message)
    return message
