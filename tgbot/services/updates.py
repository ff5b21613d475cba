"""Updates in: recorded once by ``update_id``, then handled by the chat they come from.

``update_receive`` is what the polling process and the webhook view call for every update (a Bot API JSON
dict). It records the update in the same transaction as everything it causes (a command's answer, a group
reply, a button's effect), so a redelivered update — webhook retry, a second bot process, a restart — hits
the unique ``update_id`` and changes nothing. A private message that is not a command is recorded as
*pending*: ``pending_flush`` turns a student's pending messages into one request (or one reply) once they have
been quiet for SUPPORTDESK_TELEGRAM_GATHER_SECONDS, so an album or "text, then the screenshot" is one request
classified with everything in it.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ..models import TelegramUpdate
from .callbacks import callback_handle
from .group import group_member_update, group_message
from .private import account_flush, private_message
from .records import DuplicateUpdate, update_record

logger = logging.getLogger(__name__)


def update_receive(data: dict) -> str:
    """Handle one Bot API update exactly once; returns what happened (for logs and tests)."""
    update_id = int(data["update_id"])
    if TelegramUpdate.objects.filter(update_id=update_id).exists():
        return "duplicate"
    try:
        if "callback_query" in data:
            return callback_handle(update_id, data["callback_query"])
        if "my_chat_member" in data:
            return group_member_update(update_id, data["my_chat_member"])
        message = data.get("message")
        chat_type = ((message or {}).get("chat") or {}).get("type")
        if message and (message.get("from") or {}).get("is_bot"):
            chat_type = "bot"
        if chat_type == "private":
            return private_message(update_id, message)
        if chat_type in ("group", "supergroup"):
            return group_message(update_id, message)
        with transaction.atomic():
            update_record(update_id, "other", status=TelegramUpdate.Status.IGNORED, payload=data)
        return "ignored"
    except DuplicateUpdate:
        return "duplicate"


def pending_flush(*, now: datetime | None = None, gather_seconds: int | None = None) -> int:
    """Turn the pending messages of every student quiet for the gather window into requests; returns how many
    students' messages were handled. Safe to run in several processes: each batch is claimed in its transaction."""
    now = now or timezone.now()
    gather = settings.SUPPORTDESK_TELEGRAM_GATHER_SECONDS if gather_seconds is None else gather_seconds
    ready = list(
        TelegramUpdate.objects.filter(status=TelegramUpdate.Status.PENDING, account__isnull=False)
        .values("account_id").annotate(last=Max("received_at"))
        .filter(last__lte=now - timedelta(seconds=gather)).order_by("last").values_list("account_id", flat=True)
    )
    done = 0
    for account_id in ready:
        try:
            done += account_flush(account_id)
        except Exception:  # one student's failure must not hold up the others; the rows stay pending
            logger.exception("Telegram: the pending messages of account #%s were not handled", account_id)
    return done
