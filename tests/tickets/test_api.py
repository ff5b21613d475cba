import pytest
from rest_framework.authtoken.models import Token

from tests.factories import ClassifiedTicketFactory, PredictionFactory, TicketFactory, queue, upload
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def op_api(api_client, operator_user):
    token = Token.objects.create(user=operator_user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api_client


def test_submit_ticket_multipart_without_login(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/tickets/",
            {"name": "Ann", "email": "ann@example.org", "description": "password reset fails", "screenshots": [upload("a.png"), upload("b.png")]},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert body["token"] == ticket.public_token
    assert body["status_url"].endswith(f"/support/t/{ticket.public_token}/")
    assert ticket.source == "api" and ticket.attachments.count() == 2
    assert ticket.queue.slug == "profile"


def test_submit_invalid_returns_field_errors(api_client):
    response = api_client.post(
        "/api/tickets/", {"name": "", "email": "nope", "screenshots": [upload("x.png", b"not an image")]}, format="multipart"
    )
    assert response.status_code == 400
    errors = response.json()
    assert {"name", "email", "screenshots"} <= set(errors)
    assert "x.png" in errors["screenshots"][0]
    assert Ticket.objects.count() == 0


def test_submit_too_many_screenshots(api_client):
    response = api_client.post(
        "/api/tickets/", {"name": "a", "email": "a@example.org", "screenshots": [upload(f"{i}.png") for i in range(6)]}, format="multipart"
    )
    assert response.status_code == 400 and "screenshots" in response.json()


def test_submit_text_only_is_fine(api_client):
    response = api_client.post("/api/tickets/", {"name": "a", "email": "a@example.org", "description": "урок не открывается"}, format="multipart")
    assert response.status_code == 201


def test_public_ticket_by_token(api_client):
    ticket = ClassifiedTicketFactory()
    ticket.messages.create(author_kind="student", body="help")
    data = api_client.get(f"/api/public/tickets/{ticket.public_token}/").json()
    assert data["status"] == "new" and data["queue"] == "payment"
    assert data["messages"][0]["body"] == "help" and "email" not in data
    assert api_client.get("/api/public/tickets/wrong-token/").status_code == 404


def test_public_reply_reopens(api_client):
    ticket = ClassifiedTicketFactory(status="resolved")
    response = api_client.post(f"/api/public/tickets/{ticket.public_token}/", {"body": "still broken"}, format="multipart")
    assert response.status_code == 201 and response.json()["status"] == "open"


def test_operator_endpoints_need_token(api_client):
    ticket = ClassifiedTicketFactory()
    assert api_client.get(f"/api/tickets/{ticket.pk}/").status_code == 401
    assert api_client.get("/api/tickets/").status_code == 401
    assert api_client.post(f"/api/tickets/{ticket.pk}/override/", {"label": "course-problem"}).status_code == 401


def test_ticket_detail(op_api):
    ticket = ClassifiedTicketFactory()
    PredictionFactory(ticket=ticket, label="payment-problem", confidence=0.9)
    data = op_api.get(f"/api/tickets/{ticket.pk}/").json()
    assert {k: data[k] for k in ("id", "status", "queue", "label", "confidence", "classification_state")} == {
        "id": ticket.pk, "status": "new", "queue": "payment", "label": "payment-problem", "confidence": 0.9, "classification_state": "done",
    }
    assert data["prediction"]["label"] == "payment-problem"


def test_pending_ticket_detail(op_api):
    assert op_api.get(f"/api/tickets/{TicketFactory().pk}/").json()["classification_state"] == "pending"


def test_list_by_queue(op_api):
    ClassifiedTicketFactory.create_batch(2)
    ClassifiedTicketFactory(queue=queue("course"))
    data = op_api.get("/api/tickets/", {"queue": "payment"}).json()
    assert data["count"] == 2 and {row["queue"] for row in data["results"]} == {"payment"}


def test_override_moves_ticket(op_api, operator_user):
    ticket = ClassifiedTicketFactory()
    response = op_api.post(f"/api/tickets/{ticket.pk}/override/", {"label": "course-problem", "reason": "lesson"}, format="json")
    assert response.status_code == 200
    assert response.json()["queue"] == "course" and response.json()["label"] == "course-problem"
    assert ticket.events.get(kind="override").actor == operator_user


def test_override_unknown_label_is_400(op_api):
    ticket = ClassifiedTicketFactory()
    response = op_api.post(f"/api/tickets/{ticket.pk}/override/", {"label": "nope"}, format="json")
    assert response.status_code == 400 and "label" in response.json()


def test_reply_status_take(op_api, operator_user):
    ticket = ClassifiedTicketFactory()
    assert op_api.post(f"/api/tickets/{ticket.pk}/take/").json()["assignee"] == operator_user.username
    assert op_api.post(f"/api/tickets/{ticket.pk}/reply/", {"body": "ok"}, format="json").json()["status"] == "waiting"
    assert op_api.post(f"/api/tickets/{ticket.pk}/status/", {"status": "closed"}, format="json").json()["status"] == "closed"


def test_queue_counts(op_api):
    ClassifiedTicketFactory()
    data = {row["slug"]: row["open_count"] for row in op_api.get("/api/queues/").json()}
    assert data["payment"] == 1


def test_schema_documents_the_contract(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    for path in ["/api/tickets/", "/api/tickets/{ticket_id}/", "/api/tickets/{ticket_id}/override/", "/api/public/tickets/{token}/"]:
        assert path in schema["paths"], path
    assert "multipart/form-data" in schema["paths"]["/api/tickets/"]["post"]["requestBody"]["content"]


def test_students_public_api_names_the_team_not_the_internal_queue(api_client, settings):
    """Issue 8: students saw the internal queue name "Разбор" (the status page and its API for the bot)."""
    ticket = TicketFactory()  # waits in triage
    url = f"/api/public/tickets/{ticket.public_token}/"
    assert api_client.get(url).json()["queue_name"] == "Служба поддержки"
    api_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert api_client.get(url).json()["queue_name"] == "Support team"
