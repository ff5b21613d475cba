"""Real outages, not mocks: PostgreSQL unreachable during submit, the Redis broker unreachable after commit.

Subprocesses with environment variables only (like test_postgres_redis.py): a dead port stands for the
service being down; the live PostgreSQL/Redis stand for it coming back. Skips when they are unreachable.
"""
from __future__ import annotations

import pytest

from tests.tickets.test_postgres_redis import _manage, pg_redis_env  # noqa: F401 (fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

DEAD_REDIS = "redis://127.0.0.1:1/0"
DEAD_POSTGRES = "postgres://postgres@127.0.0.1:1/nowhere"

SUBMIT = """
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
web = client.post("/support/new/", {"name": "Ann", "email": "ann@example.org", "description": "Не проходит оплата картой"})
api = client.post("/api/tickets/", {"name": "Ann", "email": "ann@example.org", "description": "оплата"})
print("WEB", web.status_code, web.get("Retry-After"), web.get("Location"))
print("API", api.status_code, api.get("Retry-After"), api.content.decode())
print("BODY", web.content.decode() if web.status_code != 302 else "")
"""

COUNT = """
from tickets.models import Ticket
print("TICKETS", Ticket.objects.count(), sorted(set(Ticket.objects.values_list("classification_state", flat=True))))
"""

# Leave nothing behind in the shared Redis (the lists are named after this test's database). Classification has a
# queue of its own (settings.SUPPORTDESK_Q_CLASSIFY_CLUSTER); everything else is on the main cluster's.
_QUEUES = """
from django.conf import settings
from django_q.brokers import get_broker
queues = [get_broker(), get_broker(settings.SUPPORTDESK_Q_CLASSIFY_CLUSTER)]
"""
PURGE = _QUEUES + "for queue in queues: queue.purge_queue()"

QUEUE_LENGTH = _QUEUES + 'print("QUEUED", sum(queue.queue_size() for queue in queues))'



def test_postgres_down_during_submit_gives_503_and_try_again(pg_redis_env):  # noqa: F811
    env, _db = pg_redis_env
    _manage(env, "migrate", "--noinput", timeout=240)
    out = _manage({**env, "DATABASE_URL": DEAD_POSTGRES}, "shell", "-c", SUBMIT)
    assert "WEB 503 60" in out and "API 503 60" in out, out
    assert "Сервис временно недоступен" in out and "Не проходит оплата картой" in out  # text kept in the form
    # The database is back: nothing was half-saved, and the next submission works.
    assert "TICKETS 0 []" in _manage(env, "shell", "-c", COUNT)
    try:
        out = _manage(env, "shell", "-c", SUBMIT)
        assert "WEB 302" in out and "API 201" in out, out
    finally:
        _manage(env, "shell", "-c", PURGE)


def test_redis_down_after_commit_keeps_the_ticket_and_the_sweep_requeues_it(pg_redis_env):  # noqa: F811
    env, _db = pg_redis_env
    _manage(env, "migrate", "--noinput", timeout=240)
    out = _manage({**env, "REDIS_URL": DEAD_REDIS}, "shell", "-c", SUBMIT)
    assert "WEB 302" in out and "API 201" in out, out  # the students are not bothered with the broker
    assert "TICKETS 2 ['pending']" in _manage(env, "shell", "-c", COUNT)
    assert "QUEUED 0" in _manage(env, "shell", "-c", QUEUE_LENGTH)
    # Redis is back: the sweep (what the "classify-pending" schedule runs) puts both into the broker.
    assert "queued: 2" in _manage(env, "classify_pending", "--older-than", "0")
    try:
        assert "QUEUED 2" in _manage(env, "shell", "-c", QUEUE_LENGTH)
    finally:
        _manage(env, "shell", "-c", PURGE)
