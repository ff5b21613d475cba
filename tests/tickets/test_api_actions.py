"""The steps every operator action endpoint shares (tickets.api.views.TicketActionApi.act): the permission check on
the ticket's row comes before the body is read, a bad body is a 400 that audits nothing, the answer is the detail."""
from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ClassifiedTicketFactory, operator, queue
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

WITH_BODY = ("api:ticket-override", "api:ticket-reply", "api:ticket-status", "api:ticket-assign", "api:ticket-notes", "api:ticket-merge")
ACTIONS = (*WITH_BODY, "api:ticket-take")


@pytest.fixture
def olga(api_client):
    user = operator("olga", queues=["payment"])
    api_client.force_authenticate(user)
    return user


@pytest.mark.parametrize("name", ACTIONS)
def test_another_queues_ticket_is_a_404_even_with_a_bad_body(api_client, olga, name):
    course = ClassifiedTicketFactory(queue=queue("course"))
    events_before = TicketEvent.objects.filter(ticket=course).count()
    response = api_client.post(reverse(name, kwargs={"ticket_id": course.pk}), {}, format="json")
    assert response.status_code == 404 and set(response.json()) == {"detail"}
    assert TicketEvent.objects.filter(ticket=course).count() == events_before


@pytest.mark.parametrize("name", WITH_BODY)
def test_a_bad_body_is_a_400_that_audits_nothing(api_client, olga, name):
    ticket = ClassifiedTicketFactory()
    events_before = TicketEvent.objects.filter(ticket=ticket).count()
    response = api_client.post(reverse(name, kwargs={"ticket_id": ticket.pk}), {}, format="json")
    assert response.status_code == 400 and "detail" not in response.json()  # field errors, not a generic refusal
    assert TicketEvent.objects.filter(ticket=ticket).count() == events_before


def test_take_needs_no_body_and_answers_the_detail(api_client, olga):
    ticket = ClassifiedTicketFactory()
    response = api_client.post(reverse("api:ticket-take", kwargs={"ticket_id": ticket.pk}))
    assert response.status_code == 200
    assert response.json()["id"] == ticket.pk and response.json()["assignee"] == "olga"
    assert TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.ASSIGN, actor=olga).count() == 1


def test_a_note_is_201_with_the_detail(api_client, olga):
    ticket = ClassifiedTicketFactory()
    note = api_client.post(reverse("api:ticket-notes", kwargs={"ticket_id": ticket.pk}), {"body": "x"}, format="json")
    assert note.status_code == 201 and note.json()["id"] == ticket.pk


def test_a_merge_into_a_hidden_ticket_names_only_the_field(api_client, olga):
    ticket, hidden = ClassifiedTicketFactory(), ClassifiedTicketFactory(queue=queue("course"))
    response = api_client.post(reverse("api:ticket-merge", kwargs={"ticket_id": ticket.pk}), {"into": hidden.pk}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["into"]
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.MERGED).exists()
