"""The classification cluster's lease watcher (issue 8): started in each of its workers, not in the main cluster's."""
from __future__ import annotations

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
