"""django-q2 tasks of the Telegram channel: take ids, call one service, safe to run twice."""
from __future__ import annotations

import time

from django.conf import settings

from . import services


def outgoing_send_task(row_id: int) -> str:
    """Send one of the bot's own messages (queued on commit by services.outgoing_queue)."""
    return services.outgoing_send(row_id)


def outgoing_sweep_task() -> str:
    """Scheduled every minute (django-q2 Schedule "telegram-outgoing"): retries and lost sends; pending messages
    nobody flushed (webhook mode without a bot process) become requests."""
    return f"queued: {services.outgoing_due_enqueue()}, flushed: {services.pending_flush()}"


def pending_flush_task(_update_id: int) -> str:
    """Webhook mode: wait out the gather window, then turn the student's pending messages into a request."""
    time.sleep(max(settings.SUPPORTDESK_TELEGRAM_GATHER_SECONDS, 0))
    return f"flushed: {services.pending_flush()}"
