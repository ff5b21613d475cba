"""A killed classification cluster's running AND prefetched tasks (Redis broker, PostgreSQL) are recovered within a
minute of the kill by the next classification cluster alone, each ticket classified once (issue 8).

The first cluster's classifier hangs (tests.faults.classifiers, FAULTS_MODE=hang): its two workers each hold one
ticket (leased) and the cluster has prefetched up to two more per worker from Redis, which live only in its memory.
The whole process group is SIGKILLed and a cluster with a quick classifier is started on the same broker. No main
cluster runs, so its minute sweep cannot be what the test sees: the running tickets come back through the lease
watch (lease 30 s), the prefetched ones through the watcher's lost-ticket sweep (30 s after creation).
Run: ``SUPPORTDESK_TEST_REDIS_URL=redis://127.0.0.1:6379/12 python -m pytest -q -p no:cacheprovider -m slow
tests/faults/test_lost_prefetched_redis.py -s`` (prints the figure).
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.postgres import PG_URL_BASE, REDIS_URL, postgres_redis_environment
from tests.processes import stop_process_group

from .qcluster import ROOT, classifier_calls, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

TICKETS = 10
WORKERS = 2
RECOVERY_BOUND = 60.0

CREATE_TICKETS = """
from django.conf import settings
from tickets.services import ticket_create
assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and settings.Q_CLUSTER["redis"]
for i in range({count}):
    ticket_create(name="Ann", email=f"ann{{i}}@example.org", description="Не проходит оплата картой")
print("CREATED")
"""


@pytest.fixture
def pg_redis(tmp_path):
    psycopg = pytest.importorskip("psycopg")
    redis = pytest.importorskip("redis")
    (tmp_path / "state").mkdir()
    with postgres_redis_environment(
        tmp_path / "media", "supportdesk_lostq",
        SUPPORTDESK_Q_CLASSIFY_WORKERS=str(WORKERS),
        SUPPORTDESK_Q_TIMEOUT="120", SUPPORTDESK_Q_RETRY="180", SUPPORTDESK_CLASSIFY_LEASE_SECONDS="30",
        SUPPORTDESK_TICKET_CLASSIFIER="tests.faults.classifiers.faulty_ticket_classifier",
        FAULTS_STATE_DIR=str(tmp_path / "state"), FAULTS_MODE="ok", FAULTS_SLEEP="300",
        DJANGO_LOG_LEVEL="INFO", PYTHONUNBUFFERED="1",
    ) as (env, db_name):
        with psycopg.connect(f"{PG_URL_BASE}/{db_name}", autocommit=True) as db:
            yield env, db, redis.Redis.from_url(REDIS_URL)


def _manage(env, *args) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _classification_cluster(env, log, mode: str) -> subprocess.Popen:
    # django-q2 reads Q_CLUSTER_NAME when it is imported: the variable chooses the classification cluster.
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={**env, "Q_CLUSTER_NAME": env["SUPPORTDESK_Q_CLASSIFY_NAME"], "FAULTS_MODE": mode}, start_new_session=True,
        )


def _state(db) -> dict:
    rows = db.execute(
        "SELECT t.classification_state, (SELECT COUNT(*) FROM tickets_prediction p WHERE p.ticket_id = t.id), "
        "(SELECT COUNT(*) FROM tickets_ticketevent e WHERE e.ticket_id = t.id AND e.kind = 'predicted') FROM tickets_ticket t"
    ).fetchall()
    return {"done": sum(1 for state, _, _ in rows if state == "done"), "tickets": len(rows),
            "predictions": sorted(p for _, p, _ in rows), "events": sorted(e for _, _, e in rows)}


def test_a_killed_clusters_running_and_prefetched_tickets_are_classified_once_within_a_minute(pg_redis, tmp_path, capsys):
    env, db, queues = pg_redis
    queue_key = f"django_q:{env['SUPPORTDESK_Q_CLASSIFY_NAME']}:q"
    _manage(env, "migrate", "--noinput")
    assert "CREATED" in _manage(env, "shell", "-c", CREATE_TICKETS.format(count=TICKETS))
    assert queues.llen(queue_key) == TICKETS

    log = tmp_path / "cluster.log"
    first = _classification_cluster(env, log, mode="hang")
    second = None
    try:
        started = time.monotonic()
        running = wait_for(lambda: len([l for l in classifier_calls(tmp_path) if l.startswith("start ")]) >= WORKERS,
                           started + 90)
        # Every worker holds a ticket; the cluster prefetches queue_limit (2 per worker) more from Redis.
        prefetched = wait_for(lambda: queues.llen(queue_key) <= TICKETS - 3 * WORKERS, started + 30, interval=0.1)
        assert running and prefetched, (classifier_calls(tmp_path), queues.llen(queue_key), log.read_text()[-3000:])
        time.sleep(1)
        in_redis = queues.llen(queue_key)
        os.killpg(first.pid, 9)
        killed = time.monotonic()
        first.wait(timeout=10)
        lost = TICKETS - in_redis
        second = _classification_cluster(env, log, mode="ok")

        final = wait_for(lambda: (s := _state(db))["done"] == TICKETS and s, killed + 120, interval=0.5)
        recovery = time.monotonic() - killed
        ends = [line for line in classifier_calls(tmp_path) if line.startswith("end ")]
        with capsys.disabled():
            print(f"\n{lost} tickets lost by the killed cluster ({WORKERS} running, {lost - WORKERS} prefetched); "
                  f"{_state(db)['done']}/{TICKETS} classified {recovery:.1f} s after the kill (lease 30 s, lost-ticket age 30 s)")
        assert final, (_state(db), classifier_calls(tmp_path), log.read_text()[-4000:])
        assert lost > WORKERS, lost  # prefetched tasks were lost, not only the running ones
        assert final["predictions"] == [1] * TICKETS and final["events"] == [1] * TICKETS, final
        assert len(ends) == TICKETS, ends  # the classifier finished once per ticket: no double work
        assert recovery < RECOVERY_BOUND, (recovery, log.read_text()[-4000:])
    finally:
        for cluster in (first, second):
            if cluster is not None:
                stop_process_group(cluster, grace=5)
