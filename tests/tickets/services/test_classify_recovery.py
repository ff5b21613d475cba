"""Lost classifications are recovered within a minute, without double work (issue 8), on their own cluster (issue 13)."""
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_q.models import Schedule

from tickets import services
from tickets.models import Ticket
from tickets.services import routing

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(routing, "classification_enqueue_now", calls.append)
    monkeypatch.setattr(routing, "_classify_queue_size", lambda: 0)
    return calls


def _pending(minutes_old: float, started_minutes_ago: float | None = None) -> Ticket:
    ticket = services.ticket_create(name="A", email="a@example.org", description="оплата")
    Ticket.objects.filter(pk=ticket.pk).update(
        classification_state=Ticket.ClassificationState.PENDING,
        created_at=timezone.now() - timedelta(minutes=minutes_old),
        classification_started_at=None if started_minutes_ago is None else timezone.now() - timedelta(minutes=started_minutes_ago),
    )
    return ticket


def test_a_ticket_lost_a_minute_ago_is_queued_again(queued):
    lost = _pending(minutes_old=1.5)
    fresh = _pending(minutes_old=0.2)
    assert services.classify_pending_sweep() == 1 and queued == [lost.pk]
    assert fresh.pk not in queued


def test_a_ticket_a_worker_holds_is_left_to_it_until_its_lease_ends(queued):
    held = _pending(minutes_old=3, started_minutes_ago=0.25)  # renewed 15 s ago (lease 30 s): still running somewhere
    dead = _pending(minutes_old=5, started_minutes_ago=3)  # its worker died: the lease ran out
    assert services.classify_pending_sweep() == 1 and queued == [dead.pk]
    assert held.pk not in queued


def test_a_backlog_still_in_the_queue_is_not_queued_again(queued, monkeypatch):
    """FIFO: of the waiting tickets the newest (queue size) are still in the broker; only older ones were lost."""
    tickets = [_pending(minutes_old=10 - i) for i in range(5)]
    monkeypatch.setattr(routing, "_classify_queue_size", lambda: 3)
    assert services.classify_pending_sweep() == 2
    assert queued == [tickets[0].pk, tickets[1].pk]


def test_a_duplicate_delivery_does_not_classify_a_held_ticket():
    held = _pending(minutes_old=3, started_minutes_ago=0.25)
    assert services.ticket_classify(ticket_id=held.pk) is None
    held.refresh_from_db()
    assert held.classification_state == "pending" and held.predictions.count() == 0


def test_classification_goes_to_its_own_cluster(monkeypatch):
    calls = []
    import django_q.tasks

    monkeypatch.setattr(django_q.tasks, "async_task", lambda *args, **kwargs: calls.append(kwargs))
    routing.classification_enqueue_now(7)
    assert calls[0]["cluster"] == settings.SUPPORTDESK_Q_CLASSIFY_CLUSTER != settings.Q_CLUSTER["name"]
    assert settings.SUPPORTDESK_Q_CLASSIFY_CLUSTER in settings.Q_CLUSTER["ALT_CLUSTERS"]


def test_the_sweeps_run_every_minute_on_the_main_cluster():
    schedule = Schedule.objects.get(name="classify-pending")
    assert schedule.minutes == 1 and schedule.cluster in (None, "")
    assert not Schedule.objects.exclude(cluster__isnull=True).exclude(cluster="").exists()
