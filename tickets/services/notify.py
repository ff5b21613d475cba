"""The only way a message reaches a student: an outbox row per channel, sent after commit, retried with backoff.

``student_notify`` is called inside the transaction that writes the message, so the message and its
deliveries commit (or roll back) together; a task per delivery is queued on commit. The task
(``delivery_send``) claims the row with a lease, sends outside any transaction (a slow mail server must
not hold a write lock: SQLite would block every writer), then records the outcome (services.outbox, shared
with the notifications to operators). A failure is retried after SUPPORTDESK_NOTIFY_RETRY_SECONDS ×
2^(attempt-1) (capped at an hour) up to SUPPORTDESK_NOTIFY_MAX_ATTEMPTS, then marked failed for operators to
see (ticket page, admin).
``deliveries_sweep`` (django-q2 schedule "deliver-notifications", every minute) re-queues rows whose time
has come: retries, and rows whose task was lost (broker down at commit, worker killed mid-send).

Sent at most once per (message, kind, channel) by the unique constraint and the claim; a worker killed
between the channel accepting a message and the row being marked sent is the one case that sends twice
(the e-mail's stable Message-ID lets mail clients fold the copies).
"""
from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..channels import DeliveryFailed, channel_get, channels_registered
from ..models import Delivery, Message, Ticket, TicketEvent
from .enqueue import task_enqueue
from .outbox import LOST_TASK_GRACE, outbox_claim, outbox_due, outbox_retry, outbox_send, retry_delay  # noqa: F401 (retry_delay: importable here too)

logger = logging.getLogger(__name__)

DELIVER_TASK = "tickets.tasks.deliver_task"


class InternalContentError(ValueError):
    """A message a student must not see (a system message, an internal note) was about to be sent to them."""


def student_notify(*, ticket: Ticket, message: Message, kind: str) -> list[Delivery]:
    """Queue ``message`` for the student on every channel that reaches them (call inside the write's transaction).

    Only a student-visible message of the author its ``kind`` requires can be sent (an operator's reply
    is an operator's message, an automatic answer a bot's...): anything else raises InternalContentError
    and nothing is queued. Calling it again for the same message and kind queues nothing new.
    """
    if kind in Delivery.EVENT_KINDS:
        raise InternalContentError(f"{kind} is carried by a status change (student_notify_status), not by message #{message.pk}")
    expected_author = Delivery.KIND_AUTHORS.get(kind)
    if expected_author is None:
        raise ValueError(f"unknown delivery kind {kind!r}")
    if message.ticket_id != ticket.pk or not message.is_visible_to_student or message.author_kind != expected_author:
        raise InternalContentError(f"message #{message.pk} ({message.author_kind}) cannot be sent to the student as {kind}")
    payload = {"name": ticket.name, "body": message.body, "language": ticket.language or settings.LANGUAGE_CODE}
    return _deliveries_queue(ticket, kind, payload, message=message)


def student_notify_status(*, ticket: Ticket, event: TicketEvent) -> list[Delivery]:
    """Tell the student their ticket was resolved or closed (``Delivery.Kind.STATUS_CHANGED``, carried by the
    status ``event``; call inside its transaction). Once per event and channel however often it runs; which
    changes deserve it is decided by the caller (services.operator.status_notice)."""
    if event.ticket_id != ticket.pk or event.kind != TicketEvent.Kind.STATUS or event.new_value not in (
        Ticket.Status.RESOLVED, Ticket.Status.CLOSED,
    ):
        raise InternalContentError(f"event #{event.pk} ({event.kind} → {event.new_value}) is not a status change to tell the student")
    payload = {"name": ticket.name, "status": event.new_value, "language": ticket.language or settings.LANGUAGE_CODE}
    return _deliveries_queue(ticket, Delivery.Kind.STATUS_CHANGED, payload, event=event)


def _deliveries_queue(ticket: Ticket, kind: str, payload: dict, *, message: Message | None = None,
                      event: TicketEvent | None = None) -> list[Delivery]:
    created = []
    for channel in channels_registered():
        address = channel.address_for(ticket)
        if not address:
            continue
        delivery, is_new = Delivery.objects.get_or_create(
            message=message, event=event, kind=kind, channel=channel.name,
            defaults={"ticket": ticket, "address": address, "payload": payload, "next_attempt_at": timezone.now() + LOST_TASK_GRACE},
        )
        if is_new:
            created.append(delivery)
    if not created:
        logger.info("Ticket #%s: no channel reaches the student for %s", ticket.pk, kind)
        return []
    ids = [delivery.pk for delivery in created]
    transaction.on_commit(lambda: deliveries_enqueue_now(ids))
    return created


def deliveries_enqueue_now(delivery_ids) -> None:
    """Hand deliveries to the broker. A broker outage is logged, not raised: the sweep queues them later."""
    for delivery_id in delivery_ids:
        task_enqueue(DELIVER_TASK, delivery_id, task_name=f"deliver-{delivery_id}")


def _delivery_claim(delivery_id: int, now: datetime) -> Delivery | None:
    """Take the row for one attempt (services.outbox.outbox_claim)."""
    return outbox_claim(Delivery, delivery_id, now)


def _channel_send(delivery: Delivery) -> None:
    channel = channel_get(delivery.channel)
    if channel is None:
        raise DeliveryFailed(f"no channel {delivery.channel!r} is registered in this process")
    channel.send(delivery)


def delivery_send(delivery_id: int, *, now: datetime | None = None) -> str:
    """Send one delivery if it is due: "sent", "retry" (failed, tried again later), "failed" or "skipped"."""
    return outbox_send(Delivery, delivery_id, _channel_send, now=now)


def deliveries_sweep(*, now: datetime | None = None) -> int:
    """Queue every delivery whose (re)try is due: failed attempts past their backoff, lost tasks, expired leases."""
    due = outbox_due(Delivery, now=now)
    deliveries_enqueue_now(due)
    return len(due)


def delivery_retry(delivery: Delivery) -> bool:
    """An admin asks for one more attempt now (a failed row, or a pending one not to wait for its backoff)."""
    return outbox_retry(Delivery, delivery.pk, deliveries_enqueue_now)
