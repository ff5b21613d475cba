"""The bot's own chat messages (answers to commands and buttons, group replies, refused files) through an outbox.

Written in the transaction that decided to send them, keyed by why they are sent (``key`` is unique: a
redelivered update finds its message already queued), sent after commit by a task and retried with the desk's
backoff (tickets.services.outbox) — Telegram being down delays them, never loses them.
"""
from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tickets.services.enqueue import task_enqueue
from tickets.services.outbox import LOST_TASK_GRACE, outbox_due, outbox_send

from .. import api
from ..models import TelegramOutgoing

SEND_TASK = "tgbot.tasks.outgoing_send_task"


def outgoing_queue(*, key: str, chat_id: int, text: str, buttons: list | None = None,
                   reply_to_message_id: int | None = None) -> TelegramOutgoing | None:
    """Queue one message (inside the caller's transaction); None when a message with this key exists already."""
    row, created = TelegramOutgoing.objects.get_or_create(
        key=key[:120],
        defaults={"chat_id": chat_id, "text": text, "buttons": buttons or [], "reply_to_message_id": reply_to_message_id,
                  "next_attempt_at": timezone.now() + LOST_TASK_GRACE},
    )
    if not created:
        return None
    row_id = row.pk
    transaction.on_commit(lambda: task_enqueue(SEND_TASK, row_id, task_name=f"telegram-outgoing-{row_id}"))
    return row


def _send(row: TelegramOutgoing) -> None:
    api.message_send(row.chat_id, row.text, buttons=row.buttons, reply_to_message_id=row.reply_to_message_id)


def outgoing_send(row_id: int, *, now: datetime | None = None) -> str:
    """Send one queued message if due: "sent", "retry", "failed" or "skipped" (services.outbox)."""
    return outbox_send(TelegramOutgoing, row_id, _send, now=now)


def outgoing_due_enqueue(*, now: datetime | None = None) -> int:
    """Queue every message whose (re)try is due (schedule "telegram-outgoing", every minute)."""
    due = outbox_due(TelegramOutgoing, now=now)
    for row_id in due:
        task_enqueue(SEND_TASK, row_id, task_name=f"telegram-outgoing-{row_id}")
    return len(due)
