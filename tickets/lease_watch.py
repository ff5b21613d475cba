"""The classification cluster watches its own leases: a dead worker's ticket is queued again within seconds (issue 8).

A django-q2 schedule runs at most once a minute (the guard looks at schedules every 30 s), and the main cluster's
``classify-pending`` sweep waits for a lease to run out first: up to ~3 minutes from a worker's death to the
ticket's next try. Instead every worker process of the classification cluster runs a daemon thread, started when
django-q2 spawns the worker (its ``post_spawn`` signal, so a worker respawned after a kill watches at once), that
every sixth of the lease (5 s) releases and re-queues expired leases (``services.classify_expired_leases``).
It runs beside the worker's tasks, so it never waits behind the backlog it rescues; the compare-and-set release
lets one watcher of many re-queue a ticket. Cost: one indexed query every 5 s per worker process, on a connection
opened and closed each time (SQLite or PostgreSQL: a few ms).

The same thread sweeps for tickets lost before their task started (a killed cluster's prefetched tasks, a broker
down at submit): ``services.classify_lost_sweep``, pending 30 s after creation, at most once per
``LOST_SWEEP_EVERY_SECONDS`` across the workers that share the cache (``cache.add``: Redis in production; with a
per-process cache each worker sweeps, and a duplicate queue entry finds its ticket claimed or done). So such a
ticket is queued again at most 30 + 10 s (+ a 5 s tick) after its creation or the kill, whichever is later, by any
classification cluster still or again running. Cost: one indexed query and one queue-length call (Redis LLEN)
per 10 s.
"""
from __future__ import annotations

import logging
import os
import random
import threading

from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)


def watch_interval() -> float:
    return settings.SUPPORTDESK_CLASSIFY_LEASE_SECONDS / 6


def _never_raising(work, what: str) -> int:
    """Run one check of the watcher: a failure (a database or cache outage) is logged and retried at the next tick;
    the connection is closed either way (the thread holds none between ticks)."""
    try:
        return work()
    except Exception:
        logger.exception("Could not %s; trying again in %.0f s", what, watch_interval())
        return 0
    finally:
        connection.close()


def lease_watch_check() -> int:
    """One check: re-queue the tickets whose lease ran out; never raises (a database outage is logged)."""
    from .services import classify_expired_leases

    return _never_raising(classify_expired_leases, "check the classification leases")


LOST_SWEEP_EVERY_SECONDS = 10
LOST_SWEEP_LOCK = "supportdesk:classify-lost-sweep"


def lost_sweep_check() -> int:
    """Sweep for lost tickets unless another worker did within ``LOST_SWEEP_EVERY_SECONDS``; never raises."""
    from .services import classify_lost_sweep

    def sweep_unless_swept() -> int:
        if not cache.add(LOST_SWEEP_LOCK, os.getpid(), timeout=LOST_SWEEP_EVERY_SECONDS):
            return 0
        return classify_lost_sweep()

    return _never_raising(sweep_unless_swept, "sweep for lost classifications")


def _watch(stop: threading.Event) -> None:
    # Jitter (±20 %) keeps the watchers of many workers from querying in step.
    while not stop.wait(watch_interval() * random.uniform(0.8, 1.2)):
        lease_watch_check()
        lost_sweep_check()


_watching: dict[str, int | None] = {"pid": None}


def lease_watch_start(sender=None, proc_name: str = "", **kwargs) -> threading.Thread | None:
    """django-q2's ``post_spawn`` receiver, in each new worker process: watch the leases if this worker belongs to
    the classification cluster (the main cluster's minute sweep stays the backstop). Once per process: with
    ``SUPPORTDESK_Q_SYNC`` django-q2 sends the signal in the caller's process for every task, and runs no cluster."""
    from django_q.conf import Conf

    if Conf.SYNC or Conf.CLUSTER_NAME != settings.SUPPORTDESK_Q_CLASSIFY_CLUSTER or _watching["pid"] == os.getpid():
        return None
    _watching["pid"] = os.getpid()  # a forked worker inherits the parent's value, never its pid
    thread = threading.Thread(target=_watch, args=(threading.Event(),), name="classification-lease-watch", daemon=True)
    thread.start()
    logger.info("%s watches the classification leases every %.0f s", proc_name or "worker", watch_interval())
    return thread
