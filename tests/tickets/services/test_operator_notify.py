"""services.operator_notify: one service for every notification to operators; the desk shows them, the sinks
(e-mail, and whatever a later app registers) send them after commit, retried, once per event and address."""
from __future__ import annotations

import re
from smtplib import SMTPServerDisconnected
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.utils import timezone

from tests.factories import ClassifiedTicketFactory, operator
from tickets import selectors, services
from tickets.models import OperatorDelivery, OperatorNotification, OperatorProfile
from tickets.notices import notification_line
from tickets.sinks import sink_register, sink_unregister
from tickets.tasks import operator_deliveries_sweep_task

pytestmark = pytest.mark.django_db

Kind = OperatorNotification.Kind


class DownBackend(LocmemBackend):
    down = True

    def send_messages(self, messages):
        if DownBackend.down:
            raise SMTPServerDisconnected("Connection refused")
        return super().send_messages(messages)


class TeamChat:
    """A sink every operator shares (as an operators' Telegram chat would be): one address for all."""

    name = "team-chat"
    sent: list[str] = []

    def address_for(self, notification):
        return "chat-42" if notification.kind != Kind.MENTION else ""

    def send(self, delivery):
        self.sent.append(delivery.event_key)


@pytest.fixture
def team_chat():
    TeamChat.sent = []
    sink_register(TeamChat())
    yield TeamChat
    sink_unregister(TeamChat.name)


def test_one_notification_per_recipient_and_event(django_capture_on_commit_callbacks):
    olga, ivan, actor = operator("olga"), operator("ivan"), operator("actor")
    ticket = ClassifiedTicketFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.operator_notify(kind=Kind.MENTION, ticket=ticket, recipients=[olga, ivan, actor, olga], event_key="e1", actor=actor)
        again = services.operator_notify(kind=Kind.MENTION, ticket=ticket, recipients=[olga, ivan], event_key="e1", actor=actor)
    assert [n.recipient for n in first] == [olga, ivan] and again == []  # not the actor, once each
    assert sorted(m.to[0] for m in mail.outbox) == ["ivan@example.org", "olga@example.org"]
    subject, body = mail.outbox[0].subject, mail.outbox[0].body
    assert subject == f"actor упомянул(а) вас в обращении #{ticket.pk}"  # in the desk's language
    assert f"/desk/tickets/{ticket.pk}/" in body
    with pytest.raises(ValueError):
        services.operator_notify(kind="nonsense", ticket=ticket, recipients=[olga], event_key="e2")


def test_email_follows_the_operators_choice(django_capture_on_commit_callbacks):
    olga = operator("olga")
    ticket = ClassifiedTicketFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.operator_notify(kind=Kind.NEW_TICKET, ticket=ticket, recipients=[olga], event_key="new")  # off by default
        services.operator_email_kinds_set(olga, kinds=[Kind.NEW_TICKET])
        services.operator_notify(kind=Kind.NEW_TICKET, ticket=ticket, recipients=[olga], event_key="new-2")
        services.operator_notify(kind=Kind.MENTION, ticket=ticket, recipients=[olga], event_key="mention")  # now off
    assert len(mail.outbox) == 1 and f"#{ticket.pk}" in mail.outbox[0].subject
    assert OperatorNotification.objects.filter(recipient=olga).count() == 3  # the desk shows every kind
    assert OperatorProfile.objects.get(user=olga).email_kinds == ["new_ticket"]


def test_a_shared_sink_gets_each_event_once(team_chat, django_capture_on_commit_callbacks):
    olga, ivan = operator("olga"), operator("ivan")
    ticket = ClassifiedTicketFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.operator_notify(kind=Kind.SLA_WARNING, ticket=ticket, recipients=[olga, ivan], event_key="sla:1")
        services.operator_notify(kind=Kind.MENTION, ticket=ticket, recipients=[olga], event_key="mention:1")
    assert team_chat.sent == ["sla:1"]
    assert OperatorDelivery.objects.filter(sink="team-chat").count() == 1


