"""A real ``manage.py qcluster`` (ORM broker, SQLite file) in subprocesses, for the fault tests: its environment, its
process groups (always cleaned up), the ticket it works on and the fault classifier's call log
(tests.faults.classifiers).

Everything runs in subprocesses configured by environment variables only (supportdesk/settings/base.py):
DATABASE_URL, SUPPORTDESK_Q_BROKER, SUPPORTDESK_Q_SYNC, SUPPORTDESK_Q_TIMEOUT/RETRY, SUPPORTDESK_CLASSIFY_LEASE_SECONDS,
SUPPORTDESK_TICKET_CLASSIFIER.
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

from supportdesk.processes import stop_process_group

ROOT = Path(__file__).resolve().parents[2]

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
    env = cluster_env(folder, db, mode="ok")
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


def cluster_env(
    folder: Path, db: Path, *, mode: str, timeout: int = 10, retry: int = 14, sleep: float = 60, lease: int | None = None,
    workers: int = 1,
) -> dict:
    """The cluster's environment; the lease defaults to the longest the settings accept (timeout + lease < retry)."""
    (folder / "state").mkdir(exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings.test",
        "DATABASE_URL": "sqlite:///" + str(db),
        "SUPPORTDESK_Q_BROKER": "orm",
        "SUPPORTDESK_Q_SYNC": "0",
        "SUPPORTDESK_Q_WORKERS": str(workers),
        "SUPPORTDESK_Q_NAME": f"faults-{os.getpid()}-{folder.name}",
        "SUPPORTDESK_Q_CLASSIFY_NAME": f"faults-{os.getpid()}-{folder.name}",  # one cluster classifies and sweeps
        "SUPPORTDESK_Q_TIMEOUT": str(timeout),
        "SUPPORTDESK_Q_RETRY": str(retry),
        "SUPPORTDESK_CLASSIFY_LEASE_SECONDS": str(lease or max(1, retry - timeout - 1)),
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
            stop_process_group(proc, grace=3)

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


def create_ticket(env) -> int:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", CREATE_TICKET], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return int(result.stdout.split("TICKET", 1)[1].split()[0])


def ticket_state(db: Path, ticket_id: int) -> dict:
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


def classifier_calls(folder: Path) -> list[str]:
    path = folder / "state" / "calls.log"
    return path.read_text().splitlines() if path.exists() else []


def wait_for(predicate, deadline: float, interval: float = 0.3):
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def first_call_pid(folder: Path, deadline: float) -> int:
    line = wait_for(lambda: next((l for l in classifier_calls(folder) if l.startswith("start ")), None), deadline)
    assert line, "the worker never started the classification"
    return int(line.split()[1])
