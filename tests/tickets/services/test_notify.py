"""services.notify: the outbox is the only way a message reaches a student.

A mail-server outage loses nothing and sends nothing twice: the delivery waits with its error, is retried
with exponential backoff, and goes out once when the server is back. Operators see what did not go out.
"""
from __future__ import annotations

from datetime import timedelta
from smtplib import SMTPRecipientsRefused, SMTPServerDisconnected

import django_q.tasks
import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.urls import reverse
from django.utils import timezone

from tests.factories import AdminFactory, ClassifiedTicketFactory, StudentFactory, operator
from tickets import services
from tickets.channels import DeliveryFailed, channel_register, channel_unregister
from tickets.models import Delivery, Message, Ticket
from tickets.services import notify
from tickets.tasks import deliver_task, deliveries_sweep_task

pytestmark = pytest.mark.django_db


class MailServer:
    """What the flaky backend below does: refuse connections while ``down``, refuse addresses in ``refused``."""

    down = False
    refused: set[str] = set()
    attempts = 0


class FlakyEmailBackend(LocmemBackend):
    def send_messages(self, messages):
        MailServer.attempts += 1
        if MailServer.down:
            raise SMTPServerDisconnected("Connection unexpectedly closed: [Errno 111] Connection refused")
        for message in messages:
            refused = [to for to in message.to if to in MailServer.refused]
            if refused:
                raise SMTPRecipientsRefused({to: (550, b"5.1.1 No such user") for to in refused})
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def mail_server(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyEmailBackend"
    settings.SUPPORTDESK_NOTIFY_RETRY_SECONDS = 60
    settings.SUPPORTDESK_NOTIFY_MAX_ATTEMPTS = 4
    MailServer.down, MailServer.refused, MailServer.attempts = False, set(), 0
    yield MailServer
    MailServer.down, MailServer.refused = False, set()


def create(client_capture, **kwargs) -> Ticket:
    with client_capture(execute=True):
        return services.ticket_create(name="Аня", email="Anya@Example.org", description="Не проходит оплата", **kwargs)


def test_a_new_ticket_sends_the_status_link_once_through_the_outbox(django_capture_on_commit_callbacks):
    ticket = create(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert (delivery.ticket, delivery.kind, delivery.channel, delivery.address) == (ticket, "received", "email", "anya@example.org")
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "") and delivery.sent_at is not None
    assert delivery.message.author_kind == Message.Author.STUDENT
    [sent] = mail.outbox
    assert sent.to == ["anya@example.org"] and ticket.public_token in sent.body
    assert sent.extra_headers["Message-ID"] == f"<delivery-{delivery.pk}@supportdesk.local>"
    # The task running again (a redelivery by the broker) sends nothing more.
    assert deliver_task(delivery.pk) == "skipped" and len(mail.outbox) == 1


def test_mail_server_outage_is_retried_later_nothing_lost_nothing_sent_twice(
    mail_server, django_capture_on_commit_callbacks, operator_client, operator_user
):
    mail_server.down = True
    ticket = create(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, body="Попробуйте другую карту", actor=operator_user)
    received, reply = Delivery.objects.order_by("id")
    for delivery in (received, reply):
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert "Connection refused" in delivery.last_error
        # First retry after SUPPORTDESK_NOTIFY_RETRY_SECONDS.
        assert timedelta(seconds=50) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=60)
    assert mail.outbox == []
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING  # the desk went on; only the e-mail waits

    # Operators see it on the ticket page and in the API.
    page = operator_client.get(reverse("operator:ticket", args=[ticket.pk])).content.decode()
    assert f'data-delivery="{reply.pk}"' in page and 'data-delivery-status="pending"' in page
    api = operator_client.get(reverse("api:ticket", args=[ticket.pk])).json()
    assert {d["kind"] for d in api["delivery_problems"]} == {"received", "reply"}

    # Not due yet: the sweep queues nothing.
    assert notify.deliveries_sweep() == 0
    # Due, still down: the second attempt fails and the backoff doubles.
    assert notify.deliveries_sweep(now=timezone.now() + timedelta(seconds=61)) == 2
    assert [notify.delivery_send(d.pk, now=timezone.now() + timedelta(seconds=61)) for d in (received, reply)] == ["retry", "retry"]
    reply.refresh_from_db()
    assert reply.attempts == 2 and timedelta(seconds=110) < reply.next_attempt_at - timezone.now() <= timedelta(seconds=120)

    # The server is back: the scheduled sweep sends both, once each.
    mail_server.down = False
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert deliveries_sweep_task() == "queued: 2"  # tasks run inline in tests (sync cluster)
    assert sorted(m.subject for m in mail.outbox) == sorted([f"Новый ответ на ваше обращение №{ticket.pk}", f"Ваше обращение №{ticket.pk} получено"])
    assert "Попробуйте другую карту" in next(m.body for m in mail.outbox if "Новый ответ" in m.subject)
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 3)}

    # Sweeps, redeliveries of the task, an admin's "try again": nothing is sent twice.
    assert deliveries_sweep_task() == "queued: 0"
    assert [deliver_task(d.pk) for d in (received, reply)] == ["skipped", "skipped"]
    assert services.delivery_retry(Delivery.objects.get(pk=reply.pk)) is False
    assert len(mail.outbox) == 2
    page = operator_client.get(reverse("operator:ticket", args=[ticket.pk])).content.decode()
    assert "data-delivery=" not in page


