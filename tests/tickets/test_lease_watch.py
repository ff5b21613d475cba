"""The classification cluster's lease watcher (issue 8): started in each of its workers, not in the main cluster's."""
from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django_q.conf import Conf
from django_q.signals import post_spawn

from tickets import lease_watch, services


@pytest.fixture
def watched(monkeypatch):
    runs = []
    monkeypatch.setattr(lease_watch, "_watch", lambda stop: runs.append(stop))
    return runs


@pytest.fixture
def classification_worker(monkeypatch):
    monkeypatch.setattr(Conf, "CLUSTER_NAME", settings.SUPPORTDESK_Q_CLASSIFY_CLUSTER)
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setitem(lease_watch._watching, "pid", None)


def test_a_classification_worker_watches_the_leases_as_soon_as_it_is_spawned(classification_worker, watched):
    post_spawn.send(sender="django_q", proc_name="Process-1:1")
    assert len(watched) == 1
    post_spawn.send(sender="django_q", proc_name="Process-1:1")  # once per process
    assert len(watched) == 1


def test_tasks_run_inline_start_no_watch(classification_worker, monkeypatch, watched):
    monkeypatch.setattr(Conf, "SYNC", True)
    assert lease_watch.lease_watch_start(proc_name="MainProcess") is None and watched == []


def test_the_main_clusters_workers_do_not(monkeypatch, watched):
    monkeypatch.setattr(Conf, "CLUSTER_NAME", settings.Q_CLUSTER["name"])
    assert settings.Q_CLUSTER["name"] != settings.SUPPORTDESK_Q_CLASSIFY_CLUSTER
    assert lease_watch.lease_watch_start(proc_name="Process-1:1") is None and watched == []


def test_the_watch_runs_every_sixth_of_the_lease(settings):
    settings.SUPPORTDESK_CLASSIFY_LEASE_SECONDS = 30
    assert lease_watch.watch_interval() == 5


def test_a_database_outage_does_not_end_the_watch(monkeypatch):
    def down():
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(services, "classify_expired_leases", down)
    assert lease_watch.lease_watch_check() == 0


@pytest.fixture
def lost_sweeps(monkeypatch):
    from django.core.cache import cache

    cache.delete(lease_watch.LOST_SWEEP_LOCK)
    runs = []
    monkeypatch.setattr(services, "classify_lost_sweep", lambda: runs.append(1) or 3)
    yield runs
    cache.delete(lease_watch.LOST_SWEEP_LOCK)


def test_the_lost_ticket_sweep_runs_once_per_interval_across_the_workers(lost_sweeps):
    from django.core.cache import cache

    assert lease_watch.lost_sweep_check() == 3
    assert lease_watch.lost_sweep_check() == 0  # another worker's tick within 10 s: skipped
    assert lost_sweeps == [1]
    assert lease_watch.LOST_SWEEP_EVERY_SECONDS <= 10
    cache.delete(lease_watch.LOST_SWEEP_LOCK)  # the interval has passed
    assert lease_watch.lost_sweep_check() == 3 and lost_sweeps == [1, 1]


def test_each_watch_tick_checks_the_leases_and_sweeps_for_lost_tickets(monkeypatch):
    calls = []
    monkeypatch.setattr(lease_watch, "watch_interval", lambda: 0.001)
    monkeypatch.setattr(lease_watch, "lease_watch_check", lambda: calls.append("leases"))
    stop = threading.Event()

    def sweep():
        calls.append("lost")
        stop.set()

    monkeypatch.setattr(lease_watch, "lost_sweep_check", sweep)
    lease_watch._watch(stop)
    assert calls == ["leases", "lost"]


def test_a_failing_lost_ticket_sweep_does_not_end_the_watch(monkeypatch, lost_sweeps):
    def down():
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(services, "classify_lost_sweep", down)
    assert lease_watch.lost_sweep_check() == 0
