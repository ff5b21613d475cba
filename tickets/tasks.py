"""django-q2 tasks: thin wrappers that take ids and call services.

Enqueued with transaction.on_commit (see services.ticket_enqueue_classification). Safe to run twice:
the service skips a ticket that is no longer pending.
"""
from __future__ import annotations

from . import services


def classify_ticket_task(ticket_id: int) -> str:
    prediction = services.ticket_classify(ticket_id=ticket_id)
    if prediction is None:
        return "skipped"
    return "failed" if prediction.error else (prediction.label or "unsure")


def classify_pending_task() -> str:
    """Scheduled every few minutes (django-q2 Schedule "classify-pending"): re-queue stuck pending tickets."""
    return f"queued: {services.classify_pending_sweep()}"
