"""A real ``manage.py qcluster`` (ORM broker, SQLite file) whose worker is killed with SIGKILL mid-task, or whose
classifier hangs past the task timeout. The ticket must end classified exactly once after the retry, or in
triage with the failure recorded; never lost, never duplicated.

Everything runs in subprocesses configured by environment variables only (supportdesk/settings/base.py):
DATABASE_URL, SUPPORTDESK_Q_BROKER, SUPPORTDESK_Q_SYNC, SUPPORTDESK_Q_TIMEOUT/RETRY, SUPPORTDESK_TICKET_CLASSIFIER.
Each test is bounded (< 90 s) and always kills the process groups it started.
"""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TEST_BUDGET = 90.0

CREATE_TICKET = """
from django.conf import settings
from tickets.services import ticket_create
assert settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and not settings.Q_CLUSTER["sync"]
assert settings.SUPPORTDESK_TICKET_CLASSIFIER == "tests.faults.classifiers.faulty_ticket_classifier"
t = ticket_create(name="Ann", email="ann@example.org", description="Не проходит оплата картой")
print("TICKET", t.pk)
"""


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory):
    """One migrated SQLite file per module; every test works on its own copy."""
    folder = tmp_path_factory.mktemp("qcluster-template")
    db = folder / "db.sqlite3"
    env = _env(folder, db, mode="ok")
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


def _env(folder: Path, db: Path, *, mode: str, timeout: int = 10, retry: int = 14, sleep: float = 60) -> dict:
    (folder / "state").mkdir(exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings.test",
        "DATABASE_URL": "sqlite:///" + str(db),
        "SUPPORTDESK_Q_BROKER": "orm",
        "SUPPORTDESK_Q_SYNC": "0",
        "SUPPORTDESK_Q_WORKERS": "1",
        "SUPPORTDESK_Q_NAME": f"faults-{os.getpid()}-{folder.name}",
        "SUPPORTDESK_Q_CLASSIFY_NAME": f"faults-{os.getpid()}-{folder.name}",  # one cluster classifies and sweeps
        "SUPPORTDESK_Q_TIMEOUT": str(timeout),
        "SUPPORTDESK_Q_RETRY": str(retry),
        "SUPPORTDESK_MEDIA_ROOT": str(folder / "media"),
        "SUPPORTDESK_TICKET_CLASSIFIER": "tests.faults.classifiers.faulty_ticket_classifier",
        "FAULTS_STATE_DIR": str(folder / "state"),
        "FAULTS_MODE": mode,
        "FAULTS_SLEEP": str(sleep),
        "DJANGO_LOG_LEVEL": "INFO",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }


