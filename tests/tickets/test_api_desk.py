"""The REST API of the operators' desk (issue 12): assign, notes, the assignee filter, the urgent order, SLA fields,
and the student's rating; an operator of one queue cannot act on another queue's tickets."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ClassifiedTicketFactory, operator, queue
from tickets import services
from tickets.models import OperatorNotification, Queue, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def olga(api_client):
    user = operator("olga", queues=["payment"])
    api_client.force_authenticate(user)
    return user


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_assign_unassign_and_refusals(api_client, olga):
    ivan = operator("ivan", queues=["payment"])
    operator("course-op", queues=["course"])
    ticket = ClassifiedTicketFactory()
    url = reverse("api:ticket-assign", kwargs={"ticket_id": ticket.pk})
    response = api_client.post(url, {"assignee": "ivan"}, format="json")
    assert response.status_code == 200 and response.json()["assignee"] == "ivan" and response.json()["status"] == "open"
    assert OperatorNotification.objects.get().recipient == ivan
    for bad in ("course-op", "nobody"):
        response = api_client.post(url, {"assignee": bad}, format="json")
        assert response.status_code == 400 and "assignee" in response.json()
    assert api_client.post(url, {}, format="json").status_code == 400  # null must be said
    response = api_client.post(url, {"assignee": None}, format="json")
    assert response.status_code == 200 and response.json()["assignee"] is None


def test_an_operator_cannot_assign_or_note_another_queues_ticket(api_client, olga):
    course = ClassifiedTicketFactory(queue=queue("course"))
    for name, data in (("api:ticket-assign", {"assignee": "olga"}), ("api:ticket-notes", {"body": "x"})):
        response = api_client.post(reverse(name, kwargs={"ticket_id": course.pk}), data, format="json")
        assert response.status_code == 404
    course.refresh_from_db()
    assert course.assignee is None and not course.messages.exists()


def test_notes_in_the_detail_for_operators(api_client, olga):
    ticket = ClassifiedTicketFactory()
    response = api_client.post(reverse("api:ticket-notes", kwargs={"ticket_id": ticket.pk}), {"body": "проверить платёж"}, format="json")
    assert response.status_code == 201
    detail = response.json()
    assert [(n["author_username"], n["body"]) for n in detail["notes"]] == [("olga", "проверить платёж")]
    assert detail["messages"] == []  # the conversation with the student has no notes
    assert api_client.post(reverse("api:ticket-notes", kwargs={"ticket_id": ticket.pk}), {"body": ""}, format="json").status_code == 400


def test_assignee_filter(api_client, olga):
    ivan = operator("ivan", queues=["payment"])
    mine, theirs, nobodys = ClassifiedTicketFactory(assignee=olga), ClassifiedTicketFactory(assignee=ivan), ClassifiedTicketFactory()
    url = reverse("api:tickets")
    assert _ids(api_client.get(url, {"assignee": "me"})) == [mine.pk]
    assert _ids(api_client.get(url, {"assignee": "ivan"})) == [theirs.pk]
    assert _ids(api_client.get(url, {"assignee": "none"})) == [nobodys.pk]
    response = api_client.get(url, {"assignee": "ghost"})
    assert response.status_code == 400 and "assignee" in response.json()


def test_sla_fields_and_urgent_order(api_client, olga):
    Queue.objects.filter(slug="payment").update(first_response_target=timedelta(hours=1), resolution_target=timedelta(hours=8))
    overdue, fresh = ClassifiedTicketFactory(), ClassifiedTicketFactory()
    Ticket.objects.filter(pk=overdue.pk).update(created_at=timezone.now() - timedelta(hours=2))
    detail = api_client.get(reverse("api:ticket", kwargs={"ticket_id": overdue.pk})).json()
    assert detail["sla_breached"] is True and detail["first_response_due"] and detail["resolution_due"]
    assert detail["first_response_at"] is None and detail["waiting_since"] and detail["rating"] is None
    rows = api_client.get(reverse("api:tickets"), {"order": "urgent"}).json()["results"]
    assert [(r["id"], r["sla_breached"]) for r in rows] == [(overdue.pk, True), (fresh.pk, False)]
    assert _ids(api_client.get(reverse("api:tickets"))) == [fresh.pk, overdue.pk]  # the API's default: newest first


def test_student_rates_once_through_the_public_api(api_client, django_capture_on_commit_callbacks):
    olga = operator("olga", queues=["payment"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(name="Аня", email="anya@example.org", description="Не проходит оплата картой")
    url = reverse("api:public-ticket-rating", kwargs={"token": ticket.public_token})
    public = reverse("api:public-ticket", kwargs={"token": ticket.public_token})
    assert api_client.get(public).json()["rating"] == {"can_rate": False, "score": None, "comment": ""}
    assert api_client.post(url, {"score": 5}, format="json").status_code == 400  # not resolved yet
    services.ticket_reply(ticket=ticket, body="Готово", actor=olga)
    services.ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=olga)
    assert api_client.get(public).json()["rating"]["can_rate"] is True
    assert api_client.post(url, {"score": 9}, format="json").status_code == 400
    response = api_client.post(url, {"score": 5, "comment": "Спасибо!"}, format="json")
    assert response.status_code == 201 and response.json()["rating"] == {"can_rate": False, "score": 5, "comment": "Спасибо!"}
    again = api_client.post(url, {"score": 1}, format="json")
    assert again.status_code == 400
    operator_view = api_client
    operator_view.force_authenticate(olga)
    assert operator_view.get(reverse("api:ticket", kwargs={"ticket_id": ticket.pk})).json()["rating"]["score"] == 5


def test_the_schema_lists_the_new_endpoints(client):
    schema = client.get(reverse("api-schema")).content.decode()
    for path in ("/api/tickets/{ticket_id}/assign/", "/api/tickets/{ticket_id}/notes/", "/api/public/tickets/{token}/rating/"):
        assert path in schema
