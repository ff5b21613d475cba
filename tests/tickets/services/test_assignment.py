"""services.assignment: assigning to an operator of the queue (or nobody), availability, round-robin automatic
assignment of the least loaded operator on duty, every change audited and the assignee notified."""
from __future__ import annotations

import pytest
from django.contrib.auth.signals import user_logged_out
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from tests.factories import AdminFactory, ClassifiedTicketFactory, UserFactory, operator, queue
from tickets import selectors, services
from tickets.models import OperatorNotification, OperatorProfile, Queue, Ticket, TicketEvent
from tickets.services.assignment import ticket_assigned_by_person

pytestmark = pytest.mark.django_db


def _on_duty(*users):
    for user in users:
        services.operator_set_available(user, available=True)


def test_assign_to_an_operator_of_the_queue_audits_opens_and_notifies():
    lead, olga = operator("lead", queues=["payment"]), operator("olga", queues=["payment"])
    ticket = ClassifiedTicketFactory()
    services.ticket_assign_to(ticket=ticket, username="olga", actor=lead)
    ticket.refresh_from_db()
    assert ticket.assignee == olga and ticket.status == Ticket.Status.OPEN
    event = ticket.events.get(kind=TicketEvent.Kind.ASSIGN)
    assert (event.actor, event.old_value, event.new_value) == (lead, "", "olga")
    notification = OperatorNotification.objects.get()
    assert (notification.recipient, notification.kind, notification.actor) == (olga, "assigned", lead)

    services.ticket_assign_to(ticket=ticket, username=None, actor=lead)  # unassign
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert list(ticket.events.filter(kind="assign").values_list("old_value", "new_value")) == [("", "olga"), ("olga", "")]


def test_taking_a_ticket_yourself_notifies_nobody():
    olga = operator("olga", queues=["payment"])
    ticket = ClassifiedTicketFactory()
    services.ticket_assign(ticket=ticket, assignee=olga, actor=olga)
    assert not OperatorNotification.objects.exists()


def test_only_operators_who_may_see_the_queue_can_be_assigned():
    lead = operator("lead", queues=["payment"])
    operator("course-only", queues=["course"])
    UserFactory(username="stranger")  # no operator profile
    ticket = ClassifiedTicketFactory()
    for username in ("course-only", "stranger", "nobody-at-all"):
        with pytest.raises(ValidationError) as error:
            services.ticket_assign_to(ticket=ticket, username=username, actor=lead)
        assert "assignee" in error.value.message_dict
    AdminFactory(username="boss")  # admins see every queue
    services.ticket_assign_to(ticket=ticket, username="boss", actor=lead)
    assert Ticket.objects.get(pk=ticket.pk).assignee.username == "boss"
    assert ticket.events.filter(kind="assign").count() == 1  # refused attempts left no trace


def test_assignees_of_a_queue():
    operator("a", queues=["payment"])
    operator("b", queues=["course"])
    operator("c")  # all queues
    AdminFactory(username="root")
    UserFactory(username="d", is_active=False)
    OperatorProfile.objects.create(user=UserFactory(username="d2", is_active=False), all_queues=True)
    assert [u.username for u in selectors.queue_assignees(queue("payment"))] == ["a", "c", "root"]
    assert [u.username for u in selectors.queue_members(queue("payment"))] == ["a", "c"]


@pytest.fixture
def auto_payment():
    Queue.objects.filter(slug="payment").update(auto_assign=True)
    return queue("payment")


def test_round_robin_least_loaded_first(auto_payment):
    anna, boris, vera = operator("anna", queues=["payment"]), operator("boris", queues=["payment"]), operator("vera", queues=["payment"])
    operator("away", queues=["payment"])  # not on duty: never chosen
    _on_duty(anna, boris, vera)
    ClassifiedTicketFactory(assignee=vera, status=Ticket.Status.OPEN)  # vera already carries one
    chosen = []
    for _ in range(5):
        ticket = ClassifiedTicketFactory()
        with_lock = Ticket.objects.select_related("queue").get(pk=ticket.pk)
        chosen.append(services.ticket_auto_assign(with_lock).username)
    # anna, boris (0 each, never assigned) → vera ties at 1 with both and was never auto-assigned → then round-robin.
    assert chosen == ["anna", "boris", "vera", "anna", "boris"]
    auto = TicketEvent.objects.filter(kind="assign", actor__isnull=True)
    assert auto.count() == 5 and set(auto.values_list("reason", flat=True)) == {"automatic assignment"}
    assert Ticket.objects.filter(assignee__isnull=False, status=Ticket.Status.NEW).count() == 5  # still new: nobody looked yet


