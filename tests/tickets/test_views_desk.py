"""The desk's pages for issue 12: the queue list's ages, SLA and urgency order, the assignee filter, "My tickets",
assigning and notes on the ticket page, notifications and their JSON counter, availability, the rating form."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ClassifiedTicketFactory, operator
from tickets import services
from tickets.admin_desk import TargetField
from tickets.models import OperatorNotification, OperatorProfile, Queue, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def olga(client):
    user = operator("olga", queues=["payment"])
    client.force_login(user)
    return user


def _rows(response) -> list[int]:
    body = response.content.decode()
    return [int(pk) for pk in re.findall(r'<tr data-ticket="(\d+)"', body)]


def test_queue_list_is_most_urgent_first_with_ages_and_breaches(client, olga):
    Queue.objects.filter(slug="payment").update(first_response_target=timedelta(hours=1))
    fresh, overdue = ClassifiedTicketFactory(), ClassifiedTicketFactory()
    Ticket.objects.filter(pk=overdue.pk).update(created_at=timezone.now() - timedelta(hours=3), waiting_since=timezone.now() - timedelta(hours=3))
    response = client.get(reverse("operator:queue", kwargs={"slug": "payment"}), {"status": "active"})
    assert _rows(response) == [overdue.pk, fresh.pk]
    body = response.content.decode()
    assert 'data-sla="breached"' in body and 'data-sla="soon"' not in body
    assert "ждёт: 3\xa0часа" in body and "ответ просрочен: 2\xa0часа" in body
    assert '<option value="urgent" selected>' in body  # the dropdown says what the list does
    newest = client.get(reverse("operator:queue", kwargs={"slug": "payment"}), {"order": "newest"})
    assert _rows(newest) == [fresh.pk, overdue.pk]


def test_assignee_filter_on_the_queue_page(client, olga):
    ivan = operator("ivan", queues=["payment"])
    mine, theirs, nobodys = ClassifiedTicketFactory(assignee=olga), ClassifiedTicketFactory(assignee=ivan), ClassifiedTicketFactory()
    url = reverse("operator:queue", kwargs={"slug": "payment"})
    assert _rows(client.get(url, {"assignee": "me"})) == [mine.pk]
    assert _rows(client.get(url, {"assignee": "ivan"})) == [theirs.pk]
    assert _rows(client.get(url, {"assignee": "none"})) == [nobodys.pk]
    assert '<option value="ivan">ivan</option>' in client.get(url).content.decode()


def test_my_tickets(client, olga):
    mine = ClassifiedTicketFactory(assignee=olga)
    ClassifiedTicketFactory(assignee=olga, status=Ticket.Status.CLOSED)
    ClassifiedTicketFactory()
    response = client.get(reverse("operator:mine"))
    assert response.status_code == 200 and _rows(response) == [mine.pk]
    assert len(_rows(client.get(reverse("operator:mine"), {"status": ""}))) == 2


def test_assign_and_note_on_the_ticket_page(client, olga):
    ivan = operator("ivan", queues=["payment"])
    ticket = ClassifiedTicketFactory()
    page = client.get(reverse("operator:ticket", kwargs={"ticket_id": ticket.pk})).content.decode()
    assert 'id="assign-form"' in page and 'id="note-form"' in page and 'id="kbd-help"' in page
    response = client.post(reverse("operator:ticket_assign", kwargs={"ticket_id": ticket.pk}), {"assignee": "ivan"}, follow=True)
    assert "Обращение назначено на ivan." in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee == ivan
    response = client.post(reverse("operator:ticket_assign", kwargs={"ticket_id": ticket.pk}), {"assignee": "stranger"}, follow=True)
    assert "Выберите оператора этой очереди." in response.content.decode()

    response = client.post(reverse("operator:ticket_note", kwargs={"ticket_id": ticket.pk}), {"note-body": "@ivan глянь, @ghost"}, follow=True)
    body = response.content.decode()
    assert "Заметка сохранена" in body and "Уведомлены: ivan." in body and "@ghost" in body
    assert 'class="msg note"' in body
    assert OperatorNotification.objects.filter(recipient=ivan, kind="mention").exists()


def test_notifications_page_json_and_reading(client, olga):
    ticket = ClassifiedTicketFactory(name="Аня")
    services.operator_notify(kind="new_ticket", ticket=ticket, recipients=[olga], event_key="n1")
    services.operator_notify(kind="mention", ticket=ClassifiedTicketFactory(), recipients=[olga], event_key="n2", actor=operator("ivan"))
    data = client.get(reverse("operator:notifications_json")).json()
    assert data["unread"] == 2 and data["mine"] == 0 and data["poll_seconds"] == 30
    assert data["latest"][1]["text"] == f"Новое обращение #{ticket.pk} в очереди «Оплата» от Аня"
    page = client.get(reverse("operator:notifications")).content.decode()
    assert page.count('class="unread"') == 2
    client.get(reverse("operator:ticket", kwargs={"ticket_id": ticket.pk}))  # opening the ticket reads its notification
    assert client.get(reverse("operator:notifications_json")).json()["unread"] == 1
    client.post(reverse("operator:notifications_read"))
    assert client.get(reverse("operator:notifications_json")).json()["unread"] == 0


def test_notification_settings(client, olga):
    response = client.post(reverse("operator:notification_settings"), {"email_kinds": ["mention", "new_ticket"]}, follow=True)
    assert "Настройки уведомлений сохранены." in response.content.decode()
    assert OperatorProfile.objects.get(user=olga).email_kinds == ["new_ticket", "mention"]
    response = client.post(reverse("operator:notification_settings"), {"email_kinds": ["spam"]}, follow=True)
    assert "Неизвестный вид уведомления." in response.content.decode()


def test_availability_toggle_stays_on_the_site(client, olga):
    header = client.get(reverse("operator:dashboard")).content.decode()
    assert 'aria-pressed="false"' in header and "Нет на месте" in header
    response = client.post(reverse("operator:availability"), {"available": "1", "next": "/desk/mine/"})
    assert response["Location"] == "/desk/mine/" and OperatorProfile.objects.get(user=olga).available
    assert 'aria-pressed="true"' in client.get(reverse("operator:dashboard")).content.decode()
    response = client.post(reverse("operator:availability"), {"available": "0", "next": "https://evil.example/"})
    assert response["Location"] == reverse("operator:dashboard") and not OperatorProfile.objects.get(user=olga).available
    client.post(reverse("operator:availability"), {"available": "1"})
    client.post(reverse("operator:logout"))
    assert not OperatorProfile.objects.get(user=olga).available  # logging out is going off duty


def test_rating_form_on_the_status_page(client, django_capture_on_commit_callbacks):
    olga = operator("olga", queues=["payment"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(name="Аня", email="anya@example.org", description="Не проходит оплата картой")
    status_url = reverse("student:ticket_status", kwargs={"token": ticket.public_token})
    rating_url = reverse("student:ticket_rating", kwargs={"token": ticket.public_token})
    assert 'id="rating"' not in client.get(status_url).content.decode()
    services.ticket_reply(ticket=ticket, body="Готово", actor=olga)
    services.ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=olga)
    page = client.get(status_url).content.decode()
    assert 'id="rating"' in page and "Как мы справились?" in page
    response = client.post(rating_url, {"comment": "no score"}, follow=True)
    assert "Выберите оценку от 1 до 5." in response.content.decode()
    response = client.post(rating_url, {"score": "2", "comment": "Долго"}, follow=True)
    body = response.content.decode()
    assert "Спасибо за оценку!" in body and "Вы оценили нашу помощь на 2 из 5." in body and 'id="rating"' not in body
    assert response.redirect_chain[-1][0] == status_url
    response = client.post(rating_url, {"score": "5"}, follow=True)
    assert "Вы уже оценили это обращение." in response.content.decode()


@pytest.mark.parametrize("text,minutes", [("30m", 30), ("4h", 240), ("1d 12h", 2160), ("90", 90), ("1,5ч", 90), ("2д", 2880), ("1 02:00:00", 1560)])
def test_target_field_reads_what_people_write(text, minutes):
    assert TargetField().clean(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["soon", "4x", "0", "-5m", "4h later"])
def test_target_field_refuses_nonsense(text):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        TargetField().clean(text)


def test_target_field_shows_targets_as_written():
    assert TargetField().prepare_value(timedelta(days=1, hours=12)) == "1d 12h"
    assert TargetField().prepare_value(timedelta(minutes=45)) == "45m"


def test_queue_admin_saves_targets(client):
    from tests.factories import AdminFactory

    client.force_login(AdminFactory())
    payment = Queue.objects.get(slug="payment")
    response = client.post(reverse("admin:tickets_queue_change", args=[payment.pk]), {
        "slug": "payment", "name": payment.name, "position": payment.position,
        "first_response_target": "2ч", "resolution_target": "1d", "auto_assign": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    payment.refresh_from_db()
    assert (payment.first_response_target, payment.resolution_target, payment.auto_assign) == (timedelta(hours=2), timedelta(days=1), True)


def test_a_missed_target_stays_red_while_the_next_one_runs(client, olga):
    Queue.objects.filter(slug="payment").update(first_response_target=timedelta(hours=1), resolution_target=timedelta(hours=8))
    late = ClassifiedTicketFactory(status=Ticket.Status.OPEN)
    created = timezone.now() - timedelta(hours=3)
    Ticket.objects.filter(pk=late.pk).update(created_at=created, first_response_at=created + timedelta(hours=2))
    body = client.get(reverse("operator:queue", kwargs={"slug": "payment"})).content.decode()
    row = body[body.index(f'<tr data-ticket="{late.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "срок нарушен" in row and "до решения: 4\xa0часа" in row and 'data-sla="ok"' in row
