"""Service-level targets: when a ticket is due, whether it missed its target, which ticket is most urgent.

A queue may set a first-response target (a person's first reply) and a resolution target, counted from the
ticket's creation in calendar time (no business hours, no pause while the ticket waits for the student) with
the targets of the queue the ticket is in now. The ticket's clocks (``first_response_at``, ``resolved_at``,
``waiting_since``) are kept by the services; the reports compute response and resolution times from them.

Two forms of the same rules, kept in step by tests: ``ticket_sla`` in Python for one loaded ticket (its queue
joined), and ``sla_annotate`` / ``urgency_ordered`` in SQL for lists and the warning sweep.

- first response: due ``created_at + first_response_target``; missed when the first reply came later, or while
  the ticket is open without one past the due time. A ticket resolved without a person's reply (an automatic
  answer, off-topic) needed none.
- resolution: due ``created_at + resolution_target``; missed when it was resolved later, or while it is open
  past the due time.
- ``next_due``: what the desk must do next, for an open ticket: the first response while there is none (and a
  target), else the resolution.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, DateTimeField, ExpressionWrapper, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from .models import Ticket

OPEN_FOR_DESK = (Ticket.Status.NEW, Ticket.Status.OPEN)


def warning_lead(target: timedelta) -> timedelta:
    """How long before a target's due time the desk warns: SUPPORTDESK_SLA_WARNING_MINUTES, at most half the target."""
    return min(timedelta(minutes=settings.SUPPORTDESK_SLA_WARNING_MINUTES), target / 2)


@dataclass(frozen=True)
class SlaState:
    first_response_due: datetime | None
    resolution_due: datetime | None
    first_response_breached: bool
    resolution_breached: bool
    next_due: datetime | None
    next_target: timedelta | None = None  # the target next_due belongs to
    next_is_first_response: bool = False
    @property
    def breached(self) -> bool:
        return self.first_response_breached or self.resolution_breached

    @property
    def has_targets(self) -> bool:
        return self.first_response_due is not None or self.resolution_due is not None

    def remaining(self, now: datetime | None = None) -> timedelta | None:
        """Time left until ``next_due`` (negative when overdue); None without one."""
        return None if self.next_due is None else self.next_due - (now or timezone.now())

    def due_soon(self, now: datetime | None = None) -> bool:
        """The next target is within its warning lead (and not missed yet)."""
        remaining = self.remaining(now)
        if remaining is None or self.next_target is None:
            return False
        return timedelta(0) <= remaining <= warning_lead(self.next_target)


def _missed(due: datetime | None, done_at: datetime | None, *, is_open: bool, now: datetime) -> bool:
    if due is None:
        return False
    if done_at is not None:
        return done_at > due
    return is_open and now > due


def ticket_sla(ticket: Ticket, now: datetime | None = None) -> SlaState:
    """The SLA state of one ticket (``ticket.queue`` should be joined: its targets are read)."""
    now = now or timezone.now()
    queue = ticket.queue
    first_due = ticket.created_at + queue.first_response_target if queue.first_response_target else None
    resolution_due = ticket.created_at + queue.resolution_target if queue.resolution_target else None
    first_missed = _missed(first_due, ticket.first_response_at, is_open=ticket.is_open, now=now)
    resolution_missed = _missed(resolution_due, ticket.resolved_at if not ticket.is_open else None, is_open=ticket.is_open, now=now)
    first_next = ticket.is_open and ticket.first_response_at is None and first_due is not None
    if not ticket.is_open:
        next_due, next_target = None, None
    elif first_next:
        next_due, next_target = first_due, queue.first_response_target
    else:
        next_due, next_target = resolution_due, queue.resolution_target
    return SlaState(first_due, resolution_due, first_missed, resolution_missed, next_due, next_target, first_next)


def _due(target_field: str) -> ExpressionWrapper:
    return ExpressionWrapper(F("created_at") + F(f"queue__{target_field}"), output_field=DateTimeField())


def sla_annotate(queryset: QuerySet[Ticket], now: datetime | None = None) -> QuerySet[Ticket]:
    """Add ``first_response_due``, ``resolution_due``, ``next_due`` and ``sla_breached`` (as ``ticket_sla``) in SQL."""
    now = now or timezone.now()
    is_open = Q(status__in=Ticket.OPEN_STATUSES)
    queryset = queryset.annotate(first_response_due=_due("first_response_target"), resolution_due=_due("resolution_target"))
    first_missed = Q(first_response_due__isnull=False) & (
        Q(first_response_at__isnull=False, first_response_at__gt=F("first_response_due"))
        | (Q(first_response_at__isnull=True) & is_open & Q(first_response_due__lt=now))
    )
    resolution_missed = Q(resolution_due__isnull=False) & (
        (is_open & Q(resolution_due__lt=now))
        | (~is_open & Q(resolved_at__isnull=False, resolved_at__gt=F("resolution_due")))
    )
    return queryset.annotate(
        next_due=Case(
            When(~is_open, then=Value(None)),
            When(first_response_at__isnull=True, first_response_due__isnull=False, then=F("first_response_due")),
            default=F("resolution_due"),
            output_field=DateTimeField(),
        ),
        sla_breached=Case(When(first_missed | resolution_missed, then=Value(True)), default=Value(False)),
    )


def urgency_ordered(queryset: QuerySet[Ticket], now: datetime | None = None) -> QuerySet[Ticket]:
    """Most urgent first: the desk's turn (new, open) before tickets waiting for the student, open before done;
    then the nearest (or most overdue) due time, then the longest wait, then the oldest."""
    return sla_annotate(queryset, now).annotate(
        urgency_group=Case(
            When(status__in=OPEN_FOR_DESK, then=Value(0)),
            When(status=Ticket.Status.WAITING, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
    ).order_by(
        "urgency_group", F("next_due").asc(nulls_last=True), F("waiting_since").asc(nulls_last=True), "created_at", "id",
    )