class Cluster:
    """Start/stop ``manage.py qcluster`` in its own process group; always cleaned up."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log_path, self.procs = env, log, []

    def start(self) -> subprocess.Popen:
        log = open(self.log_path, "ab")
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def kill9(self, proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=3)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
            try:  # the group may hold orphaned workers even when the leader is gone
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""


@pytest.fixture
def sandbox(tmp_path, migrated_db):
    db = tmp_path / "db.sqlite3"
    shutil.copy(migrated_db, db)
    clusters: list[Cluster] = []
    yield tmp_path, db, clusters
    for cluster in clusters:
        cluster.stop_all()


def _create_ticket(env) -> int:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", CREATE_TICKET], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return int(result.stdout.split("TICKET", 1)[1].split()[0])


def _state(db: Path, ticket_id: int) -> dict:
    with sqlite3.connect(db, timeout=20) as conn:
        state, queue, label = conn.execute(
            "SELECT t.classification_state, q.slug, t.label FROM tickets_ticket t JOIN tickets_queue q ON q.id = t.queue_id "
            "WHERE t.id = ?", (ticket_id,),
        ).fetchone()
        predictions = conn.execute("SELECT label, error FROM tickets_prediction WHERE ticket_id = ?", (ticket_id,)).fetchall()
        events = conn.execute(
            "SELECT new_value FROM tickets_ticketevent WHERE ticket_id = ? AND kind = 'predicted'", (ticket_id,)
        ).fetchall()
        tickets = conn.execute("SELECT COUNT(*) FROM tickets_ticket").fetchone()[0]
        queued = conn.execute("SELECT COUNT(*) FROM django_q_ormq").fetchone()[0]
        tasks = conn.execute("SELECT success, attempt_count, substr(result, 1, 120) FROM django_q_task").fetchall()
    return {"state": state, "queue": queue, "label": label, "predictions": predictions, "events": events,
            "tickets": tickets, "queued": queued, "tasks": tasks}


def _calls(folder: Path) -> list[str]:
    path = folder / "state" / "calls.log"
    return path.read_text().splitlines() if path.exists() else []


def _wait(predicate, deadline: float, interval: float = 0.3):
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def _first_call_pid(folder: Path, deadline: float) -> int:
    line = _wait(lambda: next((l for l in _calls(folder) if l.startswith("start ")), None), deadline)
    assert line, "the worker never started the classification"
    return int(line.split()[1])


def test_worker_killed_mid_task_is_retried_and_classified_once(sandbox):
    """kill -9 of the worker process while it classifies: the sentinel respawns a worker, the ORM broker hands the
    un-acknowledged task out again after `retry` seconds, the ticket is classified exactly once."""
    folder, db, clusters = sandbox
    started = time.monotonic()
    deadline = started + TEST_BUDGET - 5
    env = _env(folder, db, mode="slow_first", timeout=10, retry=14)
    ticket_id = _create_ticket(env)
    assert _state(db, ticket_id)["state"] == "pending"

    cluster = Cluster(env, folder / "cluster.log")
    clusters.append(cluster)
    cluster.start()
    worker_pid = _first_call_pid(folder, deadline)
    os.kill(worker_pid, signal.SIGKILL)

    final = _wait(lambda: (s := _state(db, ticket_id))["state"] != "pending" and s, deadline, interval=0.5)
    calls = _calls(folder)
    assert final, (_state(db, ticket_id), calls, cluster.output())
    assert final["state"] == "done" and final["queue"] == "payment" and final["label"] == "payment-problem", final
    assert len(final["predictions"]) == 1 and len(final["events"]) == 1, final
    assert final["tickets"] == 1
    starts = [l for l in calls if l.startswith("start ")]
    ends = [l for l in calls if l.startswith("end ")]
    assert len(starts) == 2 and len(ends) == 1 and starts[0].split()[1] == str(worker_pid), calls
    assert time.monotonic() - started < TEST_BUDGET


def test_whole_cluster_killed_mid_task_then_restarted(sandbox):
    """kill -9 of the whole qcluster process group mid-task (power loss); a new cluster finishes the job once."""
    folder, db, clusters = sandbox
    started = time.monotonic()
    deadline = started + TEST_BUDGET - 5
    env = _env(folder, db, mode="slow_first", timeout=10, retry=14)
    ticket_id = _create_ticket(env)

    cluster = Cluster(env, folder / "cluster.log")
    clusters.append(cluster)
    first = cluster.start()
    _first_call_pid(folder, deadline)
    cluster.kill9(first)
    assert _state(db, ticket_id)["state"] == "pending"

    cluster.start()
    final = _wait(lambda: (s := _state(db, ticket_id))["state"] != "pending" and s, deadline, interval=0.5)
    calls = _calls(folder)
    assert final, (_state(db, ticket_id), calls, cluster.output())
    assert final["state"] == "done" and final["queue"] == "payment", final
    assert len(final["predictions"]) == 1 and len(final["events"]) == 1, final
    assert len([l for l in calls if l.startswith("end ")]) == 1, calls
    assert time.monotonic() - started < TEST_BUDGET


def test_classifier_raising_in_real_worker_goes_to_triage_with_failure(sandbox):
    folder, db, clusters = sandbox
    deadline = time.monotonic() + 60
    env = _env(folder, db, mode="raise")
    ticket_id = _create_ticket(env)
    cluster = Cluster(env, folder / "cluster.log")
    clusters.append(cluster)
    cluster.start()
    final = _wait(lambda: (s := _state(db, ticket_id))["state"] != "pending" and s, deadline, interval=0.5)
    assert final, (_state(db, ticket_id), _calls(folder), cluster.output())
    assert final["state"] == "failed" and final["queue"] == "triage", final
    assert len(final["predictions"]) == 1 and "model crashed" in final["predictions"][0][1]
    assert len(final["events"]) == 1
    assert len([l for l in _calls(folder) if l.startswith("start ")]) == 1  # a recorded failure is not retried


def test_classifier_hanging_past_timeout_is_recorded_as_failed(sandbox):
    folder, db, clusters = sandbox
    started = time.monotonic()
    env = _env(folder, db, mode="hang", timeout=3, retry=6, sleep=60)
    ticket_id = _create_ticket(env)
    cluster = Cluster(env, folder / "cluster.log")
    clusters.append(cluster)
    cluster.start()
    _first_call_pid(folder, started + 40)
    # Wait until django-q has given up on the task (a Task row exists) or the ticket left 'pending'.
    _wait(lambda: (s := _state(db, ticket_id))["state"] != "pending" or s["tasks"], started + 45, interval=0.5)
    time.sleep(8)  # past another retry period: would a redelivery fix it?
    final = _state(db, ticket_id)
    assert final["tickets"] == 1 and final["queue"] == "triage"  # never lost
    assert final["state"] == "failed", (
        f"state={final['state']} predictions={final['predictions']} queued={final['queued']} "
        f"django_q tasks={final['tasks']} calls={_calls(folder)}"
    )
    assert len(final["predictions"]) == 1 and "imeout" in final["predictions"][0][1]


def test_classifier_stuck_in_native_code_is_given_up_after_max_attempts(sandbox):
    folder, db, clusters = sandbox
    started = time.monotonic()
    env = _env(folder, db, mode="hang_uninterruptible", timeout=2, retry=4, sleep=120)
    ticket_id = _create_ticket(env)
    cluster = Cluster(env, folder / "cluster.log")
    clusters.append(cluster)
    cluster.start()
    _first_call_pid(folder, started + 30)
    # max_attempts is 3: give the cluster time for 4+ deliveries (each ~ timeout + 3 s guard buffer).
    _wait(lambda: _state(db, ticket_id)["state"] != "pending", started + 55, interval=1.0)
    final = _state(db, ticket_id)
    starts = [l for l in _calls(folder) if l.startswith("start ")]
    assert final["tickets"] == 1 and final["queue"] == "triage"  # never lost
    assert final["state"] == "failed" and len(starts) <= 3, (
        f"state={final['state']} classifier calls={len(starts)} queued={final['queued']} tasks={final['tasks']}"
    )


def test_worker_killed_on_every_attempt_gives_up_after_max_attempts(sandbox):
    folder, db, clusters = sandbox
    started = time.monotonic()
    env = _env(folder, db, mode="hang", timeout=5, retry=6, sleep=120)
    ticket_id = _create_ticket(env)
    cluster = Cluster(env, folder / "cluster.log")
    clusters.append(cluster)
    cluster.start()
    killed: set[int] = set()
    while time.monotonic() < started + 60 and _state(db, ticket_id)["state"] == "pending":
        for line in _calls(folder):  # play the OOM-killer: SIGKILL every worker that starts this ticket
            if line.startswith("start "):
                pid = int(line.split()[1])
                if pid not in killed:
                    killed.add(pid)
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        time.sleep(0.3)
    final = _state(db, ticket_id)
    assert final["tickets"] == 1 and final["queue"] == "triage"  # never lost
    assert final["state"] == "failed" and len(killed) <= 3, (
        f"state={final['state']} workers killed={len(killed)} queued={final['queued']} predictions={final['predictions']}"
    )