def test_after_the_last_attempt_the_delivery_fails_and_an_admin_can_retry(mail_server, django_capture_on_commit_callbacks, client):
    mail_server.down = True
    ticket = create(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    later = timezone.now()
    for _attempt in range(3):  # attempts 2..4 (SUPPORTDESK_NOTIFY_MAX_ATTEMPTS = 4)
        later += timedelta(hours=2)
        notify.delivery_send(delivery.pk, now=later)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 4) and mail.outbox == []
    assert notify.deliveries_sweep(now=later + timedelta(days=1)) == 0  # failed rows wait for a person

    admin = AdminFactory()
    client.force_login(admin)
    page = client.get(reverse("operator:ticket", args=[ticket.pk])).content.decode()
    assert 'data-delivery-status="failed"' in page and "Connection refused" in page
    listing = client.get(reverse("admin:tickets_delivery_changelist"), {"status__exact": "failed"}).content.decode()
    assert f"/admin/tickets/delivery/{delivery.pk}/" in listing

    mail_server.down = False
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:tickets_delivery_changelist"), {"action": "retry_now", "_selected_action": [delivery.pk]},
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 5) and len(mail.outbox) == 1


def test_an_address_the_server_refuses_fails_at_once(mail_server, django_capture_on_commit_callbacks):
    mail_server.refused = {"anya@example.org"}
    create(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1) and "refused the address" in delivery.last_error
    assert mail_server.attempts == 1