def test_capacity_and_nobody_on_duty(auto_payment, settings):
    settings.SUPPORTDESK_AUTO_ASSIGN_CAPACITY = 2
    anna = operator("anna", queues=["payment"])
    ticket = Ticket.objects.select_related("queue").get(pk=ClassifiedTicketFactory().pk)
    assert services.ticket_auto_assign(ticket) is None  # nobody on duty
    _on_duty(anna)
    ClassifiedTicketFactory.create_batch(2, assignee=anna)
    assert services.ticket_auto_assign(ticket) is None  # anna is full
    settings.SUPPORTDESK_AUTO_ASSIGN_CAPACITY = 0  # no limit
    assert services.ticket_auto_assign(ticket) == anna


def test_classified_tickets_are_assigned_or_the_queue_told(auto_payment, django_capture_on_commit_callbacks):
    anna, boris = operator("anna", queues=["payment"]), operator("boris", queues=["payment"])
    operator("course-op", queues=["course"])
    _on_duty(anna, boris)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(name="Аня", email="a@example.org", description="Не проходит оплата картой")
    ticket.refresh_from_db()
    assert ticket.queue.slug == "payment" and ticket.assignee == anna
    kinds = {(n.recipient.username, n.kind) for n in OperatorNotification.objects.select_related("recipient")}
    assert kinds == {("anna", "assigned")}  # it is anna's: no news for the rest of the queue
    Queue.objects.filter(slug="payment").update(auto_assign=False)
    with django_capture_on_commit_callbacks(execute=True):
        other = services.ticket_create(name="Боря", email="b@example.org", description="Оплата картой не проходит")
    told = set(OperatorNotification.objects.filter(ticket=other).values_list("recipient__username", "kind"))
    assert told == {("anna", "new_ticket"), ("boris", "new_ticket")}  # unassigned: the members on duty, not course-op


def test_going_on_duty_takes_the_backlog_and_logging_out_stops(auto_payment, django_capture_on_commit_callbacks, settings):
    settings.SUPPORTDESK_AUTO_ASSIGN_CAPACITY = 3
    anna = operator("anna", queues=["payment"])
    backlog = ClassifiedTicketFactory.create_batch(4)
    ClassifiedTicketFactory(status=Ticket.Status.WAITING)  # waits for the student: not assigned
    with django_capture_on_commit_callbacks(execute=True):
        services.operator_set_available(anna, available=True)
    assert Ticket.objects.filter(assignee=anna).count() == 3  # the capacity
    assert not Ticket.objects.get(pk=backlog[-1].pk).assignee  # the newest waits for room
    user_logged_out.send(sender=type(anna), request=RequestFactory().get("/"), user=anna)
    assert OperatorProfile.objects.get(user=anna).available is False
    assert services.auto_assign_backlog() == 0


def test_an_automatic_assignment_does_not_stop_the_faq_answer(faq, auto_payment, django_capture_on_commit_callbacks):
    """Assigned automatically before the FAQ layer decided: the student still gets the sure automatic answer."""
    _on_duty(operator("anna", queues=["payment"]))
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(name="Аня", email="a@example.org", description="Можно ли платить за обучение частями?")
    ticket.refresh_from_db()
    assert ticket.auto_answer_state == Ticket.AutoAnswerState.PENDING_FEEDBACK
    assert ticket.messages.filter(author_kind="bot").exists()


def test_assigned_by_a_person_counts_as_involved():
    olga, lead = operator("olga", queues=["payment"]), operator("lead", queues=["payment"])
    ticket = ClassifiedTicketFactory()
    assert not ticket_assigned_by_person(ticket)
    services.ticket_assign(ticket=ticket, assignee=olga, actor=None, reason="automatic assignment")
    assert not ticket_assigned_by_person(Ticket.objects.get(pk=ticket.pk))
    services.ticket_assign(ticket=ticket, assignee=lead, actor=olga)
    assert ticket_assigned_by_person(Ticket.objects.get(pk=ticket.pk))
