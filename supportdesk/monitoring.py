"""Observable in production (issue 13): the health endpoint and the Prometheus metrics.

``/health/`` (django-health-check): the database, the cache, the file storage (screenshots), the task broker and
its qcluster, and the classifier (its factory imports, Tesseract is installed, and no ticket has waited for the
classifier longer than ``SUPPORTDESK_HEALTH_CLASSIFY_STALE_SECONDS``: the workers have their models loaded and
keep up). 200 when every check passes, 503 otherwise; ``?format=json`` or ``Accept: application/json`` for
machines. It shows check names and errors, nothing secret, so load balancers may call it without credentials.

``/metrics`` (Prometheus text format): django-prometheus's request/response metrics of this process plus the
desk's own, read from the database on each scrape (``tickets.selectors.monitoring``; bounded, indexed reads), so
they describe every web and worker process alike:

* ``supportdesk_queue_open_tickets{queue}``, ``supportdesk_queue_new_tickets{queue}`` — queue depth
* ``supportdesk_classification_pending_tickets`` — the classifier's backlog
* ``supportdesk_classification_latency_seconds`` — a gauge histogram of the last hour's task times
* ``supportdesk_classification_failed_recent`` — failed predictions of the last hour
* ``supportdesk_auto_answer_ratio`` — automatic FAQ answers per new ticket, last 24 h
* ``supportdesk_outbox_failed_sends{outbox,channel}`` — sends to students (``student``: e-mail, Telegram) and
  operators (``operator``: e-mail, the team chat's sink) that failed for good

Access: with ``SUPPORTDESK_METRICS_TOKEN`` set, only ``Authorization: Bearer <token>``; without it, only
requests from the machine itself (127.0.0.1, ::1) — the metrics name queues and volumes.
"""
from __future__ import annotations

import dataclasses
import secrets
import shutil
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from tickets.selectors.monitoring import classification_backlog, desk_figures

LATENCY_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0)
REAL_CLASSIFIER = "tickets.classification.desk_ticket_classifier"


# --- health ------------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Broker(HealthCheck):
    """django-q2's broker answers (Redis or the ORM), and with Redis a qcluster has reported in."""

    def run(self) -> None:
        from django_q.brokers import get_broker
        from django_q.status import Stat

        broker = get_broker()
        try:
            if not broker.ping():
                raise ServiceUnavailable("the task broker does not answer")
        except ServiceUnavailable:
            raise
        except Exception as exc:  # a connection error of whichever broker
            raise ServiceUnavailable(f"the task broker does not answer ({type(exc).__name__})") from exc
        # Clusters report into Redis every few seconds; the ORM broker keeps no such record to read.
        if settings.SUPPORTDESK_Q_BROKER == "redis" and not settings.Q_CLUSTER.get("sync") and not Stat.get_all(broker):
            raise ServiceUnavailable("no qcluster is running")


@dataclasses.dataclass
class Classifier(HealthCheck):
    """The classifier can run and runs: its factory imports, Tesseract is there, and nothing waits for it too long."""

    def run(self) -> None:
        try:
            import_string(settings.SUPPORTDESK_TICKET_CLASSIFIER)
        except ImportError as exc:
            raise ServiceUnavailable("the ticket classifier cannot be imported") from exc
        if settings.SUPPORTDESK_TICKET_CLASSIFIER == REAL_CLASSIFIER and not shutil.which(settings.SUPPORTDESK_TESSERACT_CMD or "tesseract"):
            raise ServiceUnavailable("Tesseract is not installed")
        stale = classification_backlog(older_than=timedelta(seconds=settings.SUPPORTDESK_HEALTH_CLASSIFY_STALE_SECONDS))
        if stale:
            raise ServiceUnavailable(f"{stale} ticket(s) waited for the classifier longer than {settings.SUPPORTDESK_HEALTH_CLASSIFY_STALE_SECONDS} s")


class DeskHealthView(HealthCheckView):
    checks = (
        "health_check.checks.Database",
        "health_check.checks.Cache",
        "health_check.checks.Storage",
        Broker,
        Classifier,
    )

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503  # a dependency is down: "unavailable", what load balancers act on
        return response


# --- metrics -----------------------------------------------------------------------------------------------
class DeskCollector:
    """The desk's own metrics, read on each scrape."""

    def describe(self):
        # Without describe() the registry calls collect() when registering: a database read at import, before
        # migrations may have run (manage.py migrate on a fresh database failed so).
        return []

    def collect(self):
        figures = desk_figures()
        depth = GaugeMetricFamily("supportdesk_queue_open_tickets", "Open tickets (new, open, waiting) per queue.", labels=["queue"])
        new = GaugeMetricFamily("supportdesk_queue_new_tickets", "New tickets per queue.", labels=["queue"])
        for queue, n in figures.open_by_queue.items():
            depth.add_metric([queue], n)
            new.add_metric([queue], figures.new_by_queue.get(queue, 0))
        yield depth
        yield new
        yield GaugeMetricFamily("supportdesk_classification_pending_tickets", "Tickets waiting for the classifier.",
                                value=figures.classification_pending)
        buckets, total = [], 0
        for bound in LATENCY_BUCKETS:
            buckets.append((str(bound), sum(1 for s in figures.classification_seconds if s <= bound)))
        buckets.append(("+Inf", len(figures.classification_seconds)))
        total = sum(figures.classification_seconds)
        yield GaugeHistogramMetricFamily(
            "supportdesk_classification_latency_seconds", "Classification task time of the last hour's predictions.",
            buckets=buckets, gsum_value=total,
        )
        yield GaugeMetricFamily("supportdesk_classification_failed_recent", "Failed predictions of the last hour.",
                                value=figures.classification_failed)
        ratio = figures.auto_answers_window / figures.tickets_window if figures.tickets_window else 0.0
        yield GaugeMetricFamily("supportdesk_auto_answer_ratio", "Automatic FAQ answers per new ticket over the last 24 h.", value=ratio)
        failed = GaugeMetricFamily("supportdesk_outbox_failed_sends", "Sends that failed for good, per outbox and channel.",
                                   labels=["outbox", "channel"])
        for (outbox, channel), n in sorted(figures.failed_sends.items()):
            failed.add_metric([outbox, channel], n)
        yield failed


_collector = DeskCollector()
REGISTRY.register(_collector)

LOCAL_ADDRESSES = {"127.0.0.1", "::1"}


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.SUPPORTDESK_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return secrets.compare_digest(given.encode(), token.encode())
    return request.META.get("REMOTE_ADDR") in LOCAL_ADDRESSES


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse("Forbidden: set SUPPORTDESK_METRICS_TOKEN and send it as a Bearer token.\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
