"""services.bulk and its page and API: one action on many tickets, each through its own service (its own audit
events), each permission-checked; a ticket of another queue is refused as "not found" and the others are done."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from tests.factories import ClassifiedTicketFactory, operator, queue
from tickets import services
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The refusals are checked in English (the desk's default language is Russian)."""
    with translation.override("en"):
        yield


@pytest.fixture
def olga():
    return operator("olga", queues=["payment"])


def test_bulk_assign_status_label_and_merge_audit_each_ticket(olga):
    ivan = operator("ivan", queues=["payment"])
    first, second = ClassifiedTicketFactory(), ClassifiedTicketFactory()
    ids = [first.pk, second.pk]
    assert services.tickets_bulk(actor=olga, ticket_ids=ids, action="assign", assignee="ivan").done == ids
    assert set(Ticket.objects.filter(pk__in=ids).values_list("assignee", flat=True)) == {ivan.pk}
    assert TicketEvent.objects.filter(ticket__in=ids, kind=TicketEvent.Kind.ASSIGN, actor=olga).count() == 2
    assert services.tickets_bulk(actor=olga, ticket_ids=ids, action="status", status="resolved").done == ids
    assert TicketEvent.objects.filter(ticket__in=ids, kind=TicketEvent.Kind.STATUS, new_value="resolved").count() == 2
    result = services.tickets_bulk(actor=olga, ticket_ids=ids, action="label", label="course-problem")
    assert result.done == ids and set(Ticket.objects.filter(pk__in=ids).values_list("queue__slug", flat=True)) == {"course"}
    assert TicketEvent.objects.filter(ticket__in=ids, kind=TicketEvent.Kind.OVERRIDE).count() == 2
    # Now in the course queue: olga may not touch them any more.
    assert services.tickets_bulk(actor=olga, ticket_ids=ids, action="status", status="open").refused == {first.pk: "not found", second.pk: "not found"}


def test_bulk_merge_same_student_only_and_refusals_are_per_ticket(olga):
    target = ClassifiedTicketFactory(email="anna@example.org")
    twin = ClassifiedTicketFactory(email="anna@example.org")
    stranger = ClassifiedTicketFactory(email="other@example.org")
    other_queue = ClassifiedTicketFactory(email="anna@example.org", queue=queue("course"))
    result = services.tickets_bulk(actor=olga, ticket_ids=[target.pk, twin.pk, stranger.pk, other_queue.pk], action="merge", into=target.pk)
    assert result.done == [twin.pk]
    assert set(result.refused) == {stranger.pk, other_queue.pk} and "different contacts" in result.refused[stranger.pk]
    assert result.refused[other_queue.pk] == "not found"
    assert Ticket.objects.get(pk=twin.pk).merged_into_id == target.pk and Ticket.objects.get(pk=other_queue.pk).merged_into_id is None
    with pytest.raises(ValidationError):  # a target in another queue
        services.tickets_bulk(actor=olga, ticket_ids=[twin.pk], action="merge", into=other_queue.pk)
    with pytest.raises(ValidationError):
        services.tickets_bulk(actor=olga, ticket_ids=[], action="status", status="open")
    with pytest.raises(ValidationError):
        services.tickets_bulk(actor=olga, ticket_ids=[twin.pk], action="status", status="gone")


def test_bulk_api(api_client, olga):
    mine, theirs = ClassifiedTicketFactory(), ClassifiedTicketFactory(queue=queue("course"))
    api_client.force_authenticate(olga)
    url = reverse("api:tickets-bulk")
    response = api_client.post(url, {"tickets": [mine.pk, theirs.pk], "action": "assign", "assignee": "olga"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"done": [mine.pk], "refused": [{"id": theirs.pk, "error": "не найдено"}]}  # the desk's Russian
    assert Ticket.objects.get(pk=theirs.pk).assignee_id is None
    assert api_client.post(url, {"tickets": [], "action": "assign"}, format="json").status_code == 400
    assert api_client.post(url, {"tickets": [mine.pk], "action": "delete"}, format="json").status_code == 400
    assert api_client.post(url, {"tickets": list(range(1, 102)), "action": "status", "status": "open"}, format="json").status_code == 400
    response = api_client.post(url, {"tickets": [mine.pk], "action": "status", "status": "gone"}, format="json")
    assert response.status_code == 400 and "status" in response.json()


def test_bulk_bar_on_the_queue_page(client, olga):
    first, second = ClassifiedTicketFactory(), ClassifiedTicketFactory()
    theirs = ClassifiedTicketFactory(queue=queue("course"))
    client.force_login(olga)
    queue_url = reverse("operator:queue", kwargs={"slug": "payment"})
    page = client.get(queue_url).content.decode()
    assert 'id="bulk-form"' in page and f'name="tickets" value="{first.pk}" form="bulk-form"' in page
    response = client.post(reverse("operator:tickets_bulk"), {
        "tickets": [first.pk, second.pk, theirs.pk], "action": "status", "status": "waiting", "next": queue_url,
    }, follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == queue_url
    assert set(Ticket.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"waiting"}
    assert Ticket.objects.get(pk=theirs.pk).status == "new" and f"Обращение №{theirs.pk}: не найдено" in body
    # Nothing selected: an error, nothing changed; an off-site "next" is not followed.
    response = client.post(reverse("operator:tickets_bulk"), {"action": "status", "status": "open", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("operator:dashboard")
