"""services.operator: what operators do to a ticket; every action leaves an audit row."""
import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from tests.factories import ClassifiedTicketFactory, FaqEntryFactory, PredictionFactory, UserFactory, operator
from tickets import services
from tickets.models import Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


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


def test_a_reply_inserted_from_an_faq_entry_offers_the_students_question_as_its_phrasing():
    ticket = ClassifiedTicketFactory(status=Ticket.Status.OPEN)
    Message.objects.create(ticket=ticket, author_kind=Message.Author.STUDENT, body="Здравствуйте")
    Message.objects.create(ticket=ticket, author_kind=Message.Author.STUDENT, body="рассрочку не одобрили,\nможно частями?")
    entry = FaqEntryFactory(external_id="installments")
    services.ticket_reply(ticket=ticket, body=entry.answer, actor=operator("vera"), faq_entry=entry.pk)
    offer = entry.phrasing_offers.get()
    assert (offer.text, offer.ticket_id, offer.status) == ("рассрочку не одобрили, можно частями?", ticket.pk, "offered")
    services.ticket_reply(ticket=ticket, body="Без записи FAQ", actor=operator("petr"))
    assert entry.phrasing_offers.count() == 1


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
