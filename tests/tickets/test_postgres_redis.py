"""The production-like path: PostgreSQL + the Redis broker + a real `manage.py qcluster` process.

Runs in subprocesses with the environment variables alone (DATABASE_URL, SUPPORTDESK_Q_BROKER=redis,
REDIS_URL), in a database of its own. Skips only when PostgreSQL or Redis is unreachable.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.postgres import postgres_redis_environment
from tests.processes import stop_process_group

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_redis_env(tmp_path):
    with postgres_redis_environment(
        tmp_path / "media", "supportdesk_it",
        SUPPORTDESK_Q_WORKERS="1", SUPPORTDESK_TICKET_CLASSIFIER="tests.fakes.fake_ticket_classifier",
    ) as environment:
        yield environment


def _manage(env, *args, timeout=120) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


CREATE_TICKET = """
from tests.factories import upload
from tickets.services import ticket_create
from tickets.uploads import clean_screenshots
from django.conf import settings
assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
assert settings.Q_CLUSTER["redis"] and not settings.Q_CLUSTER["sync"]
ticket = ticket_create(name="Ann", email="ann@example.org", description="Не проходит оплата картой",
                       screenshots=clean_screenshots([upload()]))
print("TICKET", ticket.pk)
"""

READ_STATE = """
from tickets.models import Ticket
t = Ticket.objects.select_related("queue").get(pk={pk})
print("STATE", t.classification_state, t.queue.slug, t.label, t.predictions.count(), t.events.filter(kind="predicted").count())
"""


def test_create_task_route_on_postgres_with_redis_broker(pg_redis_env):
    env, _db_name = pg_redis_env
    _manage(env, "migrate", "--noinput")
    out = _manage(env, "shell", "-c", CREATE_TICKET)
    ticket_id = int(out.split("TICKET", 1)[1].split()[0])

    # Nothing classified it yet: the task waits in Redis for a worker.
    assert "STATE pending triage" in _manage(env, "shell", "-c", READ_STATE.format(pk=ticket_id))

    clusters = _start_clusters(env)
    try:
        deadline = time.monotonic() + 90
        state = ""
        while time.monotonic() < deadline:
            state = _manage(env, "shell", "-c", READ_STATE.format(pk=ticket_id))
            if "STATE pending" not in state:
                break
            time.sleep(1.5)
    finally:
        for cluster in clusters:
            stop_process_group(cluster)

    assert "STATE done payment payment-problem 1 1" in state, (state, [c.stderr.read()[-3000:] for c in clusters if c.stderr])


def _start_clusters(env, count_of_classifiers: int = 1) -> list[subprocess.Popen]:
    """The main cluster (mail, deliveries, FAQ answers, schedules) and the classification cluster(s), on one Redis."""
    # django-q2 reads Q_CLUSTER_NAME when it is imported, before `qcluster --name` could set it: the variable it is.
    names = [""] + [env["SUPPORTDESK_Q_CLASSIFY_NAME"]] * count_of_classifiers
    return [
        subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env={**env, "Q_CLUSTER_NAME": name},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        for name in names
    ]


CREATE_TICKETS = """
from tickets.services import ticket_create
for i in range({count}):
    ticket_create(name="Ann", email=f"ann{{i}}@example.org", description="Не проходит оплата картой")
print("CREATED")
"""

COUNT_CLASSIFIED = """
from django.db.models import Count
from django_q.models import OrmQ
from tickets.models import Ticket, TicketEvent
tickets = Ticket.objects.annotate(p=Count("predictions", distinct=True))
predicted = TicketEvent.objects.filter(kind="predicted").values("ticket").annotate(n=Count("id"))
print("PENDING", tickets.filter(classification_state="pending").count(),
      "DONE", tickets.filter(classification_state="done").count(),
      "MAXPRED", max([t.p for t in tickets] or [0]),
      "MAXEVENTS", max([row["n"] for row in predicted] or [0]))
"""


def test_two_clusters_on_one_redis_classify_each_ticket_once(pg_redis_env):
    """Classification on its own cluster (two of them here, competing for its queue), everything else on the main
    one: every ticket is classified exactly once (issue 13)."""
    env, _db_name = pg_redis_env
    env = {**env, "SUPPORTDESK_Q_CLASSIFY_WORKERS": "1"}
    _manage(env, "migrate", "--noinput")
    count = 16
    clusters = _start_clusters(env, count_of_classifiers=2)
    try:
        assert "CREATED" in _manage(env, "shell", "-c", CREATE_TICKETS.format(count=count))
        deadline = time.monotonic() + 150
        state = ""
        while time.monotonic() < deadline:
            state = _manage(env, "shell", "-c", COUNT_CLASSIFIED)
            if f"DONE {count} " in state:
                break
            time.sleep(2)
    finally:
        for cluster in clusters:
            stop_process_group(cluster)
    assert f"PENDING 0 DONE {count} MAXPRED 1 MAXEVENTS 1" in state, (state, [c.stderr.read()[-2000:] for c in clusters if c.stderr])
