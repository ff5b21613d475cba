import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from tests.factories import ClassifiedTicketFactory, PredictionFactory, UserFactory, operator, png_bytes, upload
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


def test_label_override_moves_ticket_and_audits(django_capture_on_commit_callbacks):
    ticket = ClassifiedTicketFactory()
    PredictionFactory(ticket=ticket, label="payment-problem", confidence=0.8, model_version="m1")
    user = operator("ivan")

    services.label_override(ticket=ticket, label="course-problem", reason="it is about a lesson", actor=user)

    ticket.refresh_from_db()
    assert (ticket.label, ticket.queue.slug, ticket.label_overridden) == ("course-problem", "course", True)
    event = ticket.events.get(kind=TicketEvent.Kind.OVERRIDE)
    assert (event.actor, event.old_value, event.new_value, event.confidence, event.model_version, event.reason) == (
        user, "payment-problem", "course-problem", 0.8, "m1", "it is about a lesson",
    )
    assert ticket.events.filter(kind=TicketEvent.Kind.ROUTED, old_value="payment", new_value="course").exists()


def test_label_override_rejects_unknown_label():
    with pytest.raises(ValidationError):
        services.label_override(ticket=ClassifiedTicketFactory(), label="nonsense", actor=UserFactory())


def test_set_status_and_assign_write_audit_rows():
    ticket = ClassifiedTicketFactory()
    user = operator("petr")
    services.ticket_assign(ticket=ticket, assignee=user, actor=user)
    services.ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=user)
    ticket.refresh_from_db()
    assert ticket.assignee == user and ticket.status == Ticket.Status.RESOLVED
    kinds = list(ticket.events.values_list("kind", "old_value", "new_value"))
    assert ("assign", "", "petr") in kinds
    assert ("status", "new", "open") in kinds  # taking a new ticket opens it
    assert ("status", "open", "resolved") in kinds


def test_set_status_rejects_unknown_status():
    with pytest.raises(ValidationError):
        services.ticket_set_status(ticket=ClassifiedTicketFactory(), status="lost", actor=None)


def test_operator_reply_emails_student_and_waits(django_capture_on_commit_callbacks):
    ticket = ClassifiedTicketFactory(status=Ticket.Status.OPEN, email="s@example.org")
    user = operator("vera")
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, body="Попробуйте другую карту", actor=user)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING
    assert ticket.messages.get().author == user
    assert mail.outbox[0].to == ["s@example.org"] and "Попробуйте другую карту" in mail.outbox[0].body
    assert ticket.public_token in mail.outbox[0].body


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


def test_account_create_operator_with_queues_and_admin():
    op = services.account_create(username="op", password="pw-12345!", role="operator", queue_slugs=["payment", "course"])
    assert not op.is_staff and sorted(op.operator_profile.queues.values_list("slug", flat=True)) == ["course", "payment"]
    assert not op.operator_profile.all_queues and op.check_password("pw-12345!")
    admin = services.account_create(username="ad", password="pw-12345!", role="admin")
    assert admin.is_staff and admin.is_superuser
    with pytest.raises(ValidationError):
        services.account_create(username="x", password="pw", role="operator", queue_slugs=["nope"])


def test_desk_seed_is_idempotent():
    assert services.desk_seed() == (0, 0, 0)  # the data migrations already created everything
    from tickets.models import Intent, Queue

    assert set(Queue.objects.values_list("slug", flat=True)) == {"payment", "course", "profile", "triage"}
    assert Intent.objects.get(name="payment-problem").queue.slug == "payment"
    assert Intent.objects.get(name="other").in_scope is False
