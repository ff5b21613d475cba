"""The classification lease (issue 8): renewed by its holder only, never past the task's timeout, taken back once."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import TicketFactory
from tests.fakes import FakeTicketClassifier
from tickets import services
from tickets.models import Ticket
from tickets.services import leases, routing


@pytest.fixture
def short_lease(settings):
    """A 1.5 s lease (renewed every 0.5 s) and a 1 s task timeout, so the heartbeat's life fits in a unit test; the
    default queues (transactional tests flush the seeded tables)."""
    services.desk_seed()
    settings.SUPPORTDESK_CLASSIFY_LEASE_SECONDS = 1.5
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 1}


def _held_at(ticket: Ticket):
    return Ticket.objects.values_list("classification_started_at", flat=True).get(pk=ticket.pk)


def _claimed(**kwargs) -> Ticket:
    ticket = TicketFactory(**kwargs)
    Ticket.objects.filter(pk=ticket.pk).update(classification_started_at=timezone.now())
    return ticket


@pytest.mark.django_db(transaction=True)  # the heartbeat writes from its own thread, on its own connection
def test_the_heartbeat_renews_the_lease_until_the_task_timeout_then_lets_it_run_out(short_lease):
    ticket = _claimed()
    claimed = _held_at(ticket)
    with leases.lease_heartbeat(ticket.pk, claimed):
        time.sleep(0.8)  # one renewal (at 0.5 s)
        renewed = _held_at(ticket)
        time.sleep(1.7)  # past the 1 s timeout: no more renewals however long the worker is stuck
        last = _held_at(ticket)
    assert claimed < renewed == last
    assert not leases.lease_is_held(last, now=timezone.now() + timedelta(seconds=1.5))


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_never_renews_a_lease_another_worker_took(short_lease):
    ticket = _claimed()
    claimed = _held_at(ticket)
    with leases.lease_heartbeat(ticket.pk, claimed):
        other = timezone.now() + timedelta(milliseconds=1)
        Ticket.objects.filter(pk=ticket.pk).update(classification_started_at=other)  # the lease ran out; taken over
        time.sleep(0.8)
    assert _held_at(ticket) == other


@pytest.mark.django_db(transaction=True)
def test_a_classification_slower_than_the_lease_keeps_its_ticket(short_lease):
    """While the classifier runs (2 s, longer than the 1.5 s lease) no duplicate delivery may take the ticket."""
    ticket = TicketFactory(description="не проходит оплата")
    duplicates = []

    class Slow(FakeTicketClassifier):
        def predict(self, image_paths, text=""):
            time.sleep(0.9)
            duplicates.append(services.ticket_classify(ticket_id=ticket.pk, classifier=FakeTicketClassifier()))
            return super().predict(image_paths, text)

    assert services.ticket_classify(ticket_id=ticket.pk, classifier=Slow()) is not None
    ticket.refresh_from_db()
    assert duplicates == [None] and ticket.predictions.count() == 1 and ticket.classification_attempts == 1


@pytest.mark.django_db
def test_an_expired_lease_is_taken_back_once_and_a_held_one_is_left():
    now = timezone.now()
    expired, held, waiting = TicketFactory(), TicketFactory(), TicketFactory()
    Ticket.objects.filter(pk=expired.pk).update(classification_started_at=now - timedelta(seconds=31))
    Ticket.objects.filter(pk=held.pk).update(classification_started_at=now - timedelta(seconds=20))
    assert leases.leases_expired_take_back(now=now) == [expired.pk]
    assert leases.leases_expired_take_back(now=now) == []  # a second watcher finds nothing to take
    assert Ticket.objects.get(pk=expired.pk).classification_started_at is None
    assert Ticket.objects.get(pk=held.pk).classification_started_at == now - timedelta(seconds=20)
    assert Ticket.objects.get(pk=waiting.pk).classification_started_at is None


@pytest.mark.django_db
def test_a_dead_workers_ticket_is_queued_again_and_classified_once(monkeypatch):
    queued = []
    monkeypatch.setattr(routing, "classification_enqueue_now", queued.append)
    ticket = TicketFactory(description="не проходит оплата")
    Ticket.objects.filter(pk=ticket.pk).update(
        classification_started_at=timezone.now() - timedelta(seconds=40), classification_attempts=1,
    )
    assert services.classify_expired_leases() == 1 and queued == [ticket.pk]
    assert services.classify_expired_leases() == 0 and queued == [ticket.pk]
    services.ticket_classify(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.classification_state == "done" and ticket.classification_attempts == 2
    assert ticket.predictions.count() == 1
