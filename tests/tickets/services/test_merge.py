"""services.merge: a duplicate of the same student merged into another ticket — messages and screenshots move, the
source is closed with a link, the student is told once, both tickets audit it; refused across students, across
queues the operator may not see, into itself and into a merged ticket."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from tests.factories import ClassifiedTicketFactory, operator, queue
from tickets import selectors, services
from tickets.models import Attachment, Delivery, Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The refusals are checked in English (the desk's default language is Russian)."""
    with translation.override("en"):
        yield


def _pair(**target_kwargs):
    first = services.ticket_create(name="Анна", email="anna@example.org", description="Не проходит оплата картой")
    second = services.ticket_create(name="Анна", email="anna@example.org", description="Не проходит оплата картой!!")
    for ticket in (first, second):
        Ticket.objects.filter(pk=ticket.pk).update(queue=queue("payment"), **target_kwargs)
    return Ticket.objects.get(pk=first.pk), Ticket.objects.get(pk=second.pk)


def test_merge_moves_everything_closes_the_source_and_tells_the_student_once(django_capture_on_commit_callbacks):
    olga = operator("olga", queues=["payment"])
    target, source = _pair()
    Attachment.objects.create(ticket=source, message=source.messages.first(), file="attachments/x.png", content_type="image/png",
                              width=1, height=1, sha256="0" * 64)
    ocr = SimpleNamespace(label="payment-problem", confidence=0.9, scores={}, signals={}, ocr_text="Код ошибки 3DS", model_version="t",
                          timings={}, embedding=None)
    services.prediction_record(ticket=source, prediction=ocr)
    source_messages = set(source.messages.values_list("pk", flat=True))
    source_deliveries = set(Delivery.objects.filter(ticket=source).values_list("pk", flat=True))
    assert source_deliveries  # the "request received" e-mail
    deliveries_before = Delivery.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_merge(source=source, target=target, actor=olga)
    source.refresh_from_db()
    assert source.status == Ticket.Status.CLOSED and source.merged_into_id == target.pk
    assert source_messages <= set(target.messages.values_list("pk", flat=True)) and not source.messages.exists()
    assert Attachment.objects.get().ticket_id == target.pk
    assert set(Delivery.objects.filter(ticket=target).values_list("pk", flat=True)) >= source_deliveries
    for ticket in (source, target):
        event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.MERGED)
        assert (event.actor, event.old_value, event.new_value) == (olga, str(source.pk), str(target.pk))
    notice = target.messages.filter(author_kind=Message.Author.OPERATOR).get()
    # In the ticket's language (here English: created under the fixture's override).
    assert notice.body == f"Your request #{source.pk} is now part of request #{target.pk}: we answer both here."
    new_deliveries = Delivery.objects.exclude(pk__in=[]).count() - deliveries_before
    assert new_deliveries == 1 and Delivery.objects.filter(message=notice, kind=Delivery.Kind.REPLY).count() == 1
    assert sum(f"Your request #{source.pk}" in m.body for m in mail.outbox) == 1
    # The target is found by the source's words and OCR (its search document was rebuilt).
    assert [t.pk for t in selectors.ticket_search(olga, "3DS")] == [target.pk]
    # Merging again is refused: the source is merged already.
    with pytest.raises(ValidationError, match="already merged"):
        services.ticket_merge(source=source, target=target, actor=olga)
    # The student's status page of the source points to the target.
    page = selectors.ticket_for_student(source.public_token)
    assert page.merged_into.public_token == target.public_token


def test_merge_is_refused_across_students_queues_itself_and_into_a_merged_ticket():
    olga = operator("olga", queues=["payment"])
    target, source = _pair()
    stranger = ClassifiedTicketFactory(email="other@example.org")
    course = ClassifiedTicketFactory(email="anna@example.org", queue=queue("course"))
    refusals = [
        (stranger, target, "different contacts"), (source, source, "itself"), (course, target, "your queues"), (source, course, "your queues"),
    ]
    for a, b, reason in refusals:
        with pytest.raises(ValidationError, match=reason):
            services.ticket_merge(source=a, target=b, actor=olga)
    services.ticket_merge(source=source, target=target, actor=olga)
    third = ClassifiedTicketFactory(email="anna@example.org")
    with pytest.raises(ValidationError, match="merge into that one"):
        services.ticket_merge(source=third, target=source, actor=olga)
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.MERGED, ticket__in=[stranger, course, third]).exists()


