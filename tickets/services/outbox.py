"""Sending outbox rows (models.OutboxItem): claimed with a lease, sent outside any transaction, retried with backoff.

Shared by the messages to students (services.notify: Delivery) and the notifications to operators
(services.operator_notify: OperatorDelivery). A row is written in the transaction of what it announces and sent by
a task queued on commit; a sweep re-queues rows whose time has come (retries, lost tasks, expired leases).
A failure is retried after SUPPORTDESK_NOTIFY_RETRY_SECONDS × 2^(attempt-1) (capped at an hour) up to
SUPPORTDESK_NOTIFY_MAX_ATTEMPTS, then marked failed for people to see (the ticket page, the admin).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import OutboxItem

logger = logging.getLogger(__name__)

Row = TypeVar("Row", bound=OutboxItem)

# A new row the on-commit task has not claimed after this long is taken to be lost and is swept.
LOST_TASK_GRACE = timedelta(minutes=2)
RETRY_CAP = timedelta(hours=1)
LAST_ERROR_MAX_CHARS = 2000


def lease() -> timedelta:
    # Longer than django-q2 lets a task run, so a live sender never loses its row to the sweep.
    return timedelta(seconds=int(settings.Q_CLUSTER.get("timeout") or 120) + 60)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the ``attempts``-th failure: base, 2×base, 4×base, … at most an hour."""
    base = timedelta(seconds=settings.SUPPORTDESK_NOTIFY_RETRY_SECONDS)
    return min(base * (2 ** max(attempts - 1, 0)), RETRY_CAP)


def outbox_claim(model: type[Row], row_id: int, now: datetime) -> Row | None:
    """Take the row for one attempt (committed before sending), or None when it is not this task's to send."""
    with transaction.atomic():
        row = model.objects.select_for_update().filter(pk=row_id).first()
        if row is None or row.is_done:
            return None
        fresh = row.status == OutboxItem.Status.PENDING and row.attempts == 0
        if not fresh and row.next_attempt_at > now:
            return None  # a retry not due yet, or another worker holds the lease
        row.status = OutboxItem.Status.SENDING
        row.attempts += 1
        row.next_attempt_at = now + lease()
        row.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
    return row


def outbox_finish(row: OutboxItem, *, error: str = "", permanent: bool = False) -> str:
    """Record one attempt's outcome, unless the lease ran out and another worker took the row meanwhile."""
    now = timezone.now()
    if not error:
        changes = {"status": OutboxItem.Status.SENT, "sent_at": now}
        outcome = "sent"
    elif permanent or row.attempts >= settings.SUPPORTDESK_NOTIFY_MAX_ATTEMPTS:
        changes = {"status": OutboxItem.Status.FAILED, "last_error": error[:LAST_ERROR_MAX_CHARS]}
        outcome = "failed"
    else:
        changes = {
            "status": OutboxItem.Status.PENDING, "last_error": error[:LAST_ERROR_MAX_CHARS],
            "next_attempt_at": now + retry_delay(row.attempts),
        }
        outcome = "retry"
    type(row).objects.filter(pk=row.pk, status=OutboxItem.Status.SENDING, attempts=row.attempts).update(**changes, updated_at=now)
    return outcome


def outbox_send(model: type[Row], row_id: int, send: Callable[[Row], None], *, now: datetime | None = None) -> str:
    """Send one row if it is due: "sent", "retry" (failed, tried again later), "failed" or "skipped".

    ``send(row)`` raises on failure; an exception with ``permanent=True`` (channels.DeliveryFailed) is not retried.
    """
    row = outbox_claim(model, row_id, now or timezone.now())
    if row is None:
        return "skipped"
    try:
        send(row)
    except Exception as exc:  # every failure is recorded on the row; none may lose the message
        logger.warning("%s #%s (attempt %s) failed: %s: %s", model.__name__, row.pk, row.attempts, type(exc).__name__, exc)
        return outbox_finish(row, error=f"{type(exc).__name__}: {exc}", permanent=getattr(exc, "permanent", False))
    return outbox_finish(row)


def outbox_due(model: type[OutboxItem], *, now: datetime | None = None) -> list[int]:
    """Rows whose (re)try is due: failed attempts past their backoff, lost tasks, expired leases."""
    return list(
        model.objects.filter(status__in=[OutboxItem.Status.PENDING, OutboxItem.Status.SENDING], next_attempt_at__lte=now or timezone.now())
        .order_by("next_attempt_at").values_list("pk", flat=True)
    )


def outbox_retry(model: type[OutboxItem], row_id: int, enqueue_now: Callable[[list[int]], None]) -> bool:
    """A person asks for one more attempt now (a failed row, or a pending one not to wait for its backoff)."""
    with transaction.atomic():
        now = timezone.now()
        updated = model.objects.filter(pk=row_id, status__in=[OutboxItem.Status.PENDING, OutboxItem.Status.FAILED]).update(
            status=OutboxItem.Status.PENDING, next_attempt_at=now, updated_at=now,
        )
        if updated:
            transaction.on_commit(lambda: enqueue_now([row_id]))
    return bool(updated)
