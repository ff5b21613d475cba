"""A ticket's life: status changes, the audit event each one leaves, and the clocks they move."""
from __future__ import annotations

from django.utils import timezone

from ..models import Ticket, TicketEvent
from .satisfaction import rating_request

# The desk's turn: the ticket waits for an operator (``Ticket.waiting_since`` runs).
DESK_TURN = (Ticket.Status.NEW, Ticket.Status.OPEN)
DONE = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)


def status_change(ticket: Ticket, status: str, *, actor, reason: str = "") -> bool:
    """Move a locked ticket to ``status`` and audit it; False (and nothing written) when it is there already.

    Keeps the clocks (tickets.sla, the reports): ``waiting_since`` starts when the ticket becomes the desk's turn
    and stops when it waits for the student or is done; ``resolved_at`` is set when it stops being open and
    cleared when it reopens. A person (``actor``) resolving it asks the student for a rating.
    """
    if ticket.status == status:
        return False
    old = ticket.status
    TicketEvent.objects.create(ticket=ticket, actor=actor, kind=TicketEvent.Kind.STATUS, old_value=old, new_value=status, reason=reason)
    now = timezone.now()
    ticket.status = status
    if status in DESK_TURN:
        if old not in DESK_TURN or ticket.waiting_since is None:
            ticket.waiting_since = now
    else:
        ticket.waiting_since = None
    if status in DONE and old not in DONE:
        ticket.resolved_at = now
    elif status not in DONE:
        ticket.resolved_at = None
    ticket.save(update_fields=["status", "waiting_since", "resolved_at", "updated_at"])
    if status == Ticket.Status.RESOLVED and actor is not None:
        rating_request(ticket, actor=actor)
    return True


def auto_answer_release(ticket: Ticket) -> None:
    """An operator took over a locked ticket: its automatic answer no longer waits for the student's feedback."""
    if ticket.auto_answer_state == Ticket.AutoAnswerState.PENDING_FEEDBACK:
        ticket.auto_answer_state = Ticket.AutoAnswerState.ESCALATED
        ticket.save(update_fields=["auto_answer_state", "updated_at"])
