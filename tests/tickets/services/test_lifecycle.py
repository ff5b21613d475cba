"""services.lifecycle and the ticket's clocks: waiting since, first response, resolution (what ages, SLA and the
reports are computed from)."""
from __future__ import annotations

import pytest
from django.apps import apps

from tests.factories import AdminFactory, ClassifiedTicketFactory, operator
from tickets import services
from tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_clocks_follow_the_conversation(django_capture_on_commit_callbacks):
    olga = operator("olga", queues=["payment"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(name="Аня", email="anya@example.org", description="Не проходит оплата картой")
    ticket.refresh_from_db()
    assert ticket.waiting_since is not None and ticket.first_response_at is None and ticket.resolved_at is None
    created_wait = ticket.waiting_since

    services.ticket_assign(ticket=ticket, assignee=olga, actor=olga)  # new → open: still the same wait
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.waiting_since == created_wait

    reply = services.ticket_reply(ticket=ticket, body="Проверяем", actor=olga)  # → waiting: the student's turn
    ticket.refresh_from_db()
    assert ticket.waiting_since is None and ticket.first_response_at == reply.created_at

    services.ticket_reply(ticket=ticket, body="Ещё ответ", actor=olga)
    assert Ticket.objects.get(pk=ticket.pk).first_response_at == reply.created_at  # the first one counts

    services.ticket_student_reply(ticket=ticket, body="Всё ещё не работает")  # → open: waits again
    ticket.refresh_from_db()
    assert ticket.waiting_since is not None and ticket.waiting_since > reply.created_at

    services.ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=olga)
    ticket.refresh_from_db()
    resolved = ticket.resolved_at
    assert resolved is not None and ticket.waiting_since is None
    services.ticket_set_status(ticket=ticket, status=Ticket.Status.CLOSED, actor=olga)
    assert Ticket.objects.get(pk=ticket.pk).resolved_at == resolved  # closing a resolved ticket is not a new resolution
    services.ticket_set_status(ticket=ticket, status=Ticket.Status.OPEN, actor=olga)
    ticket.refresh_from_db()
    assert ticket.resolved_at is None and ticket.waiting_since is not None


def test_an_automatic_answer_is_no_first_response(faq, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(name="Аня", email="a@example.org", description="Можно ли платить за обучение частями?")
    ticket.refresh_from_db()
    assert ticket.status == "waiting" and ticket.first_response_at is None and ticket.waiting_since is None


def test_the_migration_backfills_the_clocks_from_history():
    """0013's backfill: first operator reply, the last change into the current state, else creation/update."""
    backfill = __import__("tickets.migrations.0013_operators_desk", fromlist=["backfill_clocks"]).backfill_clocks
    admin = AdminFactory()
    open_ticket = ClassifiedTicketFactory(status=Ticket.Status.OPEN)
    done = ClassifiedTicketFactory(status=Ticket.Status.RESOLVED)
    reply = Message.objects.create(ticket=done, author_kind="operator", author=admin, body="ok")
    Message.objects.create(ticket=done, author_kind="operator", author=admin, body="later")
    reopened = TicketEvent.objects.create(ticket=open_ticket, kind="status", old_value="waiting", new_value="open")
    resolved = TicketEvent.objects.create(ticket=done, kind="status", old_value="open", new_value="resolved")
    Ticket.objects.update(waiting_since=None, first_response_at=None, resolved_at=None)
    backfill(apps, None)
    open_ticket.refresh_from_db()
    done.refresh_from_db()
    assert (open_ticket.waiting_since, open_ticket.resolved_at, open_ticket.first_response_at) == (reopened.created_at, None, None)
    assert (done.waiting_since, done.resolved_at, done.first_response_at) == (None, resolved.created_at, reply.created_at)
