"""services.operator: what operators do to a ticket; every action leaves an audit row."""
import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from tests.factories import ClassifiedTicketFactory, FaqEntryFactory, IntentFactory, PredictionFactory, UserFactory, operator, queue
from tickets import services
from tickets.models import Delivery, Intent, LabelExample, Message, OperatorNotification, OperatorProfile, Ticket, TicketEvent

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


def _unsure_in_triage(**fields) -> Ticket:
    ticket = ClassifiedTicketFactory(label="", confidence=None, queue=queue("triage"), status=Ticket.Status.OPEN, **fields)
    PredictionFactory(ticket=ticket, label="", confidence=0.31, model_version="m1", scores={"other": 0.31})
    return ticket


def test_close_out_of_scope_labels_other_closes_and_audits_both(run):
    ticket, ivan = _unsure_in_triage(description="Ищу работу, возьмёте?"), operator("ivan")
    mail.outbox.clear()

    assert run(services.ticket_close_out_of_scope, ticket=ticket, actor=ivan) is True

    ticket.refresh_from_db()
    assert (ticket.label, ticket.label_overridden, ticket.status, ticket.queue.slug) == ("other", True, "closed", "triage")
    events = list(ticket.events.filter(kind__in=["status", "override"]).values_list("kind", "actor__username", "old_value", "new_value"))
    assert events == [("status", "ivan", "open", "closed"), ("override", "ivan", "unsure", "other")]
    assert LabelExample.objects.get(ticket=ticket).intent.name == "other"  # remembered, as any correction
    # The student hears of it as of any close by a person (services.operator.status_notice): one notice.
    [notice] = Delivery.objects.filter(ticket=ticket, kind=Delivery.Kind.STATUS_CHANGED)
    assert notice.event.new_value == "closed" and len(mail.outbox) == 1


def test_close_out_of_scope_twice_writes_nothing_the_second_time(run):
    ticket, ivan = _unsure_in_triage(), operator("ivan")
    assert run(services.ticket_close_out_of_scope, ticket=ticket, actor=ivan) is True
    events, deliveries = ticket.events.count(), Delivery.objects.filter(ticket=ticket).count()

    assert run(services.ticket_close_out_of_scope, ticket=ticket, actor=operator("petr")) is False

    assert (ticket.events.count(), Delivery.objects.filter(ticket=ticket).count()) == (events, deliveries)


def test_close_out_of_scope_of_a_wrongly_routed_ticket_moves_it_to_triage_without_offering_it_there(run):
    ticket = ClassifiedTicketFactory(status=Ticket.Status.OPEN)  # routed to payment; unassigned
    PredictionFactory(ticket=ticket, label="payment-problem", confidence=0.7)
    operator("tanya", queues=["triage"])
    OperatorProfile.objects.filter(user__username="tanya").update(available=True)

    run(services.ticket_close_out_of_scope, ticket=ticket, actor=operator("ivan"))

    ticket.refresh_from_db()
    assert (ticket.queue.slug, ticket.label, ticket.status, ticket.assignee) == ("triage", "other", "closed", None)
    assert ticket.events.get(kind="override").old_value == "payment-problem"
    assert not OperatorNotification.objects.filter(ticket=ticket).exists()  # closed before it moved: nobody's news


def test_close_out_of_scope_of_a_ticket_labelled_other_only_closes_it(run):
    ticket, ivan = _unsure_in_triage(), operator("ivan")
    services.label_override(ticket=ticket, label="other", actor=ivan)
    assert run(services.ticket_close_out_of_scope, ticket=ticket, actor=ivan) is True
    assert ticket.events.filter(kind="override").count() == 1
    assert ticket.events.get(kind="status").new_value == "closed"


def test_close_out_of_scope_of_a_ticket_labelled_with_a_switched_off_out_of_scope_intent_only_closes_it(run):
    ticket, ivan = _unsure_in_triage(), operator("ivan")
    IntentFactory(name="spam", in_scope=False, queue=queue("triage"))
    services.label_override(ticket=ticket, label="spam", actor=ivan)
    Intent.objects.filter(name="spam").update(is_active=False)  # still out of scope: its tickets stay labelled so

    assert run(services.ticket_close_out_of_scope, ticket=ticket, actor=ivan) is True

    ticket.refresh_from_db()
    assert (ticket.label, ticket.status, ticket.events.filter(kind="override").count()) == ("spam", "closed", 1)


def test_close_out_of_scope_uses_another_out_of_scope_intent_when_other_is_off_and_refuses_without_one():
    ticket, ivan = _unsure_in_triage(), operator("ivan")
    Intent.objects.filter(name="other").update(is_active=False)
    with pytest.raises(ValidationError):
        services.ticket_close_out_of_scope(ticket=ticket, actor=ivan)
    assert not ticket.events.filter(kind__in=["status", "override"]).exists()
    IntentFactory(name="spam", in_scope=False, queue=queue("triage"))
    services.ticket_close_out_of_scope(ticket=ticket, actor=ivan)
    ticket.refresh_from_db()
    assert (ticket.label, ticket.status) == ("spam", "closed")
