"""services.bulk and its page and API: one action on many tickets, each through its own service (its own audit
events), each permission-checked; a ticket of another queue is refused as "not found" and the others are done."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from tests.factories import ClassifiedTicketFactory, PredictionFactory, operator, queue
from tickets import services
from tickets.models import Intent, LabelExample, Ticket, TicketEvent

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


def _unsure_in_triage(**fields) -> Ticket:
    ticket = ClassifiedTicketFactory(label="", confidence=None, queue=queue("triage"), status=Ticket.Status.OPEN, **fields)
    PredictionFactory(ticket=ticket, label="", confidence=0.31, model_version="m1", scores={"other": 0.31})
    return ticket


def test_bulk_not_support_closes_and_labels_each_once_and_only_in_my_queues():
    tanya = operator("tanya", queues=["triage"])
    spam, offtopic = _unsure_in_triage(description="Продаю велосипед"), _unsure_in_triage(description="Ищу работу")
    theirs = ClassifiedTicketFactory(status=Ticket.Status.OPEN)  # payment: not one of tanya's queues
    ids = [spam.pk, offtopic.pk]

    result = services.tickets_bulk(actor=tanya, ticket_ids=[*ids, theirs.pk], action="not_support")

    assert result.done == ids and result.refused == {theirs.pk: "not found"}
    rows = Ticket.objects.filter(pk__in=ids).values_list("status", "label", "label_overridden", "queue__slug")
    assert set(rows) == {("closed", "other", True, "triage")}
    for ticket_id in ids:  # each audited as on its own page (services.ticket_close_out_of_scope)
        events = TicketEvent.objects.filter(ticket=ticket_id, kind__in=["status", "override"])
        assert list(events.values_list("kind", "actor__username", "new_value")) == [("status", "tanya", "closed"), ("override", "tanya", "other")]
    assert set(LabelExample.objects.filter(ticket__in=ids).values_list("intent__name", flat=True)) == {"other"}
    theirs.refresh_from_db()
    assert (theirs.status, theirs.label) == ("open", "payment-problem") and not theirs.events.exists()

    events = TicketEvent.objects.count()
    again = services.tickets_bulk(actor=tanya, ticket_ids=ids, action="not_support")  # a second run, a colleague's

    assert again.done == [] and again.refused == {pk: "already closed as not a support request" for pk in ids}
    assert TicketEvent.objects.count() == events


def test_bulk_not_support_looks_the_out_of_scope_intent_up_once_for_the_whole_selection(monkeypatch):
    from tickets.services import bulk

    tanya = operator("tanya", queues=["triage"])
    ids = [_unsure_in_triage().pk for _ in range(3)]
    lookups = []
    real_lookup = bulk.out_of_scope_intent
    monkeypatch.setattr(bulk, "out_of_scope_intent", lambda: lookups.append(1) or real_lookup())

    result = services.tickets_bulk(actor=tanya, ticket_ids=ids, action="not_support")

    assert result.done == ids and len(lookups) == 1
    assert set(Ticket.objects.filter(pk__in=ids).values_list("label", flat=True)) == {"other"}


def test_bulk_not_support_is_refused_whole_without_an_active_out_of_scope_intent():
    tanya = operator("tanya", queues=["triage"])
    ticket = _unsure_in_triage()
    Intent.objects.filter(in_scope=False).update(is_active=False)
    with pytest.raises(ValidationError) as refusal:
        services.tickets_bulk(actor=tanya, ticket_ids=[ticket.pk], action="not_support")
    assert "no active out-of-scope intent" in refusal.value.message_dict["action"][0]
    ticket.refresh_from_db()
    assert (ticket.status, ticket.label) == ("open", "") and not ticket.events.exists()


def test_bulk_not_support_from_the_queue_page_and_the_api(client, api_client):
    tanya = operator("tanya", queues=["triage"])
    first, second, done_already = _unsure_in_triage(), _unsure_in_triage(), _unsure_in_triage()
    services.ticket_close_out_of_scope(ticket=done_already, actor=tanya)
    client.force_login(tanya)
    queue_url = reverse("operator:queue", kwargs={"slug": "triage"})
    page = client.get(queue_url).content.decode()
    assert '<option value="not_support">Не обращение в поддержку — закрыть</option>' in page
    assert 'data-bulk-field="not_support"' in page

    response = client.post(reverse("operator:tickets_bulk"), {
        "tickets": [first.pk, done_already.pk], "action": "not_support", "next": queue_url,
    }, follow=True)

    assert response.redirect_chain[-1][0] == queue_url
    assert [str(m) for m in response.context["messages"]] == [
        "Готово: 1 обращение.", f"Обращение №{done_already.pk}: уже закрыто как не обращение в поддержку",
    ]
    assert Ticket.objects.get(pk=first.pk).status == "closed"

    api_client.force_authenticate(tanya)
    response = api_client.post(reverse("api:tickets-bulk"), {"tickets": [second.pk], "action": "not_support"}, format="json")
    assert response.status_code == 200 and response.json() == {"done": [second.pk], "refused": []}
    assert Ticket.objects.filter(pk=second.pk, status="closed", label="other").exists()
