import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import AdminFactory, ClassifiedTicketFactory, PredictionFactory, TicketFactory, operator
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def test_login_page_and_login(client, operator_user):
    assert client.get(reverse("operator:login")).status_code == 200
    response = client.post(reverse("operator:login"), {"username": "olga", "password": "pass12345!"})
    assert response.status_code == 302 and response["Location"] == reverse("operator:dashboard")


def test_dashboard_shows_open_counts(operator_client):
    ClassifiedTicketFactory.create_batch(3)
    body = operator_client.get(reverse("operator:dashboard")).content.decode()
    assert 'data-queue="payment"' in body and '<span class="open-count stat-big">3</span>' in body


def test_queue_page_lists_paginates_and_searches(operator_client):
    ClassifiedTicketFactory.create_batch(30)
    target = ClassifiedTicketFactory(email="needle@example.org")
    page1 = operator_client.get(reverse("operator:queue", args=["payment"]))
    assert page1.context["page"].paginator.num_pages == 2
    found = operator_client.get(reverse("operator:queue", args=["payment"]), {"q": "needle@example.org"})
    assert [t.pk for t in found.context["page"]] == [target.pk]


def test_ticket_page_shows_prediction_ocr_and_history(operator_client):
    ticket = ClassifiedTicketFactory(description="Деньги списались")
    PredictionFactory(ticket=ticket, ocr_text="Платёж отклонён", scores={"payment-problem": 0.9, "course-problem": 0.1})
    body = operator_client.get(reverse("operator:ticket", args=[ticket.pk])).content.decode()
    assert "Деньги списались" in body and "Платёж отклонён" in body and "course-problem" in body


def test_pending_ticket_page_shows_classifying_and_polls(operator_client):
    ticket = TicketFactory()
    body = operator_client.get(reverse("operator:ticket", args=[ticket.pk])).content.decode()
    assert 'id="classifying"' in body and "state.json" in body
    state = operator_client.get(reverse("operator:ticket_state_json", args=[ticket.pk])).json()
    assert state["classification_state"] == "pending"


def test_take_reply_status_and_override(operator_client, operator_user, django_capture_on_commit_callbacks):
    ticket = ClassifiedTicketFactory()
    operator_client.post(reverse("operator:ticket_take", args=[ticket.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        operator_client.post(reverse("operator:ticket_reply", args=[ticket.pk]), {"body": "Проверим"})
    operator_client.post(reverse("operator:ticket_status", args=[ticket.pk]), {"status": "resolved"})
    response = operator_client.post(reverse("operator:ticket_override", args=[ticket.pk]), {"label": "course-problem", "reason": "про урок"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == operator_user and ticket.status == "resolved"
    assert ticket.queue.slug == "course" and ticket.label == "course-problem"
    assert len(mail.outbox) == 1
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {"assign", "reply", "status", "override", "routed"} <= kinds
    assert ticket.events.get(kind=TicketEvent.Kind.OVERRIDE).actor == operator_user


def test_override_with_unknown_label_is_refused(operator_client):
    ticket = ClassifiedTicketFactory()
    operator_client.post(reverse("operator:ticket_override", args=[ticket.pk]), {"label": "hack"})
    ticket.refresh_from_db()
    assert ticket.label == "payment-problem"


def test_operator_gets_screenshot_with_safe_headers(operator_client):
    from tests.factories import upload
    from tickets.services import ticket_create
    from tickets.uploads import clean_screenshots

    ticket = ticket_create(name="a", email="a@example.org", description="x", screenshots=clean_screenshots([upload('evil".png')]))
    attachment = ticket.attachments.get()
    response = operator_client.get(reverse("operator:attachment", args=[attachment.pk]))
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert response["Content-Disposition"].startswith('inline; filename="evil.png"')  # the quote is stripped


def test_quality_page_for_admins(client):
    client.force_login(AdminFactory())
    response = client.get(reverse("operator:quality"))
    assert response.status_code == 200 and 'id="confusion"' in response.content.decode()
