"""The routing rule: confident label → its queue; unsure, failed, unknown or inactive → triage."""
import pytest

from tests.factories import TicketFactory, queue
from tickets import services
from tickets.models import Intent, Prediction, Ticket

pytestmark = pytest.mark.django_db


def route(label, error=""):
    ticket = TicketFactory()
    row = Prediction.objects.create(ticket=ticket, label=label or "", confidence=0.9, error=error)
    return services.ticket_route(ticket=ticket, prediction=row)


@pytest.mark.parametrize(
    "label,queue",
    [("payment-problem", "payment"), ("course-problem", "course"), ("profile-problem", "profile"), ("other", "triage"), ("", "triage"), ("unknown", "triage")],
)
def test_label_goes_to_its_intents_queue(label, queue):
    ticket = route(label)
    assert ticket.queue.slug == queue
    assert ticket.classification_state == Ticket.ClassificationState.DONE


def test_failed_prediction_goes_to_triage_and_is_marked_failed():
    ticket = route("payment-problem", error="boom")
    assert ticket.queue.slug == "triage" and ticket.classification_state == Ticket.ClassificationState.FAILED
    assert ticket.label == ""


def test_inactive_intent_is_not_routed():
    Intent.objects.filter(name="payment-problem").update(is_active=False)
    assert route("payment-problem").queue.slug == "triage"


def test_new_intent_from_admin_routes_without_code():
    Intent.objects.create(name="certificate-problem", queue=queue("course"), descriptions=["certificate"])
    assert route("certificate-problem").queue.slug == "course"


def test_late_prediction_does_not_undo_an_operator_override():
    ticket = TicketFactory(label="profile-problem", label_overridden=True, queue=queue("profile"))
    row = Prediction.objects.create(ticket=ticket, label="payment-problem", confidence=0.95)
    services.ticket_route(ticket=ticket, prediction=row)
    ticket.refresh_from_db()
    assert (ticket.queue.slug, ticket.label) == ("profile", "profile-problem")
