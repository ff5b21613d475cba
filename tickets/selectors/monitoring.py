"""What the health check and the Prometheus metrics read (supportdesk.monitoring): a handful of indexed counts.

Every read here is bounded by the open work or a time window, never by the history, so a scrape every 15 s costs
the same at a million tickets: open tickets per queue (partial index ``ticket_open_by_queue``), tickets waiting
for the classifier (``ticket_classification_pending``), failed sends (``delivery_failed``,
``operator_delivery_failed``), and the last hour's predictions / the last day's tickets and automatic answers
(indexes on ``created_at`` and ``(kind, created_at)``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, FilteredRelation, Q
from django.utils import timezone

from ..models import Delivery, OperatorDelivery, Prediction, Queue, Ticket, TicketEvent

LATENCY_WINDOW = timedelta(hours=1)
LATENCY_ROWS = 5_000  # at most this many predictions of the window are read (~0.5 MB)
RATE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class DeskFigures:
    open_by_queue: dict[str, int]
    new_by_queue: dict[str, int]
    classification_pending: int
    classification_seconds: list[float]  # total task time of the predictions of the last hour
    classification_failed: int  # predictions of the last hour that failed
    tickets_window: int  # tickets created in the last 24 h
    auto_answers_window: int  # automatic answers (FAQ) in the last 24 h
    failed_sends: dict[tuple[str, str], int]  # (outbox, channel) → rows failed for good


def queue_depths() -> tuple[dict[str, int], dict[str, int]]:
    """Open and new tickets of every queue (the same join on the partial index as the dashboard)."""
    rows = Queue.objects.annotate(
        open_tickets=FilteredRelation("tickets", condition=Q(tickets__status__in=Ticket.OPEN_STATUSES)),
    ).annotate(
        open_count=Count("open_tickets"), new_count=Count("open_tickets", filter=Q(open_tickets__status=Ticket.Status.NEW)),
    ).values_list("slug", "open_count", "new_count")
    return {slug: n for slug, n, _new in rows}, {slug: new for slug, _n, new in rows}


def classification_backlog(older_than: timedelta | None = None) -> int:
    """Tickets waiting for the classifier (created more than ``older_than`` ago, when given)."""
    pending = Ticket.objects.filter(classification_state=Ticket.ClassificationState.PENDING)
    if older_than is not None:
        pending = pending.filter(created_at__lt=timezone.now() - older_than)
    return pending.count()


def desk_figures() -> DeskFigures:
    now = timezone.now()
    open_by_queue, new_by_queue = queue_depths()
    recent = Prediction.objects.filter(created_at__gte=now - LATENCY_WINDOW).order_by("-created_at")[:LATENCY_ROWS]
    seconds, failed = [], 0
    for timings, error in recent.values_list("timings", "error"):
        if error:
            failed += 1
        total = (timings or {}).get("total_task")
        if isinstance(total, (int, float)):
            seconds.append(float(total))
    failed_sends = {("student", channel): n for channel, n in _failed(Delivery.objects, "channel")}
    failed_sends.update({("operator", sink): n for sink, n in _failed(OperatorDelivery.objects, "sink")})
    return DeskFigures(
        open_by_queue=open_by_queue,
        new_by_queue=new_by_queue,
        classification_pending=classification_backlog(),
        classification_seconds=seconds,
        classification_failed=failed,
        tickets_window=Ticket.objects.filter(created_at__gte=now - RATE_WINDOW).count(),
        auto_answers_window=TicketEvent.objects.filter(kind=TicketEvent.Kind.AUTO_ANSWER, created_at__gte=now - RATE_WINDOW)
        .exclude(new_value="offtopic").count(),
        failed_sends=failed_sends,
    )


def _failed(manager, channel_field: str):
    return manager.filter(status="failed").order_by().values_list(channel_field).annotate(n=Count("id"))
