"""The status page's reply posted twice is one message (issue 8): the same one-time token as the new-ticket form."""
import re

import pytest

from tests.factories import ClassifiedTicketFactory, upload
from tickets import services
from tickets.models import IdempotencyKey, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket():
    return ClassifiedTicketFactory()


def _url(ticket) -> str:
    return f"/support/t/{ticket.public_token}/"


def _form_token(client, ticket) -> str:
    page = client.get(_url(ticket)).content.decode()
    match = re.search(r'name="submission_token" value="([^"]+)"', page)
    assert match, "the reply form carries a one-time token"
    return match.group(1)


def _reply(client, ticket, token, **fields):
    return client.post(_url(ticket), {"body": "всё ещё не открывается", "submission_token": token, **fields})


def _student_messages(ticket):
    return Message.objects.filter(ticket=ticket, author_kind=Message.Author.STUDENT)


def test_each_page_gets_its_own_token(client, ticket):
    assert _form_token(client, ticket) != _form_token(client, ticket)


def test_the_same_reply_twice_is_one_message(client, ticket):
    token = _form_token(client, ticket)
    before = _student_messages(ticket).count()
    first = _reply(client, ticket, token, screenshots=[upload("a.png")])
    second = _reply(client, ticket, token, screenshots=[upload("a.png")])
    assert first.status_code == second.status_code == 302 and second["Location"] == first["Location"] == _url(ticket)
    assert _student_messages(ticket).count() == before + 1
    assert ticket.attachments.count() == 1
    assert IdempotencyKey.objects.get().scope == IdempotencyKey.Scope.WEB_REPLY


def test_a_reply_sent_again_with_other_words_is_a_new_message(client, ticket):
    token = _form_token(client, ticket)
    before = _student_messages(ticket).count()
    _reply(client, ticket, token)
    assert _reply(client, ticket, token, body="и оплата тоже").status_code == 302
    assert _student_messages(ticket).count() == before + 2


def test_a_refused_reply_keeps_its_token_and_the_text(client, ticket):
    token = _form_token(client, ticket)
    refused = _reply(client, ticket, token, body="")
    assert refused.status_code == 400 and f'value="{token}"' in refused.content.decode()
    assert _reply(client, ticket, token).status_code == 302
    assert _reply(client, ticket, token).status_code == 302
    assert _student_messages(ticket).filter(body="всё ещё не открывается").count() == 1


def test_a_token_from_one_tickets_page_is_a_new_reply_on_another(client, ticket):
    other = ClassifiedTicketFactory()
    token = _form_token(client, ticket)
    _reply(client, ticket, token)
    response = _reply(client, other, token)
    assert response.status_code == 302 and response["Location"] == _url(other)
    assert _student_messages(other).filter(body="всё ещё не открывается").count() == 1


def test_a_reply_without_a_token_still_works(client, ticket):
    """A page open since before the token existed."""
    before = _student_messages(ticket).count()
    assert client.post(_url(ticket), {"body": "ещё вопрос"}).status_code == 302
    assert _student_messages(ticket).count() == before + 1


def test_the_service_saves_a_claimed_reply_once(ticket):
    claim = services.idempotency_claim(
        scope=IdempotencyKey.Scope.WEB_REPLY, client_identity="127.0.0.1", key="k" * 32,
        fingerprint=services.submission_fingerprint(description="спасибо", ticket_id=ticket.pk),
    )
    before = _student_messages(ticket).count()
    assert services.ticket_student_reply_once(claim=claim, ticket=ticket, body="спасибо") is True
    assert services.ticket_student_reply_once(claim=claim, ticket=ticket, body="спасибо") is False
    assert _student_messages(ticket).count() == before + 1
