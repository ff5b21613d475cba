"""Warnings before a ticket misses its queue's target (schedule "operators-sweep", every 5 minutes).

A ticket is warned about once per target and due time (an event key holds both): SUPPORTDESK_SLA_WARNING_MINUTES
before it is due, or half the target when that is shorter. The assignee hears of it; an unassigned ticket's
queue members on duty, or all its members when nobody is on duty. A ticket waiting for the student is not
warned about its resolution (the ball is in the student's court); one overdue for more than a day no longer
is (the queue list shows it as overdue).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import OperatorNotification, Queue, Ticket
from ..selectors.operators import queue_members
from ..sla import warning_lead
from .operator_notify import Kind, operator_notify

User = get_user_model()

STALE_AFTER = timedelta(days=1)
# (target, the Queue field holding it, the open tickets it still applies to)
TARGETS = (
    ("first_response", "first_response_target", Q(first_response_at__isnull=True, status__in=Ticket.OPEN_STATUSES)),
    ("resolution", "resolution_target", Q(status__in=[Ticket.Status.NEW, Ticket.Status.OPEN])),
)


def _recipients(ticket: Ticket):
    if ticket.assignee_id:
        return User.objects.filter(pk=ticket.assignee_id)
    members = queue_members(ticket.queue_id)
    on_duty = members.filter(operator_profile__available=True)
    return on_duty if on_duty.exists() else members


def sla_warnings_sweep(*, now: datetime | None = None) -> int:
    """Warn about every open ticket whose target comes within its warning lead; the notifications written."""
    now = now or timezone.now()
    written = 0
    for queue in Queue.objects.filter(Q(first_response_target__isnull=False) | Q(resolution_target__isnull=False)):
        for name, field, applies in TARGETS:
            target = getattr(queue, field)
            if not target:
                continue
            # due = created_at + target; warn once due - lead <= now, while due >= now - STALE_AFTER.
            due_soon = Ticket.objects.filter(
                applies, queue=queue, created_at__lte=now + warning_lead(target) - target,
                created_at__gte=now - STALE_AFTER - target,
            ).order_by("created_at", "id")
            for ticket in due_soon:
                written += _warn(ticket, name, ticket.created_at + target)
    return written


def _warn(ticket: Ticket, target: str, due: datetime) -> int:
    key = f"sla:{ticket.pk}:{target}:{int(due.timestamp())}"
    if OperatorNotification.objects.filter(ticket=ticket, event_key=key).exists():
        return 0
    with transaction.atomic():
        created = operator_notify(
            kind=Kind.SLA_WARNING, ticket=ticket, recipients=_recipients(ticket), event_key=key,
            data={"target": target, "due": due.isoformat()},
        )
    return len(created)
