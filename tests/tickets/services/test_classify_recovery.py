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


def _pending_seconds(seconds_old: float) -> Ticket:
    return _pending(minutes_old=seconds_old / 60)


def test_the_classification_clusters_sweep_queues_a_ticket_lost_half_a_minute_ago(queued):
    assert services.PENDING_WATCH_AGE_SECONDS == 30 < services.PENDING_SWEEP_AGE_SECONDS
    lost = _pending_seconds(35)
    fresh = _pending_seconds(20)  # its task may still be on its way to the broker
    assert services.classify_lost_sweep() == 1 and queued == [lost.pk]
    assert fresh.pk not in queued


def test_a_live_clusters_prefetched_tasks_are_queued_twice_at_most_once_and_the_duplicate_is_a_no_op(queued, monkeypatch):
    """A live cluster's prefetched tasks are out of the broker (not in its queue size): the quick sweep takes them
    for lost, queues them again (at most queue_limit of them), and counts the duplicates the next time."""
    prefetched = [_pending_seconds(50 - i) for i in range(2)]  # taken from the broker, waiting in the worker
    in_broker = [_pending_seconds(40 - i) for i in range(3)]
    queue = [t.pk for t in in_broker]
    monkeypatch.setattr(routing, "_classify_queue_size", lambda: len(queue))
    assert services.classify_lost_sweep() == 2 and queued == [t.pk for t in prefetched]
    queue.extend(queued)
    assert services.classify_lost_sweep() == 0 and len(queued) == 2  # the duplicates are in the queue size now

    original = services.ticket_classify(ticket_id=prefetched[0].pk)  # the prefetched task runs first …
    duplicate = services.ticket_classify(ticket_id=prefetched[0].pk)  # … and its duplicate finds the ticket done
    assert original is not None and duplicate is None
    assert prefetched[0].predictions.count() == 1
