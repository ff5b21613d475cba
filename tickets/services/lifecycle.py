"""A ticket's life: status changes and the audit event each one leaves."""
from __future__ import annotations

from ..models import Ticket, TicketEvent


def status_change(ticket: Ticket, status: str, *, actor, reason: str = "") -> bool:
    """Move a locked ticket to ``status`` and audit it; False (and nothing written) when it is there already."""
    if ticket.status == status:
        return False
    TicketEvent.objects.create(ticket=ticket, actor=actor, kind=TicketEvent.Kind.STATUS, old_value=ticket.status, new_value=status, reason=reason)
    ticket.status = status
    ticket.save(update_fields=["status", "updated_at"])
    return True


def auto_answer_release(ticket: Ticket) -> None:
    """An operator took over a locked ticket: its automatic answer no longer waits for the student's feedback."""
    if ticket.auto_answer_state == Ticket.AutoAnswerState.PENDING_FEEDBACK:
        ticket.auto_answer_state = Ticket.AutoAnswerState.ESCALATED
        ticket.save(update_fields=["auto_answer_state", "updated_at"])
