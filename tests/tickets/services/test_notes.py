"""services.notes: internal notes and @mentions. A note never reaches the student: not on the status page, not in
the public API, not in any e-mail, not through any channel a later app registers (Telegram)."""
from __future__ import annotations

import json

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import AdminFactory, operator
from tickets import services
from tickets.channels import channel_register, channel_unregister
from tickets.models import Delivery, Message, OperatorNotification, Ticket
from tickets.services.notes import mentioned_names
from tickets.services.notify import InternalContentError

pytestmark = pytest.mark.django_db

NOTE = "VIP: refund approved by @lead, do not promise more (internal-only-words)"
SECRET = "internal-only-words"


class RecordingChannel:
    """A second channel, as the Telegram app will register: records everything it is asked to send."""

    name = "recorder"
    sent: list[dict] = []

    def address_for(self, ticket):
        return f"chat-{ticket.pk}"

    def send(self, delivery):
        self.sent.append({"kind": delivery.kind, "payload": delivery.payload, "message": Message.objects.get(pk=delivery.message_id).body})


@pytest.fixture
def recorder():
    RecordingChannel.sent = []
    channel_register(RecordingChannel())
    yield RecordingChannel
    channel_unregister(RecordingChannel.name)


@pytest.fixture
def ticket(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.ticket_create(name="Аня", email="anya@example.org", description="Не проходит оплата картой")


def test_mentions_are_parsed_like_usernames():
    # As written (trailing punctuation is tried off later), once each; an e-mail address is no mention.
    assert mentioned_names("hi @olga and @ivan.petrov. not me@example.org, @olga again") == ["olga", "ivan.petrov."]
    assert mentioned_names("no mentions here") == []


def test_a_note_notifies_the_colleagues_it_mentions(ticket):
    olga = operator("olga", queues=["payment"])
    lead = operator("lead", queues=["payment"])
    operator("course-op", queues=["course"])
    result = services.ticket_note(ticket=ticket, body="@lead please look. @course-op FYI, @ghost, @olga.", actor=olga)
    assert result.note.author_kind == Message.Author.NOTE and not result.note.is_visible_to_student
    assert result.notified == [lead]  # olga wrote it: not told of her own mention
    assert result.not_notified == ["course-op", "ghost"]  # may not see the ticket / no such operator
    notification = OperatorNotification.objects.get()
    assert (notification.recipient, notification.kind, notification.message, notification.actor) == (lead, "mention", result.note, olga)


def test_an_empty_note_is_refused(ticket):
    with pytest.raises(ValidationError):
        services.ticket_note(ticket=ticket, body="   ", actor=AdminFactory())
    assert not ticket.messages.filter(author_kind="note").exists()


@pytest.mark.parametrize("kind", Delivery.Kind.values)
def test_the_notify_seam_refuses_a_note_for_every_kind(ticket, kind):
    note = services.ticket_note(ticket=ticket, body=NOTE, actor=AdminFactory()).note
    with pytest.raises(InternalContentError):
        services.student_notify(ticket=ticket, message=note, kind=kind)
    assert not Delivery.objects.filter(message=note).exists()


def test_a_note_reaches_the_student_through_no_channel(recorder, ticket, client, django_capture_on_commit_callbacks):
    """The whole life of a ticket with notes in it: every e-mail, every channel message, every student page."""
    olga = operator("olga", queues=["payment"])
    operator("lead", queues=["payment"])
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_note(ticket=ticket, body=NOTE, actor=olga)
        services.ticket_reply(ticket=ticket, body="Мы проверили платёж, всё в порядке.", actor=olga)
        services.ticket_note(ticket=ticket, body=f"second note {SECRET}", actor=olga)
        services.ticket_student_reply(ticket=ticket, body="Спасибо!")
        services.ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=olga)  # asks for a rating
    ticket.refresh_from_db()

    kinds = sorted({sent["kind"] for sent in recorder.sent})
    assert kinds == ["rating_request", "received", "reply"]
    for sent in recorder.sent:
        assert SECRET not in json.dumps(sent, ensure_ascii=False)
    student_mails = [m for m in mail.outbox if "anya@example.org" in m.to]
    assert len(student_mails) == 3
    for message in student_mails:
        assert SECRET not in message.subject + message.body

    token = ticket.public_token
    for url in (
        reverse("student:ticket_status", kwargs={"token": token}),
        reverse("student:ticket_status_json", kwargs={"token": token}),
        reverse("api:public-ticket", kwargs={"token": token}),
    ):
        response = client.get(url)
        assert response.status_code == 200 and SECRET not in response.content.decode(), url
    api = client.get(reverse("api:public-ticket", kwargs={"token": token})).json()
    assert {m["author"] for m in api["messages"]} == {"student", "operator"}
    answer = client.post(reverse("api:public-ticket", kwargs={"token": token}), {"body": "ещё вопрос"})
    assert answer.status_code == 201 and SECRET not in answer.content.decode()


def test_operators_see_notes_on_the_ticket_page_and_in_the_api(ticket, client):
    olga = operator("olga", queues=["payment"])
    services.ticket_note(ticket=ticket, body=NOTE, actor=olga)
    client.force_login(olga)
    page = client.get(reverse("operator:ticket", kwargs={"ticket_id": ticket.pk})).content.decode()
    assert SECRET in page and 'class="msg note"' in page
    detail = client.get(reverse("api:ticket", kwargs={"ticket_id": ticket.pk})).json()
    assert [n["body"] for n in detail["notes"]] == [NOTE] and detail["notes"][0]["author_username"] == "olga"
    assert all(m["author"] != "note" for m in detail["messages"])  # the conversation stays the student's
