"""django-q2 tasks: thin wrappers that take ids and call services.

Enqueued with transaction.on_commit (see services.routing.ticket_enqueue_classification). Safe to run
twice: each service skips work that is already done.
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


def answer_message_task(message_id: int) -> str:
    """The FAQ layer for one student message (enqueued on commit by ticket_create / ticket_student_reply).

    Safe to run twice: the service keeps one analysis per message and skips an analysed one.
    """
    analysis = services.message_answer(message_id)
    return "skipped" if analysis is None else analysis.decision


def auto_answers_escalate_task() -> str:
    """Scheduled every 15 minutes (django-q2 Schedule "auto-answer-escalate", migration 0006): hand stale
    automatic answers to operators, and re-queue student messages whose FAQ task was lost."""
    escalated = services.auto_answers_escalate_stale()
    return f"escalated: {escalated}, re-queued: {services.message_answer_sweep()}"


def deliver_task(delivery_id: int) -> str:
    """Send one message to a student on one channel (enqueued on commit by services.notify). Safe to run twice."""
    return services.delivery_send(delivery_id)


def deliveries_sweep_task() -> str:
    """Scheduled every minute (django-q2 Schedule "deliver-notifications"): queue retries and lost deliveries."""
    return f"queued: {services.deliveries_sweep()}"


def operator_deliver_task(delivery_id: int) -> str:
    """Send one notification to an operator on one sink (enqueued on commit by services.operator_notify)."""
    return services.operator_delivery_send(delivery_id)


def operator_deliveries_sweep_task() -> str:
    """Scheduled every minute (django-q2 Schedule "operator-notifications"): queue retries and lost deliveries."""
    return f"queued: {services.operator_deliveries_sweep()}"


def operators_sweep_task() -> str:
    """Scheduled every 5 minutes (django-q2 Schedule "operators-sweep"): warn before SLA targets are missed, and
    assign waiting tickets of auto-assigning queues to operators on duty."""
    return f"warned: {services.sla_warnings_sweep()}, assigned: {services.auto_assign_backlog()}"


def uploads_sweep_task() -> str:
    """Scheduled every hour (django-q2 Schedule "uploads-sweep", migration 0015): delete screenshot files a killed
    process left without a row, and idempotency keys past their 24 hours."""
    files, keys = services.uploads_sweep()
    return f"orphaned files: {files}, expired keys: {keys}"
