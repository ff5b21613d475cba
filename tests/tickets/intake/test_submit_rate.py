"""The submit rate limit counts new tickets only, not refused or invalid submissions (issue 8)."""
import pytest

from tickets.models import Ticket

pytestmark = pytest.mark.django_db

VALID = {"name": "Анна", "email": "ann@example.org", "description": "урок не открывается"}


@pytest.fixture
def two_per_hour(settings):
    from django.core.cache import cache

    cache.clear()  # the counters live in the cache, shared by every test of this process
    settings.SUPPORTDESK_RATE_LIMITS = {**settings.SUPPORTDESK_RATE_LIMITS, "ticket_create": "2/hour"}
    yield
    cache.clear()


def test_web_form_invalid_submissions_do_not_count(client, two_per_hour):
    for _ in range(5):
        assert client.post("/support/new/", {**VALID, "email": "nope"}).status_code == 400
    assert client.post("/support/new/", VALID).status_code == 302
    assert client.post("/support/new/", VALID).status_code == 302
    refused = client.post("/support/new/", VALID)
    assert refused.status_code == 429 and "урок не открывается" in refused.content.decode()
    assert Ticket.objects.count() == 2


def test_api_invalid_submissions_do_not_count(api_client, two_per_hour):
    for _ in range(5):
        assert api_client.post("/api/tickets/", {**VALID, "email": "nope"}, format="multipart").status_code == 400
    assert api_client.post("/api/tickets/", VALID, format="multipart").status_code == 201
    assert api_client.post("/api/tickets/", VALID, format="multipart").status_code == 201
    assert api_client.post("/api/tickets/", VALID, format="multipart").status_code == 429
    assert Ticket.objects.count() == 2


def test_a_replayed_submission_does_not_count(api_client, two_per_hour):
    for _ in range(3):
        assert api_client.post("/api/tickets/", VALID, format="multipart", HTTP_IDEMPOTENCY_KEY="one").status_code == 201
    assert api_client.post("/api/tickets/", {**VALID, "description": "другое"}, format="multipart").status_code == 201
    assert Ticket.objects.count() == 2


def test_form_and_api_share_one_budget(client, api_client, two_per_hour):
    assert client.post("/support/new/", VALID).status_code == 302
    assert api_client.post("/api/tickets/", VALID, format="multipart").status_code == 201
    assert client.post("/support/new/", VALID).status_code == 429


def test_the_limit_is_one_environment_variable():
    from supportdesk.settings.environment import BY_NAME

    variable = BY_NAME["SUPPORTDESK_SUBMIT_RATE"]
    assert variable.default == "20/hour" and "accepted" in variable.help
