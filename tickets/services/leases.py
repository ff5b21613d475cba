"""A classifying worker's hold on its ticket: claimed, renewed by a heartbeat, taken back when it runs out (issue 8).

``Ticket.classification_started_at`` is the lease: when its holder last claimed or renewed it. The ticket is held
for ``SUPPORTDESK_CLASSIFY_LEASE_SECONDS`` (30) after that; another delivery of its task finds it held and leaves
it alone (``routing._classification_attempt_start`` claims it under the row lock).

- The holder renews it every third of the lease (10 s) from a daemon thread (``lease_heartbeat``), by
  compare-and-set on the value it wrote last: only the holder renews, and a worker that lost its lease (it looked
  dead, another worker took the ticket) stops instead of stealing it back.
- The heartbeat stops renewing once the task's timeout (``Q_CLUSTER["timeout"]``) has passed since the claim. A
  worker stuck in native code (SIGALRM blocked: django-q2's guard kills it only at timeout + 3 s) would otherwise
  keep its lease alive from its heartbeat thread, and its ticket would never reach
  ``SUPPORTDESK_CLASSIFY_MAX_ATTEMPTS``. So a lease ends at most timeout + lease after its claim (150 s with the
  defaults), which the settings keep below the ORM broker's ``retry`` (180 s).
- A worker killed mid-classification stops renewing at once; ``leases_expired_take_back`` clears its lease (again
  by compare-and-set, so of several watchers one re-queues it) and ``routing.classify_expired_leases`` queues the
  ticket again. The classification cluster's workers run that check every sixth of the lease (``tickets.lease_watch``),
  so a dead worker's ticket is queued again at most lease + lease/6 (35 s) after its last renewal.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Iterator

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ..models import Ticket

logger = logging.getLogger(__name__)


def classification_lease() -> timedelta:
    """How long a claimed or renewed classification is left to its worker."""
    return timedelta(seconds=settings.SUPPORTDESK_CLASSIFY_LEASE_SECONDS)


def lease_renew_interval() -> float:
    """Every third of the lease: two renewals may be lost (a slow database) before the worker looks dead."""
    return settings.SUPPORTDESK_CLASSIFY_LEASE_SECONDS / 3


def lease_is_held(claimed_at: datetime | None, *, now: datetime | None = None) -> bool:
    return claimed_at is not None and claimed_at > (now or timezone.now()) - classification_lease()


def lease_renew(ticket_id: int, held_at: datetime) -> datetime | None:
    """Renew the lease its holder wrote at ``held_at``; None when it is no longer this holder's (finished, or
    taken over after it ran out)."""
    renewed = timezone.now()
    updated = Ticket.objects.filter(
        pk=ticket_id, classification_state=Ticket.ClassificationState.PENDING, classification_started_at=held_at,
    ).update(classification_started_at=renewed)
    return renewed if updated else None


def _heartbeat(ticket_id: int, held_at: datetime, stop: threading.Event, renew_until: float) -> None:
    """Renew the lease until told to stop, until the lease is lost, or until the task's timeout has passed."""
    try:
        while not stop.wait(lease_renew_interval()):
            if time.monotonic() >= renew_until:
                logger.warning("Ticket #%s: still classifying past the task's timeout; its lease is left to run out", ticket_id)
                return
            try:
                renewed = lease_renew(ticket_id, held_at)
            except Exception:  # the database is unreachable: try again next time; the lease may run out meanwhile
                logger.exception("Ticket #%s: could not renew the classification lease", ticket_id)
                connection.close()
                continue
            if renewed is None:
                return
            held_at = renewed
    finally:
        connection.close()  # this thread's own connection (Django's connections are per thread)


@contextmanager
def lease_heartbeat(ticket_id: int, held_at: datetime) -> Iterator[None]:
    """Keep the lease claimed at ``held_at`` alive while the block runs, but never past the task's timeout.

    The thread first touches the database after one interval (10 s), so a quick classification (the tests'
    fakes, a cached screenshot) never opens a second connection.
    """
    timeout = settings.Q_CLUSTER.get("timeout") or 120
    stop = threading.Event()
    thread = threading.Thread(
        target=_heartbeat, args=(ticket_id, held_at, stop, time.monotonic() + timeout),
        name=f"classification-lease-{ticket_id}", daemon=True,
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)  # at most one renewal in flight; a renewal after the result finds it no longer pending


def leases_expired_take_back(*, now: datetime | None = None) -> list[int]:
    """Release every lease that ran out (its worker was killed or is stuck past its timeout); the ids released.

    Compare-and-set on the expired value: of several watchers (every classification worker runs this) exactly one
    releases a given lease, and a holder that renewed meanwhile keeps it. The released ticket is claimable by the
    next delivery of its task.
    """
    cutoff = (now or timezone.now()) - classification_lease()
    expired = list(
        Ticket.objects.filter(classification_state=Ticket.ClassificationState.PENDING, classification_started_at__lt=cutoff)
        .order_by("classification_started_at").values_list("pk", "classification_started_at")
    )
    released = []
    for ticket_id, held_at in expired:
        if Ticket.objects.filter(
            pk=ticket_id, classification_state=Ticket.ClassificationState.PENDING, classification_started_at=held_at,
        ).update(classification_started_at=None):
            released.append(ticket_id)
    return released
