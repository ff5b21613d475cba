"""Recording updates: the unique update_id every handler writes first, in its own transaction."""
from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from ..models import TelegramGroup, TelegramUpdate


class DuplicateUpdate(Exception):
    """This update_id was recorded before: whatever it asked for has been done."""


def update_record(update_id: int, kind: str, **fields) -> TelegramUpdate:
    """Record an update inside the caller's transaction; DuplicateUpdate when it was seen already."""
    try:
        with transaction.atomic():
            return TelegramUpdate.objects.create(update_id=update_id, kind=kind, **fields)
    except IntegrityError as exc:
        raise DuplicateUpdate(str(update_id)) from exc


def group_allowed(chat_id: int) -> bool:
    """Allowed by SUPPORTDESK_TELEGRAM_GROUPS or in the admin (TelegramGroup.is_allowed)."""
    if str(chat_id) in {str(value) for value in settings.SUPPORTDESK_TELEGRAM_GROUPS}:
        return True
    return TelegramGroup.objects.filter(chat_id=chat_id, is_allowed=True).exists()
