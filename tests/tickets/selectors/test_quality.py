"""The model-quality page's numbers (selectors.quality): corrections as operators really made them."""
import pytest

from tests.factories import AdminFactory, TicketFactory
from tickets import selectors, services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_model_quality_counts_corrections():
    user = AdminFactory()
    for description in ["оплата", "оплата", "урок", "привет"]:
        ticket = TicketFactory(description=description)
        services.ticket_classify(ticket_id=ticket.pk)
    wrong = Ticket.objects.filter(label="payment-problem").first()
    services.label_override(ticket=wrong, label="profile-problem", actor=user, reason="login issue")
    unsure = Ticket.objects.get(description="привет")
    services.label_override(ticket=unsure, label="course-problem", actor=user)

    quality = selectors.model_quality()
    assert quality["total"] == 4
    assert quality["auto_routed"] == 3 and quality["auto_routed_share"] == 0.75
    assert quality["corrected"] == 2 and quality["corrected_share"] == 0.5
    assert {(r["predicted"], r["corrected"], r["count"]) for r in quality["confusion"]} == {
        ("payment-problem", "profile-problem", 1), ("unsure", "course-problem", 1),
    }
    assert sum(row["classified"] for row in quality["timeline"]) == 4


def test_model_quality_counts_a_ticket_once_and_no_op_overrides_never():
    """Issue 8: an override and its undo counted as two corrections (one of them course → course)."""
    user = AdminFactory()
    undone, redone, kept, same = (TicketFactory(description=text) for text in ["урок", "урок", "оплата", "урок"])
    for ticket in (undone, redone, kept, same):
        services.ticket_classify(ticket_id=ticket.pk)
        ticket.refresh_from_db()
    services.label_override(ticket=undone, label="payment-problem", actor=user)  # a stray click…
    services.label_override(ticket=undone, label="course-problem", actor=user)  # …undone: back to the prediction
    services.label_override(ticket=redone, label="payment-problem", actor=user)
    services.label_override(ticket=redone, label="profile-problem", actor=user)  # changed their mind: one correction
    services.label_override(ticket=kept, label="course-problem", actor=user)
    services.label_override(ticket=same, label="course-problem", actor=user)  # the label it had: a no-op

    quality = selectors.model_quality()
    assert quality["corrected"] == 2
    assert {(r["predicted"], r["corrected"], r["count"]) for r in quality["confusion"]} == {
        ("course-problem", "profile-problem", 1), ("payment-problem", "course-problem", 1),
    }
    assert sum(row["corrected"] for row in quality["timeline"]) == 2


def test_quality_page_names_labels_and_says_not_sure(client):
    user = AdminFactory()
    ticket = TicketFactory(description="привет")
    services.ticket_classify(ticket_id=ticket.pk)
    services.label_override(ticket=ticket, label="course-problem", actor=user)
    client.force_login(user)
    body = client.get("/desk/quality/").content.decode()
    confusion = body.split('id="confusion"', 1)[1].split("</table>", 1)[0]
    assert "Не уверен" in confusion and "Проблема с обучением" in confusion
    assert "unsure" not in confusion and "course-problem" not in confusion
