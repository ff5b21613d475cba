"""tickets.sla: due times, misses and the urgency order, in Python (one ticket) and SQL (lists), which must agree."""
from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
from django.utils import timezone

from tests.factories import ClassifiedTicketFactory, queue
from tickets.models import Queue, Ticket
from tickets.sla import sla_annotate, ticket_sla, urgency_ordered

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def targets():
    """payment: first response within 1 h, resolved within 8 h; course: no targets."""
    Queue.objects.filter(slug="payment").update(first_response_target=HOUR, resolution_target=8 * HOUR)
    return queue("payment")


def _ticket(*, age: timedelta, status=Ticket.Status.OPEN, responded_after: timedelta | None = None,
            resolved_after: timedelta | None = None, slug="payment") -> Ticket:
    now = timezone.now()
    ticket = ClassifiedTicketFactory(status=status, queue=queue(slug))
    created = now - age
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=created,
        first_response_at=created + responded_after if responded_after is not None else None,
        resolved_at=created + resolved_after if resolved_after is not None else None,
        waiting_since=created if status in (Ticket.Status.NEW, Ticket.Status.OPEN) else None,
    )
    return Ticket.objects.select_related("queue").get(pk=ticket.pk)


def test_due_times_and_misses(targets):
    fresh = ticket_sla(_ticket(age=10 * timedelta(minutes=1)))
    assert fresh.first_response_due is not None and not fresh.breached
    assert fresh.next_due == fresh.first_response_due

    no_reply = ticket_sla(_ticket(age=2 * HOUR))
    assert no_reply.first_response_breached and not no_reply.resolution_breached

    late_reply = ticket_sla(_ticket(age=3 * HOUR, responded_after=2 * HOUR, status=Ticket.Status.WAITING))
    assert late_reply.first_response_breached
    assert late_reply.next_due == late_reply.resolution_due  # answered: the resolution is next

    on_time = ticket_sla(_ticket(age=3 * HOUR, responded_after=30 * timedelta(minutes=1), status=Ticket.Status.WAITING))
    assert not on_time.breached

    too_long = ticket_sla(_ticket(age=9 * HOUR, responded_after=10 * timedelta(minutes=1)))
    assert too_long.resolution_breached and not too_long.first_response_breached

    resolved_late = ticket_sla(_ticket(age=20 * HOUR, responded_after=HOUR / 2, resolved_after=10 * HOUR, status=Ticket.Status.RESOLVED))
    assert resolved_late.resolution_breached and resolved_late.next_due is None

    # Closed as off-topic (no reply of a person, done in minutes): nothing was missed.
    offtopic = ticket_sla(_ticket(age=5 * HOUR, resolved_after=timedelta(minutes=1), status=Ticket.Status.CLOSED))
    assert not offtopic.breached

    no_targets = ticket_sla(_ticket(age=30 * HOUR, slug="course"))
    assert not no_targets.has_targets and not no_targets.breached and no_targets.next_due is None


def test_sql_agrees_with_python_on_every_case(targets):
    """A grid of statuses × ages × reply/resolution times, in both queues: the annotations equal ticket_sla."""
    minutes = [None, timedelta(minutes=20), 2 * HOUR, 9 * HOUR]
    for status, age, responded, resolved, slug in product(
        Ticket.Status.values, [timedelta(minutes=5), 2 * HOUR, 12 * HOUR], minutes, minutes, ["payment", "course"],
    ):
        if responded is not None and responded > age or resolved is not None and resolved > age:
            continue
        _ticket(age=age, status=status, responded_after=responded, resolved_after=resolved, slug=slug)
    now = timezone.now()
    rows = sla_annotate(Ticket.objects.select_related("queue"), now)
    assert len(rows) > 100
    for ticket in rows:
        expected = ticket_sla(ticket, now)
        assert ticket.first_response_due == expected.first_response_due
        assert ticket.resolution_due == expected.resolution_due
        assert ticket.next_due == expected.next_due, ticket.status
        assert ticket.sla_breached == expected.breached, (ticket.status, ticket.first_response_at, ticket.resolved_at)


def test_urgency_order(targets):
    overdue = _ticket(age=3 * HOUR)  # no reply for 3 h: 2 h overdue
    soon = _ticket(age=50 * timedelta(minutes=1))  # reply due in 10 min
    later = _ticket(age=5 * timedelta(minutes=1))
    no_target_old = _ticket(age=30 * HOUR, slug="course")
    no_target_new = _ticket(age=HOUR, slug="course")
    waiting = _ticket(age=4 * HOUR, status=Ticket.Status.WAITING, responded_after=HOUR / 2)
    done = _ticket(age=50 * HOUR, status=Ticket.Status.RESOLVED, responded_after=HOUR / 2, resolved_after=HOUR)
    ordered = list(urgency_ordered(Ticket.objects.all()))
    assert ordered == [overdue, soon, later, no_target_old, no_target_new, waiting, done]
