"""The web form posted twice creates one ticket (issue 8): its one-time submission token."""
import re

import pytest

from tests.factories import upload
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _form_token(client) -> str:
    page = client.get("/support/new/").content.decode()
    match = re.search(r'name="submission_token" value="([^"]+)"', page)
    assert match, "the form carries a one-time token"
    return match.group(1)


def _send(client, token, **fields):
    data = {"name": "Анна", "email": "ann@example.org", "description": "урок не открывается", "submission_token": token, **fields}
    return client.post("/support/new/", data)


def test_each_form_gets_its_own_token(client):
    assert _form_token(client) != _form_token(client)


def test_the_same_form_twice_shows_the_first_ticket(client):
    token = _form_token(client)
    first = _send(client, token, screenshots=[upload("a.png")])
    assert first.status_code == 302
    second = _send(client, token, screenshots=[upload("a.png")])
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().attachments.count() == 1


def test_a_form_sent_again_with_other_words_is_a_new_request(client):
    token = _form_token(client)
    first = _send(client, token)
    second = _send(client, token, description="а ещё не проходит оплата")
    assert second.status_code == 302 and second["Location"] != first["Location"]
    assert Ticket.objects.count() == 2


def test_a_refused_form_keeps_its_token_and_the_text(client):
    token = _form_token(client)
    refused = _send(client, token, email="not-an-address")
    page = refused.content.decode()
    assert refused.status_code == 400 and f'value="{token}"' in page and "урок не открывается" in page
    assert _send(client, token).status_code == 302
    assert Ticket.objects.count() == 1


def test_a_form_without_a_token_still_works(client):
    """An old page open since before the token existed, or a script posting the form."""
    response = client.post("/support/new/", {"name": "Анна", "email": "ann@example.org", "description": "x"})
    assert response.status_code == 302 and Ticket.objects.count() == 1
