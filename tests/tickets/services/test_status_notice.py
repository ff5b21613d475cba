"""services.operator.status_notice: a person resolving or closing a ticket without a message tells the student once
(Delivery.Kind.STATUS_CHANGED, carried by the status event), in the ticket's language, with the status page link."""
from __future__ import annotations

import pytest
from django.core import mail

from tests.factories import ClassifiedTicketFactory, operator
from tickets import services
from tickets.links import ticket_status_url
from tickets.models import Delivery, Ticket, TicketEvent
from tickets.services import InternalContentError

pytestmark = pytest.mark.django_db


@pytest.fixture
def olga():
    return operator("olga", queues=["payment"])


def ticket_for(language: str = "ru") -> Ticket:
    return ClassifiedTicketFactory(name="Аня", language=language, status=Ticket.Status.OPEN)


def status_notices(ticket: Ticket) -> list[Delivery]:
    return list(Delivery.objects.filter(ticket=ticket, kind=Delivery.Kind.STATUS_CHANGED))


def test_a_resolve_without_a_reply_tells_the_student_once_in_russian_with_the_link(run, olga):
    ticket = ticket_for("ru")
    mail.outbox.clear()
    run(services.ticket_set_status, ticket=ticket, status=Ticket.Status.RESOLVED, actor=olga)
    [notice] = status_notices(ticket)
    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.STATUS, new_value="resolved")
    assert (notice.event, notice.message, notice.channel, notice.status) == (event, None, "email", Delivery.Status.SENT)
    [sent] = mail.outbox
    assert sent.to == [ticket.student.email]
    assert sent.subject == f"Ваше обращение №{ticket.pk} решено"
    assert "Здравствуйте, Аня!" in sent.body and "отметила ваше обращение как решённое" in sent.body
    assert ticket_status_url(ticket) in sent.body

    # The same status again is no change: nothing new is written or sent.
    run(services.ticket_set_status, ticket=ticket, status=Ticket.Status.RESOLVED, actor=olga)
    assert len(status_notices(ticket)) == 1 and len(mail.outbox) == 1
    # The service itself is idempotent per event and channel.
    assert services.student_notify_status(ticket=ticket, event=event) == []


def test_a_close_is_told_in_english_on_an_english_ticket(run, olga):
    ticket = ticket_for("en")
    mail.outbox.clear()
    run(services.ticket_set_status, ticket=ticket, status=Ticket.Status.CLOSED, actor=olga)
    [sent] = mail.outbox
    assert sent.subject == f"Your request #{ticket.pk} has been closed"
    assert "It takes no more replies" in sent.body and ticket_status_url(ticket) in sent.body


def test_a_resolve_after_a_reply_is_told_by_the_rating_request_only(run, olga):
    ticket = ticket_for("ru")
    run(services.ticket_reply, ticket=ticket, body="Платёж прошёл, доступ открыт.", actor=olga)
    mail.outbox.clear()
    run(services.ticket_set_status, ticket=ticket, status=Ticket.Status.RESOLVED, actor=olga)
    assert status_notices(ticket) == []
    [sent] = mail.outbox  # "your request has been resolved, please rate": one message for one change
    assert "решено" in sent.body and "1 до 5" in sent.body
    # Closing it afterwards is a change of its own: the student can no longer reply there.
    run(services.ticket_set_status, ticket=ticket, status=Ticket.Status.CLOSED, actor=olga)
    assert [d.payload["status"] for d in status_notices(ticket)] == ["closed"]


@pytest.mark.parametrize("status", [Ticket.Status.NEW, Ticket.Status.WAITING])
def test_the_desks_own_bookkeeping_is_not_told(run, olga, status):
    ticket = ticket_for("ru")
    mail.outbox.clear()
    run(services.ticket_set_status, ticket=ticket, status=status, actor=olga)
    assert status_notices(ticket) == [] and mail.outbox == []


def test_changes_without_a_person_and_merges_are_not_told_by_it(run, olga):
    ticket = ticket_for("ru")
    # No actor: the automatic changes carry their own message (off-topic close, "this solved it").
    from tickets.services.operator import status_notice

    ticket.status = Ticket.Status.CLOSED
    assert status_notice(ticket, actor=None, rating_asked=False) == []
    # A merge closes the source and tells the student on the target (a reply there), never a status notice.
    source = ticket_for("ru")
    target = ClassifiedTicketFactory(student=source.student, queue=source.queue, status=Ticket.Status.OPEN)
    run(services.ticket_merge, source=source, target=target, actor=olga)
    assert status_notices(source) == [] and status_notices(target) == []
    # ...nor when a person changes the merged ticket's status later.
    run(services.ticket_set_status, ticket=source, status=Ticket.Status.RESOLVED, actor=olga)
    assert status_notices(source) == []


def test_a_bulk_close_tells_each_student_once(run, olga):
    tickets = [ticket_for("ru") for _ in range(3)]
    run(services.tickets_bulk, actor=olga, ticket_ids=[t.pk for t in tickets], action="status", status=Ticket.Status.CLOSED)
    assert [len(status_notices(t)) for t in tickets] == [1, 1, 1]


def test_only_a_resolve_or_close_event_can_be_told_and_no_message_carries_it(olga):
    ticket = ticket_for("ru")
    services.ticket_set_status(ticket=ticket, status=Ticket.Status.WAITING, actor=olga)
    waiting = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.STATUS)
    with pytest.raises(InternalContentError):
        services.student_notify_status(ticket=ticket, event=waiting)
    message = services.ticket_reply(ticket=ticket, body="Ответ", actor=olga)
    with pytest.raises(InternalContentError):
        services.student_notify(ticket=ticket, message=message, kind=Delivery.Kind.STATUS_CHANGED)
    assert status_notices(ticket) == []