def test_a_mail_outage_is_retried_and_never_blocks_the_write(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    settings.SUPPORTDESK_NOTIFY_MAX_ATTEMPTS = 3
    DownBackend.down = True
    olga = operator("olga")
    ticket = ClassifiedTicketFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.operator_notify(kind=Kind.ASSIGNED, ticket=ticket, recipients=[olga], event_key="a1")
    delivery = OperatorDelivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1 and "Connection refused" in delivery.last_error
    assert OperatorNotification.objects.filter(recipient=olga).count() == 1  # the desk has it anyway
    assert operator_deliveries_sweep_task() == "queued: 0"  # not due yet
    DownBackend.down = False
    later = timezone.now() + timedelta(minutes=2)
    assert services.operator_deliveries_sweep(now=later) == 1
    assert services.operator_delivery_send(delivery.pk, now=later) == "sent"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["olga@example.org"]
    assert services.operator_delivery_send(delivery.pk, now=later) == "skipped"  # sent once


def test_unknown_sink_fails_for_good_after_the_attempts(settings):
    settings.SUPPORTDESK_NOTIFY_MAX_ATTEMPTS = 1
    olga = operator("olga")
    notification = OperatorNotification.objects.create(recipient=olga, kind=Kind.MENTION, ticket=ClassifiedTicketFactory(), event_key="x")
    delivery = OperatorDelivery.objects.create(notification=notification, sink="gone", address="a", event_key="x", next_attempt_at=timezone.now())
    assert services.operator_delivery_send(delivery.pk) == "failed"
    assert services.operator_delivery_retry(OperatorDelivery.objects.get(pk=delivery.pk)) is True


def test_student_reply_notifies_the_assignee_only(django_capture_on_commit_callbacks):
    olga = operator("olga", queues=["payment"])
    operator("ivan", queues=["payment"])
    ticket = ClassifiedTicketFactory(student__email="s@example.org")
    services.ticket_student_reply(ticket=ticket, body="unassigned: nobody is told")
    assert not OperatorNotification.objects.exists()
    services.ticket_assign(ticket=ticket, assignee=olga, actor=olga)
    message = services.ticket_student_reply(ticket=ticket, body="Есть новости?")
    notification = OperatorNotification.objects.get()
    assert (notification.recipient, notification.kind, notification.message) == (olga, "student_reply", message)


def test_mark_read_and_counters():
    olga = operator("olga", queues=["payment"])
    one, two = ClassifiedTicketFactory(assignee=olga), ClassifiedTicketFactory()
    for index, ticket in enumerate([one, two, two]):
        OperatorNotification.objects.create(recipient=olga, kind=Kind.MENTION, ticket=ticket, event_key=f"k{index}")
    assert selectors.desk_counters(olga) == {"unread": 3, "mine": 1}
    assert services.notifications_mark_read(olga, ticket_id=two.pk) == 2
    assert selectors.desk_counters(olga)["unread"] == 1
    assert services.notifications_mark_read(olga) == 1
    assert [n.is_read for n in selectors.notifications_for(olga)] == [True, True, True]


def test_lines_in_both_languages():
    from django.utils import translation

    olga = operator("olga")
    ticket = ClassifiedTicketFactory(name="Аня")
    due = timezone.now() + timedelta(minutes=25)
    notification = OperatorNotification.objects.create(
        recipient=olga, kind=Kind.SLA_WARNING, ticket=ticket, event_key="s", data={"target": "first_response", "due": due.isoformat()},
    )
    with translation.override("en"):
        assert re.fullmatch(rf"#{ticket.pk}: the first response is due in 2[45]\xa0minutes", notification_line(notification))
    with translation.override("ru"):
        assert re.fullmatch(rf"#{ticket.pk}: до срока первого ответа — 2[45]\xa0минут[ыа]?", notification_line(notification))
    notification.data["due"] = (timezone.now() - timedelta(hours=2, minutes=5)).isoformat()
    with translation.override("en"):
        assert notification_line(notification) == f"#{ticket.pk}: the first response is 2\xa0hours overdue"
