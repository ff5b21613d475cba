"""operator_notify.escalation_notify: a student who still needs a person after an automatic answer ("I still need
help", a reply instead of feedback, or no feedback in time) is announced to the queue's operators once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tests.factories import operator
from tests.tickets.test_faq_flow import SURE_QUESTION, submit
from tickets import services
from tickets.models import OperatorDelivery, OperatorNotification, Ticket
from tickets.notices import notification_line

pytestmark = pytest.mark.django_db

Kind = OperatorNotification.Kind


@pytest.fixture
def team():
    """Two operators on duty in the answered ticket's queue (profile), one off duty, one of another queue."""
    on_duty = [operator(name, queues=["profile"]) for name in ("olga", "ivan")]
    for user in on_duty:
        services.operator_set_available(user, available=True)
    operator("sleepy", queues=["profile"])
    services.operator_set_available(operator("pavel", queues=["payment"]), available=True)
    return on_duty


@pytest.fixture
def answered(client, faq, team, django_capture_on_commit_callbacks) -> Ticket:
    ticket = submit(client, django_capture_on_commit_callbacks, SURE_QUESTION)
    ticket.refresh_from_db()
    assert ticket.auto_answer_state == Ticket.AutoAnswerState.PENDING_FEEDBACK and ticket.queue.slug == "profile"
    OperatorNotification.objects.all().delete()  # the new-ticket ones: not what these tests are about
    mail.outbox.clear()
    return ticket


def escalations() -> list[OperatorNotification]:
    return list(OperatorNotification.objects.filter(kind=Kind.ESCALATED).select_related("recipient", "ticket__queue").order_by("recipient__username"))


def test_still_need_help_notifies_the_queues_operators_on_duty_once(answered, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.auto_answer_feedback(ticket=answered, solved=False)
    rows = escalations()
    assert [row.recipient.username for row in rows] == ["ivan", "olga"]
    assert len({row.event_key for row in rows}) == 1 and rows[0].event_key.startswith(f"escalated:{answered.pk}:")
    assert notification_line(rows[0]) == f"#{answered.pk}: Аня всё ещё нужна помощь после автоматического ответа"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in team)  # ESCALATED is e-mailed by default
    # The same automatic answer cannot be escalated twice; the timeout finds nothing to do.
    assert services.auto_answers_escalate_stale(now=timezone.now() + timedelta(days=30)) == 0
    assert len(escalations()) == 2


def test_this_solved_it_notifies_nobody(answered, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.auto_answer_feedback(ticket=answered, solved=True)
    assert escalations() == []


def test_no_feedback_in_time_is_the_same_escalation_worded_as_such(answered, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.auto_answers_escalate_stale(now=timezone.now() + timedelta(seconds=settings.SUPPORTDESK_AUTO_ANSWER_ESCALATE_AFTER + 1)) == 1
    rows = escalations()
    assert len(rows) == 2
    assert "не ответил(а) на автоматический ответ" in notification_line(rows[0])


def test_a_reply_instead_of_feedback_is_one_escalation_carrying_the_reply(answered, team, django_capture_on_commit_callbacks):
    services.ticket_assign(ticket=answered, assignee=team[0], actor=None)  # automatic assignment: olga
    OperatorNotification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.ticket_student_reply(ticket=answered, body="Не помогло, ссылка для сброса не приходит")
    rows = escalations()
    assert [row.recipient.username for row in rows] == ["ivan", "olga"]
    assert all(row.message_id == reply.pk for row in rows)
    # olga, its assignee, is told once: no separate "the student replied" notice for the same message.
    assert not OperatorNotification.objects.filter(kind=Kind.STUDENT_REPLY).exists()
    assert OperatorDelivery.objects.filter(sink="email", notification__kind=Kind.ESCALATED).count() == 2