def test_a_lost_task_is_swept_after_a_grace_period(monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(django_q.tasks, "async_task", broker_down)
    create(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 0) and mail.outbox == []
    monkeypatch.undo()
    assert notify.deliveries_sweep() == 0  # its own task may still be on the way
    assert notify.deliveries_sweep(now=timezone.now() + notify.LOST_TASK_GRACE + timedelta(seconds=1)) == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(mail.outbox) == 1


def test_a_worker_killed_mid_send_leaves_a_lease_the_sweep_takes_over(django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(notify, "deliveries_enqueue_now", lambda ids: None)  # no task: we play the worker
    create(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    claimed = notify._delivery_claim(delivery.pk, timezone.now())  # the worker claims it ... and dies
    assert claimed.status == "sending" and claimed.attempts == 1
    assert notify.delivery_send(delivery.pk) == "skipped"  # the lease still holds: no second sender
    monkeypatch.undo()
    lease_over = claimed.next_attempt_at + timedelta(seconds=1)
    assert notify.deliveries_sweep(now=lease_over) == 1
    assert notify.delivery_send(delivery.pk, now=lease_over) == "sent"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2) and len(mail.outbox) == 1


def test_internal_content_can_never_be_sent():
    ticket = ClassifiedTicketFactory()
    system = Message.objects.create(ticket=ticket, author_kind=Message.Author.SYSTEM, body="internal: card BIN 4242")
    student = Message.objects.create(ticket=ticket, author_kind=Message.Author.STUDENT, body="hi")
    with pytest.raises(services.InternalContentError):
        services.student_notify(ticket=ticket, message=system, kind=Delivery.Kind.REPLY)
    # A message is sent only as the kind its author allows (a student's words are not an "automatic answer").
    with pytest.raises(services.InternalContentError):
        services.student_notify(ticket=ticket, message=student, kind=Delivery.Kind.AUTO_ANSWER)
    other = ClassifiedTicketFactory()
    with pytest.raises(services.InternalContentError):
        services.student_notify(ticket=other, message=student, kind=Delivery.Kind.RECEIVED)
    with pytest.raises(ValueError):
        services.student_notify(ticket=ticket, message=student, kind="note")
    assert Delivery.objects.count() == 0 and not system.is_visible_to_student


def test_notifying_twice_queues_once(django_capture_on_commit_callbacks):
    ticket = ClassifiedTicketFactory()
    message = Message.objects.create(ticket=ticket, author_kind=Message.Author.OPERATOR, body="ответ")
    with django_capture_on_commit_callbacks(execute=True):
        first = services.student_notify(ticket=ticket, message=message, kind=Delivery.Kind.REPLY)
        again = services.student_notify(ticket=ticket, message=message, kind=Delivery.Kind.REPLY)
    assert len(first) == 1 and again == [] and Delivery.objects.count() == 1 and len(mail.outbox) == 1


def test_a_student_no_channel_reaches_gets_a_ticket_and_no_delivery(django_capture_on_commit_callbacks):
    student = StudentFactory(email="", name="Telegram user")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(name="Telegram user", student=student, description="оплата", source=Ticket.Source.TELEGRAM)
    assert ticket.student == student and ticket.email == ""
    assert Delivery.objects.count() == 0 and mail.outbox == []


class RecordingChannel:
    """A second channel, as Telegram will register one (issue 11): it reaches students with a chat id."""

    name = "recording"

    def __init__(self, fail: bool = False):
        self.sent, self.fail = [], fail

    def address_for(self, ticket):
        return f"chat-{ticket.student_id}"

    def send(self, delivery):
        if self.fail:
            raise DeliveryFailed("chat API unreachable")
        self.sent.append((delivery.kind, delivery.payload["body"]))


@pytest.fixture
def second_channel():
    channel = RecordingChannel()
    channel_register(channel)
    yield channel
    channel_unregister(channel.name)


def test_every_channel_that_reaches_the_student_gets_its_own_delivery(second_channel, django_capture_on_commit_callbacks):
    ticket = ClassifiedTicketFactory(status=Ticket.Status.OPEN)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, body="Готово", actor=operator("nina"))
    assert set(Delivery.objects.values_list("channel", "status")) == {("email", "sent"), ("recording", "sent")}
    assert second_channel.sent == [("reply", "Готово")] and len(mail.outbox) == 1


def test_one_channel_failing_does_not_hold_back_the_other(second_channel, django_capture_on_commit_callbacks):
    second_channel.fail = True
    ticket = ClassifiedTicketFactory(status=Ticket.Status.OPEN)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, body="Готово", actor=operator("nina"))
    assert dict(Delivery.objects.values_list("channel", "status")) == {"email": "sent", "recording": "pending"}
    assert len(mail.outbox) == 1


def test_a_channel_missing_in_this_process_is_retried_not_lost(django_capture_on_commit_callbacks):
    channel = RecordingChannel()
    channel_register(channel)
    try:
        ticket = ClassifiedTicketFactory(status=Ticket.Status.OPEN)
        message = Message.objects.create(ticket=ticket, author_kind=Message.Author.OPERATOR, body="ответ")
        services.student_notify(ticket=ticket, message=message, kind=Delivery.Kind.REPLY)
    finally:
        channel_unregister(channel.name)
    delivery = Delivery.objects.get(channel="recording")
    assert notify.delivery_send(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert "no channel 'recording' is registered" in delivery.last_error


def test_backoff_doubles_up_to_an_hour(settings):
    settings.SUPPORTDESK_NOTIFY_RETRY_SECONDS = 60
    assert [notify.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 7, 12)] == [60, 120, 240, 480, 3600, 3600]


def test_the_sweep_is_scheduled_every_minute():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="deliver-notifications")
    assert schedule.func == "tickets.tasks.deliveries_sweep_task"
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 1, -1)
