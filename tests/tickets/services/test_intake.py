"""services.intake: what students send (tickets, replies, screenshots)."""
import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from tests.factories import ClassifiedTicketFactory, png_bytes, upload
from tickets import services
from tickets.models import Attachment, Message, Ticket, TicketEvent
from tickets.uploads import clean_screenshots

pytestmark = pytest.mark.django_db


def test_ticket_create_saves_ticket_message_files_and_classifies_after_commit(django_capture_on_commit_callbacks):
    screenshots = clean_screenshots([upload("оплата.png")])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ticket = services.ticket_create(name="Аня", email="anya@example.org", description="Не проходит оплата", screenshots=screenshots)

    assert len(callbacks) == 3  # the classification task, the FAQ answer task and the e-mail with the link
    ticket.refresh_from_db()
    assert ticket.classification_state == Ticket.ClassificationState.DONE
    assert ticket.label == "payment-problem"
    assert ticket.queue.slug == "payment"
    assert ticket.messages.get().author_kind == Message.Author.STUDENT
    attachment = ticket.attachments.get()
    assert attachment.original_name == "оплата.png"
    assert "оплата" not in attachment.file.name  # stored under a random name
    assert attachment.file.name.endswith(".png") and len(attachment.sha256) == 64
    assert len(mail.outbox) == 1 and ticket.public_token in mail.outbox[0].body


def test_ticket_create_is_atomic_when_a_later_step_fails(monkeypatch, media_root):
    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    # The screenshots are written, then the audit row fails: nothing may remain, not even files.
    monkeypatch.setattr(TicketEvent.objects, "create", explode)
    with pytest.raises(RuntimeError):
        services.ticket_create(name="A", email="a@example.org", description="x", screenshots=clean_screenshots([upload(), upload()]))
    assert Ticket.objects.count() == 0 and Message.objects.count() == 0 and Attachment.objects.count() == 0
    assert not [p for p in media_root.rglob("*") if p.is_file()]


def test_ticket_create_rejects_empty_ticket():
    with pytest.raises(ValidationError):
        services.ticket_create(name="A", email="a@example.org", description="  ", screenshots=[])


def test_stored_image_is_reencoded_not_the_original_bytes():
    original = png_bytes(fmt="PNG") + b"trailing-garbage-that-must-not-be-stored"
    cleaned = clean_screenshots([upload("x.png", original)])
    ticket = services.ticket_create(name="A", email="a@example.org", description="", screenshots=cleaned)
    stored = ticket.attachments.get().file.read()
    assert stored != original and stored.startswith(b"\x89PNG") and b"trailing-garbage" not in stored


def test_student_reply_reopens_resolved_ticket():
    ticket = ClassifiedTicketFactory(status=Ticket.Status.RESOLVED)
    services.ticket_student_reply(ticket=ticket, body="Всё ещё не работает", screenshots=clean_screenshots([upload()]))
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    message = ticket.messages.get()
    assert message.attachments.count() == 1
    assert ticket.events.filter(kind="status", old_value="resolved", new_value="open", actor=None).exists()


def test_student_cannot_reply_to_closed_ticket():
    with pytest.raises(ValidationError):
        services.ticket_student_reply(ticket=ClassifiedTicketFactory(status=Ticket.Status.CLOSED), body="hello")
