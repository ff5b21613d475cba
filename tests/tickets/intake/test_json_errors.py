"""The API answers JSON whatever goes wrong with the request body (issue 8); the web form keeps what it can."""
import pytest
from django.test import Client

from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_body_limit(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    return 10_000


def test_api_text_over_the_upload_limit_is_json_413(api_client, small_body_limit):
    response = api_client.post(
        "/api/tickets/", {"name": "Ann", "email": "ann@example.org", "description": "х" * 20_000}, format="multipart"
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
    assert Ticket.objects.count() == 0


def test_api_urlencoded_body_over_the_limit_is_json_413(small_body_limit):
    response = Client().post(
        "/api/tickets/", "name=Ann&email=ann%40example.org&description=" + "x" * 20_000,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")


def test_api_json_body_over_the_limit_is_json_413(api_client, small_body_limit):
    response = api_client.post("/api/tickets/", {"name": "Ann", "email": "ann@example.org", "description": "x" * 20_000}, format="json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert Ticket.objects.count() == 0


def test_api_too_many_fields_is_json_400(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    body = "&".join(f"f{i}=1" for i in range(20))
    response = Client().post("/api/tickets/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_api_unknown_url_is_json_404(api_client):
    response = api_client.get("/api/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_web_form_over_the_limit_keeps_what_it_read_and_says_why(client, small_body_limit):
    response = client.post(
        "/support/new/", {"name": "Анна", "email": "ann@example.org", "description": "урок не открывается " + "х" * 20_000},
    )
    # Before: Django's bare "400 Bad Request" page (the CSRF check read an empty form), everything typed lost.
    assert response.status_code == 413
    page = response.content.decode()
    assert 'value="Анна"' in page and 'value="ann@example.org"' in page
    assert "10000" in page and 'maxlength="10000"' in page  # what the limit is; the browser keeps text under it
    assert Ticket.objects.count() == 0


def test_status_page_reply_over_the_limit_is_413_with_the_page(client, small_body_limit):
    from tests.factories import ClassifiedTicketFactory

    ticket = ClassifiedTicketFactory()
    response = client.post(f"/support/t/{ticket.public_token}/", {"body": "х" * 20_000})
    assert response.status_code == 413
    assert ticket.messages.count() == 0
