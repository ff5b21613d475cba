"""/health/ (django-health-check) and /metrics (Prometheus): what an operations team scrapes and alerts on."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import ClassifiedTicketFactory, EventFactory, PredictionFactory, TicketFactory, queue
from tickets.models import Delivery, Message, Ticket

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)  # the health checks run in threads: they must see the rows


@pytest.fixture(autouse=True)
def seeded(transactional_db):
    """A transactional test starts from an emptied database: the default queues, intents and topics again."""
    from tickets.services import desk_seed

    desk_seed()


def _health(client):
    response = client.get("/health/?format=json")
    return response.status_code, response.json()


def test_health_is_200_when_everything_answers(client):
    status, body = _health(client)
    assert status == 200, body
    assert set(body.values()) == {"OK"}
    assert {name.split("(")[0] for name in body} == {"Database", "Cache", "Storage", "Broker", "Classifier"}


def test_health_is_503_when_tickets_wait_for_the_classifier_too_long(client, settings):
    settings.SUPPORTDESK_HEALTH_CLASSIFY_STALE_SECONDS = 600
    stuck = TicketFactory()  # pending
    Ticket.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    status, body = _health(client)
    assert status == 503
    assert "waited for the classifier" in body["Classifier()"] and body["Database(alias='default')"] == "OK"


def test_health_is_503_when_the_classifier_cannot_be_imported(client, settings):
    settings.SUPPORTDESK_TICKET_CLASSIFIER = "tickets.no_such_module.classifier"
    status, body = _health(client)
    assert status == 503 and body["Classifier()"] != "OK"


def test_health_is_503_when_the_redis_broker_is_down(client, settings, monkeypatch):
    from django_q.conf import Conf

    settings.SUPPORTDESK_Q_BROKER = "redis"
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    # django-q2 reads its configuration once, at import: point its broker at a port nothing listens on.
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", "redis://127.0.0.1:1/0")
    status, body = _health(client)
    assert status == 503 and "broker does not answer" in body["Broker()"]


def test_health_is_503_when_no_qcluster_reports_to_redis(client, settings, monkeypatch):
    from django_q.conf import Conf

    redis_url = os.environ.get("SUPPORTDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis unreachable: {exc}")
    settings.SUPPORTDESK_Q_BROKER = "redis"
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", redis_url)
    monkeypatch.setattr(Conf, "Q_STAT", f"django_q:health-test-{os.getpid()}:cluster")  # no cluster reports under this name
    status, body = _health(client)
    assert status == 503 and body["Broker()"].endswith("no qcluster is running")


def _metrics(client, **headers):
    return client.get("/metrics", REMOTE_ADDR=headers.pop("REMOTE_ADDR", "127.0.0.1"), **headers)


def test_metrics_expose_the_desk_figures(client):
    for _ in range(3):
        ClassifiedTicketFactory()  # new tickets in "payment"
    ClassifiedTicketFactory(queue=queue("course"), status=Ticket.Status.CLOSED)
    TicketFactory()  # waiting for the classifier
    PredictionFactory(timings={"total_task": 1.5})
    PredictionFactory(timings={"total_task": 40.0})
    answered = ClassifiedTicketFactory(queue=queue("course"), status=Ticket.Status.RESOLVED)
    EventFactory(ticket=answered, kind="auto_answer", new_value="pay-card")
    message = Message.objects.create(ticket=answered, author_kind=Message.Author.BOT, body="ответ")
    Delivery.objects.create(ticket=answered, message=message, channel="telegram", address="42", kind="auto_answer",
                            status="failed", next_attempt_at=timezone.now())
    response = _metrics(client)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'supportdesk_queue_open_tickets{queue="payment"} 5.0' in text  # 3 + the 2 of the predictions
    assert 'supportdesk_queue_open_tickets{queue="course"} 0.0' in text
    assert "supportdesk_classification_pending_tickets 1.0" in text
    assert 'supportdesk_classification_latency_seconds_bucket{le="2.0"} 1.0' in text
    assert 'supportdesk_classification_latency_seconds_bucket{le="+Inf"} 2.0' in text
    assert 'supportdesk_outbox_failed_sends{channel="telegram",outbox="student"} 1.0' in text
    ratio = next(line for line in text.splitlines() if line.startswith("supportdesk_auto_answer_ratio "))
    assert float(ratio.split()[1]) == pytest.approx(1 / Ticket.objects.count())
    assert "django_http_requests_total_by_method_total" in text  # django-prometheus's own


def test_metrics_are_refused_from_elsewhere_without_the_token(client, settings):
    assert _metrics(client, REMOTE_ADDR="203.0.113.9").status_code == 403
    settings.SUPPORTDESK_METRICS_TOKEN = "s3cret-token"
    assert _metrics(client).status_code == 403  # with a token set, even the machine itself must send it
    assert _metrics(client, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert _metrics(client, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


def test_json_logs_are_one_object_a_line():
    """DJANGO_LOG_FORMAT=json: a log collector reads each line as JSON with the level, logger and message."""
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('tickets.test').warning('queue %s is deep', 'payment', extra={'queue': 'payment'})"
    )
    env = {"DJANGO_SETTINGS_MODULE": "supportdesk.settings.test", "DJANGO_LOG_FORMAT": "json", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert line["levelname"] == "WARNING" and line["name"] == "tickets.test"
    assert line["message"] == "queue payment is deep" and line["queue"] == "payment"


def test_plain_logs_stay_the_default(caplog):
    from django.conf import settings

    assert settings.LOGGING["handlers"]["console"]["formatter"] == "plain"
    logging.getLogger("tickets.test").info("plain")
