"""services.satisfaction: the student is asked to rate once a person resolved the ticket, and rates it once."""
from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from tests.factories import operator
from tickets import services
from tickets.models import Delivery, Ticket, TicketRating

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(django_capture_on_commit_callbacks):
    """A ticket olga took and answered."""
    olga = operator("olga", queues=["payment"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(name="Аня", email="anya@example.org", description="Не проходит оплата картой")
    with django_capture_on_commit_callbacks(execute=True):  # classified into payment by now
        services.ticket_assign(ticket=ticket, assignee=olga, actor=olga)
        services.ticket_reply(ticket=ticket, body="Платёж прошёл, доступ открыт.", actor=olga)
    return Ticket.objects.get(pk=ticket.pk), olga


def test_resolved_by_a_person_asks_for_a_rating_once(answered, django_capture_on_commit_callbacks):
    ticket, olga = answered
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=olga)
    rating = TicketRating.objects.get(ticket=ticket)
    assert (rating.requested_by, rating.operator, rating.score) == (olga, olga, None)
    assert Delivery.objects.filter(ticket=ticket, kind=Delivery.Kind.RATING_REQUEST).count() == 1
    assert len(mail.outbox) == 1 and "1 до 5" in mail.outbox[0].body and ticket.public_token in mail.outbox[0].body
    # Reopened by the student and resolved again: still one request.
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_student_reply(ticket=ticket, body="Ой, снова не работает")
        services.ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=olga)
    assert TicketRating.objects.count() == 1
    # olga: told of the reply; Anya: no second rating request, so the second resolve is told as a status change.
    assert [m.to for m in mail.outbox] == [["anya@example.org"], ["olga@example.org"], ["anya@example.org"]]
    assert "решено" in mail.outbox[2].subject and "1 до 5" not in mail.outbox[2].body


def test_no_rating_without_a_persons_answer(django_capture_on_commit_callbacks):
    olga = operator("olga", queues=["payment"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(name="Аня", email="anya@example.org", description="Не проходит оплата картой")
    services.ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=olga)  # nobody answered
    assert not TicketRating.objects.exists()


def test_rate_once_one_to_five_after_resolution(answered):
    ticket, olga = answered
    with pytest.raises(ValidationError):
        services.ticket_rate(ticket=ticket, score=5)  # not resolved, not asked
    services.ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=olga)
    for bad in (0, 6, "five", None):
        with pytest.raises(ValidationError) as error:
            services.ticket_rate(ticket=ticket, score=bad)
        assert "score" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.ticket_rate(ticket=ticket, score=4, comment="x" * (TicketRating.COMMENT_MAX_CHARS + 1))
    rating = services.ticket_rate(ticket=ticket, score="4", comment="  Быстро и по делу  ")
    assert (rating.score, rating.comment) == (4, "Быстро и по делу") and rating.rated_at
    assert ticket.events.filter(kind="rated", new_value="4").exists()
    with pytest.raises(ValidationError):
        services.ticket_rate(ticket=ticket, score=1)  # once
    assert TicketRating.objects.get().score == 4
