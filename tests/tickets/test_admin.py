import pytest

from tests.factories import AdminFactory, ClassifiedTicketFactory, PredictionFactory
from tickets.models import Intent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(AdminFactory())
    return client


@pytest.mark.parametrize("model", ["queue", "intent", "ticket", "prediction", "ticketevent", "override", "operatorprofile"])
def test_changelists_render(admin_client_, model):
    ClassifiedTicketFactory()
    PredictionFactory()
    assert admin_client_.get(f"/admin/tickets/{model}/").status_code == 200


def test_ticket_change_page_renders_with_inlines(admin_client_):
    ticket = ClassifiedTicketFactory()
    PredictionFactory(ticket=ticket)
    response = admin_client_.get(f"/admin/tickets/ticket/{ticket.pk}/change/")
    assert response.status_code == 200 and "payment-problem" in response.content.decode()


def test_admin_adds_intent_without_code(admin_client_):
    from tickets.models import Queue

    response = admin_client_.post(
        "/admin/tickets/intent/add/",
        {
            "name": "certificate-problem", "title": "Сертификат", "queue": Queue.objects.get(slug="course").pk,
            "descriptions": '["certificate not issued"]', "prompts": '["a course certificate"]',
            "examples": "[]", "keywords": '["сертификат"]', "in_scope": "on", "is_active": "on",
        },
    )
    assert response.status_code == 302
    from tickets.classification import build_label_set

    assert "certificate-problem" in build_label_set().names
    assert Intent.objects.get(name="certificate-problem").descriptions == ["certificate not issued"]


def test_override_admin_lists_only_corrections(admin_client_):
    from tickets import services

    ticket = ClassifiedTicketFactory()
    services.ticket_set_status(ticket=ticket, status="open", actor=None)
    services.label_override(ticket=ticket, label="course-problem", actor=None, reason="про урок")
    body = admin_client_.get("/admin/tickets/override/").content.decode()
    assert "про урок" in body and body.count('class="field-new_value"') == 1


def test_reclassify_action_runs_the_classifier_again(admin_client_, django_capture_on_commit_callbacks):
    from tests.factories import TicketFactory
    from tickets.models import Ticket

    ticket = TicketFactory(description="оплата", classification_state="done")  # done, yet still in triage
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post("/admin/tickets/ticket/", {"action": "reclassify", "_selected_action": [ticket.pk]})
    assert response.status_code == 302
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.classification_state == "done" and ticket.queue.slug == "payment"
    assert ticket.predictions.count() == 1
