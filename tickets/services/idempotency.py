"""A submission sent twice is saved once (issue 8): a new ticket, or a student's reply on the status page.

An API client whose answer was lost (the server restarted mid-request) retries with the same ``Idempotency-Key``
header; a student double-clicks "Send" and the form's one-time token arrives twice. Either way the first
submission's ticket is the answer and nothing new is created, for ``IDEMPOTENCY_WINDOW`` (24 h). The key is per client (its
IP address, digested) and per scope, so one client cannot learn another's ticket by guessing its key. The
``IdempotencyKey`` row is written first in the ticket's own transaction under a unique constraint: concurrent
requests with the same key create one ticket; the others wait for it and answer with it.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable, Sequence

from django.db import IntegrityError
from django.utils import timezone

from ..models import IdempotencyKey, Ticket
from ..uploads import CleanImage
from .intake import ticket_create, ticket_student_reply

IDEMPOTENCY_WINDOW = timedelta(hours=24)
IDEMPOTENCY_KEY_MAX_LENGTH = 255
# A request that lost the race looks for the winner's ticket this often (the winner's transaction, screenshots
# included, takes ~0.1-0.3 s): at most 100 × 0.1 s.
RACE_ATTEMPTS, RACE_PAUSE_SECONDS = 100, 0.1


class IdempotencyKeyReused(Exception):
    """The key was already used, within the window, for a different submission (the API answers 422)."""


@dataclass(frozen=True)
class IdempotencyClaim:
    scope: str  # IdempotencyKey.Scope
    client: str  # digest of the client's identity
    key: str
    fingerprint: str  # digest of what was submitted


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def submission_fingerprint(
    *, name: str = "", email: str = "", description: str, screenshots: Sequence[CleanImage] = (), ticket_id: int | None = None,
) -> str:
    """The same words and screenshots give the same digest (screenshots by their re-encoded bytes' sha256); a reply's
    includes the ticket it answers (``ticket_id``), so its token used on another ticket's page is a new reply."""
    parts = [name.strip(), email.strip().lower(), (description or "").strip(), [image.sha256 for image in screenshots]]
    if ticket_id is not None:
        parts.append(ticket_id)
    return _digest(json.dumps(parts, ensure_ascii=False))


def idempotency_claim(*, scope: str, client_identity: str, key: str, fingerprint: str) -> IdempotencyClaim:
    return IdempotencyClaim(scope=scope, client=_digest(client_identity), key=key, fingerprint=fingerprint)


def _earlier_ticket(claim: IdempotencyClaim) -> Ticket | None:
    """The ticket this key created within the window; a stale row is deleted so the key can be used again."""
    row = (
        IdempotencyKey.objects.filter(scope=claim.scope, client=claim.client, key=claim.key)
        .select_related("ticket").first()
    )
    if row is None:
        return None
    if row.created_at < timezone.now() - IDEMPOTENCY_WINDOW:
        row.delete()
        return None
    if row.fingerprint != claim.fingerprint:
        raise IdempotencyKeyReused(claim.key)
    return row.ticket  # None while the winner's transaction is still being written (seen only on SQLite)


def submission_once(claim: IdempotencyClaim | None, submit: Callable[[IdempotencyClaim | None], Ticket]) -> tuple[Ticket, bool]:
    """``submit(claim)`` (which writes the claim's key first in its transaction) unless ``claim``'s key was already
    used: (the ticket submitted to, whether this call saved anything).

    Raises IdempotencyKeyReused when the key came with a different submission within the window.
    """
    if claim is None:
        return submit(None), True
    for attempt in range(RACE_ATTEMPTS):
        earlier = _earlier_ticket(claim)
        if earlier is not None:
            return earlier, False
        try:
            return submit(claim), True
        except IntegrityError:
            # A concurrent request with the same key wrote its row first. PostgreSQL made this insert wait for its
            # commit, so the next look finds its ticket; where the winner may still be committing (SQLite), look
            # again shortly; if the winner rolled back, its row is gone and this request creates the ticket.
            if attempt == RACE_ATTEMPTS - 1:
                raise
            time.sleep(RACE_PAUSE_SECONDS)
    raise AssertionError("unreachable")


def ticket_create_once(*, claim: IdempotencyClaim | None, **ticket_fields) -> tuple[Ticket, bool]:
    """``ticket_create(**ticket_fields)`` unless ``claim``'s key already made a ticket: (ticket, created)."""
    return submission_once(claim, lambda idempotency: ticket_create(**ticket_fields, idempotency=idempotency))


def ticket_student_reply_once(
    *, claim: IdempotencyClaim | None, ticket: Ticket, body: str, screenshots: Sequence[CleanImage] = (),
) -> bool:
    """``ticket_student_reply(...)`` unless ``claim``'s key already sent this reply; whether a message was saved."""
    _ticket, saved = submission_once(
        claim,
        lambda idempotency: ticket_student_reply(ticket=ticket, body=body, screenshots=screenshots, idempotency=idempotency).ticket,
    )
    return saved


def idempotency_keys_purge() -> int:
    """Delete keys past the window (the sweep of stale uploads calls it); how many went."""
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - IDEMPOTENCY_WINDOW).delete()
    return deleted
