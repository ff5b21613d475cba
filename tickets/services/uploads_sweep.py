"""Screenshot files nobody points at are deleted (issue 8).

``ticket_create`` and ``ticket_student_reply`` write a screenshot's file and thumbnail before their transaction
commits, and delete them when it rolls back; a process killed in between (a deploy, the OOM killer) leaves files
with no ``Attachment`` row. The django-q2 schedule "uploads-sweep" (every ``SWEEP_MINUTES``, migration 0015) deletes
files under ``attachments/`` older than ``ORPHAN_GRACE`` that no row names; the grace keeps a file whose transaction
is still running (a request takes well under a minute). It also drops idempotency keys past their 24 h.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Iterator

from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone

from ..models import Attachment
from .idempotency import idempotency_keys_purge

logger = logging.getLogger(__name__)

UPLOADS_DIR = "attachments"
ORPHAN_GRACE = timedelta(hours=1)
SWEEP_MINUTES = 60
_QUERY_CHUNK = 500  # names per "which of these does a row name" query


def _files(directory: str) -> Iterator[str]:
    try:
        folders, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{directory}/{name}"
    for folder in folders:
        yield from _files(f"{directory}/{folder}")


def _referenced(names: list[str]) -> set[str]:
    rows = Attachment.objects.filter(Q(file__in=names) | Q(thumbnail__in=names)).values_list("file", "thumbnail")
    return {name for pair in rows for name in pair if name}


def orphaned_uploads_sweep(grace: timedelta = ORPHAN_GRACE) -> int:
    """Delete screenshot files older than ``grace`` that no Attachment names; how many were deleted."""
    cutoff = timezone.now() - grace
    old = [name for name in _files(UPLOADS_DIR) if default_storage.get_modified_time(name) < cutoff]
    deleted = 0
    for start in range(0, len(old), _QUERY_CHUNK):
        chunk = old[start:start + _QUERY_CHUNK]
        for name in set(chunk) - _referenced(chunk):
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("Could not delete orphaned upload %s", name, exc_info=True)
                continue
            deleted += 1
    if deleted:
        logger.info("Deleted %s orphaned screenshot files", deleted)
    return deleted


def uploads_sweep() -> tuple[int, int]:
    """The "uploads-sweep" schedule: (orphaned files deleted, expired idempotency keys deleted)."""
    return orphaned_uploads_sweep(), idempotency_keys_purge()