def test_merge_api_page_and_duplicate_suggestions(client, api_client):
    olga = operator("olga", queues=["payment"])
    target, source = _pair()
    other = ClassifiedTicketFactory(email="anna@example.org", description="Где сертификат?")
    hidden = ClassifiedTicketFactory(email="anna@example.org", queue=queue("course"))
    # Suggestions: the near-identical text first; a ticket in a queue olga does not see is never suggested.
    duplicates = selectors.likely_duplicates(olga, source)
    assert [d.ticket.pk for d in duplicates][:1] == [target.pk] and duplicates[0].near_identical
    assert hidden.pk not in [d.ticket.pk for d in duplicates] and other.pk in [d.ticket.pk for d in duplicates]
    client.force_login(olga)
    page = client.get(reverse("operator:ticket", kwargs={"ticket_id": source.pk})).content.decode()
    assert 'id="duplicates"' in page and f'name="into" value="{target.pk}"' in page and 'id="merge-form"' in page
    # The API: another queue's ticket as the target is a 400 that says nothing about it; then the merge.
    api_client.force_authenticate(olga)
    url = reverse("api:ticket-merge", kwargs={"ticket_id": source.pk})
    assert api_client.post(url, {"into": hidden.pk}, format="json").status_code == 400
    assert api_client.post(reverse("api:ticket-merge", kwargs={"ticket_id": hidden.pk}), {"into": target.pk}, format="json").status_code == 404
    response = api_client.post(url, {"into": target.pk}, format="json")
    assert response.status_code == 200 and response.json()["id"] == target.pk
    assert api_client.get(reverse("api:ticket", kwargs={"ticket_id": source.pk})).json()["merged_into"] == target.pk
    # The student's status page of the source links the target's.
    status_page = client.get(reverse("student:ticket_status", kwargs={"token": source.public_token})).content.decode()
    assert 'id="merged-into"' in status_page and target.public_token in status_page


def test_merge_form_on_the_ticket_page(client):
    olga = operator("olga", queues=["payment"])
    target, source = _pair()
    client.force_login(olga)
    url = reverse("operator:ticket_merge", kwargs={"ticket_id": source.pk})
    response = client.post(url, {"into": 999999}, follow=True)
    assert "999999" in response.content.decode() and Ticket.objects.get(pk=source.pk).merged_into_id is None
    response = client.post(url, {"into": target.pk})
    assert response.status_code == 302 and response["Location"] == reverse("operator:ticket", kwargs={"ticket_id": target.pk})
    assert Ticket.objects.get(pk=source.pk).merged_into_id == target.pk


def _contacts_pair():
    target = services.ticket_create(name="Анна", email="anna@example.org", description="Списали деньги дважды за курс")
    source = services.ticket_create(name="Анна К.", email="anna.work@example.org", description="Списали деньги дважды за курс!")
    Ticket.objects.filter(pk__in=[target.pk, source.pk]).update(queue=queue("payment"))
    return Ticket.objects.get(pk=target.pk), Ticket.objects.get(pk=source.pk)


def test_merge_across_contacts_needs_the_same_person_confirmation(django_capture_on_commit_callbacks):
    olga = operator("olga", queues=["payment"])
    target, source = _contacts_pair()
    with pytest.raises(ValidationError, match="The same person"):
        services.ticket_merge(source=source, target=target, actor=olga)
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.MERGED).exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_merge(source=source, target=target, actor=olga, same_person=True)
    source.refresh_from_db()
    assert source.merged_into_id == target.pk and source.status == Ticket.Status.CLOSED
    events = list(TicketEvent.objects.filter(ticket=target, kind=TicketEvent.Kind.MERGED))
    assert [(e.old_value, e.new_value) for e in events] == [
        (str(source.pk), str(target.pk)), ("Анна К. <anna.work@example.org>", "Анна <anna@example.org>"),
    ]
    from tickets.vocabulary import event_line
    assert "anna.work@example.org" in event_line(events[1]) and "same person" in event_line(events[1])
    # Told once, on the target's student's channel (the target's e-mail), not the source's.
    notices = [m for m in mail.outbox if f"Your request #{source.pk}" in m.body]
    assert len(notices) == 1 and notices[0].to == ["anna@example.org"]
    assert Delivery.objects.filter(message__ticket=target, kind=Delivery.Kind.REPLY).count() == 1


def test_merge_api_and_form_across_contacts(client, api_client):
    olga = operator("olga", queues=["payment"])
    target, source = _contacts_pair()
    api_client.force_authenticate(olga)
    url = reverse("api:ticket-merge", kwargs={"ticket_id": source.pk})
    refused = api_client.post(url, {"into": target.pk}, format="json")
    assert refused.status_code == 400 and any(words in str(refused.json()) for words in ("The same person", "Тот же человек"))
    response = api_client.post(url, {"into": target.pk, "same_person": True}, format="json")
    assert response.status_code == 200 and response.json()["id"] == target.pk
    assert Ticket.objects.get(pk=source.pk).merged_into_id == target.pk
    # The ticket page's form: without the checkbox refused (the ticket stays), with it merged.
    second, third = _contacts_pair()
    client.force_login(olga)
    form_url = reverse("operator:ticket_merge", kwargs={"ticket_id": third.pk})
    shown = [str(m) for m in client.post(form_url, {"into": second.pk}, follow=True).context["messages"]]
    assert any("разных контактов" in m or "different contacts" in m for m in shown), shown
    assert Ticket.objects.get(pk=third.pk).merged_into_id is None
    assert client.post(form_url, {"into": second.pk, "same_person": "on"}).status_code == 302
    assert Ticket.objects.get(pk=third.pk).merged_into_id == second.pk
