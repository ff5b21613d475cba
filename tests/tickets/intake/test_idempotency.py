"""A submission sent twice creates one ticket (issue 8): the API's Idempotency-Key header."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import upload
from tickets import services
from tickets.models import IdempotencyKey, Ticket
from tickets.services import idempotency

pytestmark = pytest.mark.django_db

FIELDS = {"name": "Ann", "email": "ann@example.org", "description": "оплата не прошла"}


def _post(api_client, key=None, remote_addr="10.0.0.1", **fields):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api_client.post("/api/tickets/", {**FIELDS, **fields}, format="multipart", REMOTE_ADDR=remote_addr, **headers)


def test_same_key_returns_the_first_ticket_and_creates_nothing(api_client):
    first = _post(api_client, key="retry-1", screenshots=[upload("a.png")])
    assert first.status_code == 201
    again = _post(api_client, key="retry-1", screenshots=[upload("a.png")])
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().attachments.count() == 1


def test_without_a_key_each_post_is_a_ticket(api_client):
    assert _post(api_client).status_code == 201 and _post(api_client).status_code == 201
    assert Ticket.objects.count() == 2


def test_same_key_with_a_different_body_is_422(api_client):
    assert _post(api_client, key="k").status_code == 201
    response = _post(api_client, key="k", description="совсем другое")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert Ticket.objects.count() == 1


def test_keys_are_per_client(api_client):
    assert _post(api_client, key="k", remote_addr="10.0.0.1").status_code == 201
    other = _post(api_client, key="k", remote_addr="10.0.0.2")
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert Ticket.objects.count() == 2


def test_a_key_older_than_a_day_can_be_used_again(api_client):
    first = _post(api_client, key="k").json()
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    second = _post(api_client, key="k", description="новая беда")
    assert second.status_code == 201 and second.json()["id"] != first["id"]
    assert IdempotencyKey.objects.get().ticket_id == second.json()["id"]


def test_purge_deletes_only_expired_keys(api_client):
    _post(api_client, key="old")
    _post(api_client, key="new", description="другое")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    assert services.idempotency_keys_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.parametrize("key", ["", "x" * 256, "ключ", "a\tb"])
def test_malformed_key_is_400(api_client, key):
    response = _post(api_client, key=key)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert Ticket.objects.count() == 0


def test_a_concurrent_duplicate_answers_with_the_winner(monkeypatch):
    """The race: both requests looked and found nothing; the unique constraint stops the second one's write."""
    claim = services.idempotency_claim(scope="api", client_identity="10.0.0.1", key="race", fingerprint="f")
    winner = services.ticket_create(**FIELDS, idempotency=claim)
    real_lookup = idempotency._earlier_ticket
    calls = []

    def lookup_missing_the_winner_once(c):
        calls.append(c)
        return None if len(calls) == 1 else real_lookup(c)

    monkeypatch.setattr(idempotency, "_earlier_ticket", lookup_missing_the_winner_once)
    ticket, created = services.ticket_create_once(claim=claim, **FIELDS)
    assert (ticket.pk, created) == (winner.pk, False)
    assert Ticket.objects.count() == 1


def test_schema_documents_the_header_and_422(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    post = schema["paths"]["/api/tickets/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in post["parameters"])
    assert {"201", "413", "422"} <= set(post["responses"])


CONCURRENT_ON_POSTGRES = """
import threading
from django.db import connection
from tickets import services
from tickets.models import Ticket
assert connection.vendor == "postgresql"
fields = {"name": "Ann", "email": "ann@example.org", "description": "оплата не прошла"}
claim = services.idempotency_claim(scope="api", client_identity="10.0.0.1", key="same", fingerprint="f")
barrier = threading.Barrier(6)
results = []
def submit():
    barrier.wait()
    try:
        results.append(services.ticket_create_once(claim=claim, **fields))
    finally:
        connection.close()
threads = [threading.Thread(target=submit) for _ in range(6)]
[t.start() for t in threads]
[t.join() for t in threads]
print("TICKETS", Ticket.objects.count(), "ANSWERS", len({t.pk for t, _ in results}), "CREATED", sum(c for _, c in results), "RESULTS", len(results))
"""


@pytest.mark.postgres
@pytest.mark.slow
def test_concurrent_requests_with_one_key_create_one_ticket_on_postgresql(tmp_path):
    from tests.postgres import run_script_on_postgresql

    result = run_script_on_postgresql(CONCURRENT_ON_POSTGRES, "supportdesk_idem", tmp_path, timeout=240)
    assert "TICKETS 1 ANSWERS 1 CREATED 1 RESULTS 6" in result.stdout, result.stdout + result.stderr[-2000:]
