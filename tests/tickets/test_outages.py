"""Database or Redis briefly unavailable: a clear "try again", nothing half-saved, and the desk recovers."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.factories import ClassifiedTicketFactory, operator, upload
from tickets import selectors, services
from tickets.services import routing
from tickets.models import Attachment, Message, Queue, Ticket, TicketEvent

UNAVAILABLE_RU = "Сервис временно недоступен, пожалуйста, попробуйте ещё раз через минуту."
STUDENT_TEXT = "Не могу оплатить курс, карта отклонена"


def _files(media_root: Path) -> list[Path]:
    return [p for p in Path(media_root).rglob("*") if p.is_file()] if Path(media_root).exists() else []


@pytest.fixture
def database_fails_mid_create(monkeypatch):
    """The database goes away after the ticket row and the screenshots were written."""

    def explode(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(TicketEvent.objects, "create", explode)


def test_form_says_try_again_keeps_the_text_and_saves_nothing(client, db, media_root, database_fails_mid_create):
    response = client.post(
        reverse("student:ticket_new"),
        {"name": "Аня", "email": "anya@example.org", "description": STUDENT_TEXT, "screenshots": [upload(), upload()]},
    )
    assert response.status_code == 503 and response["Retry-After"] == "60"
    body = response.content.decode()
    assert UNAVAILABLE_RU in body
    assert STUDENT_TEXT in body and 'value="anya@example.org"' in body  # the student does not retype
    assert Ticket.objects.count() == 0 and Message.objects.count() == 0 and Attachment.objects.count() == 0
    assert _files(media_root) == []  # screenshots written before the failure were removed


def test_api_answers_503_json_with_retry_after_and_saves_nothing(api_client, db, media_root, database_fails_mid_create):
    response = api_client.post(
        reverse("api:tickets"), {"name": "A", "email": "a@example.org", "description": STUDENT_TEXT, "screenshots": [upload()]}, format="multipart"
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response.json()["detail"] == UNAVAILABLE_RU  # the API answers in the request's language too
    assert Ticket.objects.count() == 0 and _files(media_root) == []


def test_database_down_from_the_first_query(client, db, monkeypatch):
    def explode(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(Queue.objects, "get", explode)
    response = client.post(reverse("student:ticket_new"), {"name": "A", "email": "a@example.org", "description": STUDENT_TEXT})
    assert response.status_code == 503 and UNAVAILABLE_RU in response.content.decode()
    monkeypatch.undo()
    # The database is back: the same submission goes through.
    response = client.post(reverse("student:ticket_new"), {"name": "A", "email": "a@example.org", "description": STUDENT_TEXT})
    assert response.status_code == 302 and Ticket.objects.get().description == STUDENT_TEXT


def test_student_reply_during_an_outage(client, api_client, db, media_root, monkeypatch):
    ticket = ClassifiedTicketFactory()

    def explode(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(Message.objects, "create", explode)
    url = reverse("student:ticket_status", args=[ticket.public_token])
    response = client.post(url, {"body": "ещё вопрос", "screenshots": [upload()]})
    assert response.status_code == 503 and "ещё вопрос" in response.content.decode()
    api = api_client.post(reverse("api:public-ticket", args=[ticket.public_token]), {"body": "x"}, format="multipart")
    assert api.status_code == 503 and api["Retry-After"] == "60"
    assert Attachment.objects.count() == 0 and _files(media_root) == []


def test_other_pages_answer_503_not_500_when_the_database_is_down(client, api_client, db, monkeypatch):
    user = operator("outage-op")
    client.force_login(user)
    api_client.force_authenticate(user)

    def explode(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(selectors, "queue_counts", explode)
    monkeypatch.setattr(selectors, "ticket_list", explode)
    monkeypatch.setattr(selectors, "ticket_list_filtered", explode)
    page = client.get(reverse("operator:dashboard"))
    assert page.status_code == 503 and page["Retry-After"] == "60"
    api = api_client.get(reverse("api:tickets"))
    assert api.status_code == 503 and api.json()["detail"] == UNAVAILABLE_RU


def test_redis_down_after_commit_keeps_the_ticket_pending_and_the_sweep_recovers_it(
    client, db, monkeypatch, django_capture_on_commit_callbacks
):
    import django_q.tasks

    real_async_task = django_q.tasks.async_task

    def broker_down(*args, **kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(django_q.tasks, "async_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("student:ticket_new"), {"name": "A", "email": "a@example.org", "description": "оплата не проходит"})
    # The student is not told about the broker: the ticket is saved and they see its page.
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("student:ticket_status", args=[ticket.public_token])
    assert ticket.classification_state == Ticket.ClassificationState.PENDING and ticket.queue.slug == "triage"

    # Still down: the sweep tries, fails quietly, the ticket stays pending.
    Ticket.objects.filter(pk=ticket.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    assert services.classify_pending_sweep() == 1
    ticket.refresh_from_db()
    assert ticket.classification_state == Ticket.ClassificationState.PENDING

    # Redis is back: the scheduled sweep queues it and (sync in tests) it is classified and routed.
    monkeypatch.setattr(django_q.tasks, "async_task", real_async_task)
    from tickets.tasks import classify_pending_task

    assert classify_pending_task() == "queued: 1"
    ticket.refresh_from_db()
    assert ticket.classification_state == Ticket.ClassificationState.DONE and ticket.queue.slug == "payment"


def test_sweep_leaves_fresh_pending_tickets_to_their_own_task(db, monkeypatch):
    queued = []
    monkeypatch.setattr(routing, "classification_enqueue_now", queued.append)
    fresh = services.ticket_create(name="A", email="a@example.org", description="x")
    old = services.ticket_create(name="B", email="b@example.org", description="y")
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    assert services.classify_pending_sweep() == 1 and queued == [old.pk]
    assert fresh.pk not in queued


def test_sweep_is_scheduled_every_few_minutes(db):
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="classify-pending")
    assert schedule.func == "tickets.tasks.classify_pending_task"
    assert schedule.schedule_type == Schedule.MINUTES and 1 <= schedule.minutes <= 10 and schedule.repeats < 0


def test_classify_pending_command_uses_the_sweep(db, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    calls = []
    monkeypatch.setattr(services, "classify_pending_sweep", lambda **kw: calls.append(kw) or 3)
    import tickets.management.commands.classify_pending as command

    monkeypatch.setattr(command, "classify_pending_sweep", services.classify_pending_sweep)
    out = StringIO()
    call_command("classify_pending", "--older-than", "60", stdout=out)
    assert calls == [{"older_than": 60, "now": False}] and "queued: 3" in out.getvalue()
