"""Notifications to operators: one service for every kind (a new ticket in my queues, a student's reply on my ticket,
a mention, an SLA about to be missed, an assignment).

``operator_notify`` is called inside the transaction of what it announces: it writes one OperatorNotification
per recipient (the desk's counter shows them at once) and one OperatorDelivery per registered sink that wants
it (tickets.sinks: e-mail today, the operators' Telegram chat later), sent after commit by a task and retried
with backoff (services.outbox), so a slow mail server never blocks the request. Idempotent per event: a
recipient gets one notification per ``event_key``, a sink address one message.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import Message, OperatorDelivery, OperatorNotification, OperatorProfile, Ticket
from ..selectors.operators import queue_members
from ..channels import DeliveryFailed
from ..sinks import sink_get, sinks_registered
from .enqueue import task_enqueue
from .outbox import LOST_TASK_GRACE, outbox_due, outbox_retry, outbox_send

logger = logging.getLogger(__name__)

User = get_user_model()
OPERATOR_DELIVER_TASK = "tickets.tasks.operator_deliver_task"
Kind = OperatorNotification.Kind


def operator_notify(
    *, kind: str, ticket: Ticket, recipients: Iterable, event_key: str, actor=None, message: Message | None = None,
    data: dict | None = None,
) -> list[OperatorNotification]:
    """Notify each recipient (users) of one event, except the person who caused it; the new rows are returned."""
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    actor_id = getattr(actor, "pk", None)
    created: list[OperatorNotification] = []
    seen: set[int] = set()
    for user in recipients:
        if user.pk == actor_id or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        notification, is_new = OperatorNotification.objects.get_or_create(
            recipient=user, event_key=event_key[:120],
            defaults={"kind": kind, "ticket": ticket, "actor": actor, "message": message, "data": data or {}},
        )
        if is_new:
            created.append(notification)
    deliveries = _deliveries_create(created)
    if deliveries:
        ids = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: operator_deliveries_enqueue_now(ids))
    return created


def _deliveries_create(notifications: list[OperatorNotification]) -> list[OperatorDelivery]:
    created = []
    for sink in sinks_registered():
        for notification in notifications:
            address = sink.address_for(notification)
            if not address:
                continue
            delivery, is_new = OperatorDelivery.objects.get_or_create(
                sink=sink.name, address=address, event_key=notification.event_key,
                defaults={"notification": notification, "next_attempt_at": timezone.now() + LOST_TASK_GRACE},
            )
            if is_new:
                created.append(delivery)
    return created


def operator_deliveries_enqueue_now(delivery_ids) -> None:
    """Hand deliveries to the broker. A broker outage is logged, not raised: the sweep queues them later."""
    for delivery_id in delivery_ids:
        task_enqueue(OPERATOR_DELIVER_TASK, delivery_id, task_name=f"operator-deliver-{delivery_id}")


def _sink_send(delivery: OperatorDelivery) -> None:
    sink = sink_get(delivery.sink)
    if sink is None:
        raise DeliveryFailed(f"no sink {delivery.sink!r} is registered in this process")
    sink.send(delivery)


def operator_delivery_send(delivery_id: int, *, now: datetime | None = None) -> str:
    """Send one notification on its sink if due: "sent", "retry", "failed" or "skipped"."""
    return outbox_send(OperatorDelivery, delivery_id, _sink_send, now=now)


def operator_delivery_retry(delivery: OperatorDelivery) -> bool:
    """An admin asks for one more attempt now."""
    return outbox_retry(OperatorDelivery, delivery.pk, operator_deliveries_enqueue_now)


def operator_deliveries_sweep(*, now: datetime | None = None) -> int:
    """Queue every operator delivery whose (re)try is due (schedule "operator-notifications", every minute)."""
    due = outbox_due(OperatorDelivery, now=now)
    operator_deliveries_enqueue_now(due)
    return len(due)


def operator_email_kinds_set(user, *, kinds: Iterable[str]) -> OperatorProfile:
    """The kinds of notifications an operator also wants by e-mail (the desk always shows every kind)."""
    kinds = set(kinds)
    unknown = kinds - set(Kind.values)
    if unknown:
        raise ValidationError({"email_kinds": f"unknown kinds: {', '.join(sorted(unknown))}"})
    profile, _created = OperatorProfile.objects.get_or_create(user=user)
    profile.email_kinds = [kind for kind in Kind.values if kind in kinds]
    profile.save(update_fields=["email_kinds"])
    return profile


def notifications_mark_read(user, *, ticket_id: int | None = None, ids: Iterable[int] | None = None) -> int:
    """Mark ``user``'s unread notifications read: all of them, those about one ticket, or the given ids."""
    unread = OperatorNotification.objects.filter(recipient=user, read_at__isnull=True)
    if ticket_id is not None:
        unread = unread.filter(ticket_id=ticket_id)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


# --- The events -----------------------------------------------------------------------------------------------


def ticket_new_notify(ticket: Ticket, *, actor=None, moved_from: str = "") -> list[OperatorNotification]:
    """An unassigned ticket arrived in its queue (classified, or moved there by a person): its members on duty hear of it."""
    members = queue_members(ticket.queue_id).filter(operator_profile__available=True)
    key = f"new:{ticket.pk}:{ticket.queue_id}"
    return operator_notify(
        kind=Kind.NEW_TICKET, ticket=ticket, recipients=members, event_key=key, actor=actor,
        data={"moved_from": moved_from} if moved_from else None,
    )


def student_reply_notify(ticket: Ticket, message: Message) -> list[OperatorNotification]:
    """The student wrote on an assigned ticket: its assignee hears of it."""
    if not ticket.assignee_id:
        return []
    return operator_notify(
        kind=Kind.STUDENT_REPLY, ticket=ticket, recipients=User.objects.filter(pk=ticket.assignee_id),
        event_key=f"reply:{message.pk}", message=message,
    )


def escalation_notify(ticket: Ticket, *, answer: Message | None, reason: str, message: Message | None = None) -> list[OperatorNotification]:
    """An automatic answer did not settle the ticket (the student's "I still need help", a reply instead of
    feedback, or no feedback in time): the queue's operators on duty and its assignee hear that a person is
    needed now. One event per automatic answer (``answer``, the bot's message; the ticket when it is gone).
    ``message``: the student's reply that escalated it, shown as the excerpt."""
    members = queue_members(ticket.queue_id).filter(operator_profile__available=True)
    recipients = list(members)
    if ticket.assignee_id and all(user.pk != ticket.assignee_id for user in recipients):
        recipients += list(User.objects.filter(pk=ticket.assignee_id))
    key = f"escalated:{ticket.pk}:{answer.pk if answer is not None else 'ticket'}"
    return operator_notify(
        kind=Kind.ESCALATED, ticket=ticket, recipients=recipients, event_key=key, message=message, data={"reason": reason},
    )
