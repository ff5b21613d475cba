"""services.sla_alerts: a warning before a ticket misses its queue's target, once per target, to the right people."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ClassifiedTicketFactory, operator, queue
from tickets import services
from tickets.models import OperatorNotification, Queue, Ticket
from tickets.sla import warning_lead
from tickets.tasks import operators_sweep_task

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


@pytest.fixture
def targets(settings):
    settings.SUPPORTDESK_SLA_WARNING_MINUTES = 30
    Queue.objects.filter(slug="payment").update(first_response_target=2 * timedelta(hours=1), resolution_target=timedelta(hours=8))


def _aged(minutes: int, **kwargs) -> Ticket:
    ticket = ClassifiedTicketFactory(**kwargs)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=timezone.now() - minutes * MINUTE)
    return Ticket.objects.get(pk=ticket.pk)


def test_warning_lead_is_at_most_half_the_target(settings):
    settings.SUPPORTDESK_SLA_WARNING_MINUTES = 30
    assert warning_lead(timedelta(hours=4)) == 30 * MINUTE
    assert warning_lead(20 * MINUTE) == 10 * MINUTE


def test_warns_before_the_first_response_is_due_once(targets):
    anna, boris = operator("anna", queues=["payment"]), operator("boris", queues=["payment"])
    operator("course-op", queues=["course"])
    services.operator_set_available(anna, available=True)
    fresh = _aged(60)  # due in 60 min: not yet
    soon = _aged(100)  # due in 20 min
    late = _aged(130)  # 10 min overdue: still warned (the sweep may have been down)
    stale = _aged(60 * 40)  # both targets overdue for more than a day: the list shows it, no more warnings
    mine = _aged(100, assignee=boris, status=Ticket.Status.OPEN)
    answered = _aged(100, first_response_at=timezone.now())
    assert services.sla_warnings_sweep() == 3
    warned = {(n.ticket_id, n.recipient.username) for n in OperatorNotification.objects.select_related("recipient")}
    # Unassigned: the members on duty (anna); assigned: the assignee. Nobody else, no other queue.
    assert warned == {(soon.pk, "anna"), (late.pk, "anna"), (mine.pk, "boris")}
    assert fresh.pk not in {t for t, _u in warned} and stale.pk not in {t for t, _u in warned} and answered.pk not in {t for t, _u in warned}
    assert services.sla_warnings_sweep() == 0  # once
    assert OperatorNotification.objects.get(ticket=soon).data["target"] == "first_response"


def test_nobody_on_duty_warns_every_member_and_resolution_skips_waiting(targets):
    operator("anna", queues=["payment"])
    operator("boris", queues=["payment"])
    replied = timezone.now() - timedelta(hours=7)
    due_soon = _aged(60 * 8 - 10, first_response_at=replied, status=Ticket.Status.OPEN)
    _aged(60 * 8 - 10, first_response_at=replied, status=Ticket.Status.WAITING)  # the student's turn: no warning
    assert operators_sweep_task() == "warned: 2, assigned: 0"
    assert set(OperatorNotification.objects.values_list("ticket_id", "data__target")) == {(due_soon.pk, "resolution")}


def test_no_targets_no_warnings():
    operator("anna", queues=["course"])
    _aged(60 * 20, queue=queue("course"))
    assert services.sla_warnings_sweep() == 0
