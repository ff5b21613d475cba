"""What the operator's ticket page adds for the desk's features: SLA state, who it may be assigned to, notes,
the student's rating."""
from __future__ import annotations

from dataclasses import dataclass

from ..models import Message, Ticket, TicketRating
from ..sla import SlaState, ticket_sla
from .operators import queue_assignees


@dataclass
class TicketDeskPanel:
    sla: SlaState
    assignees: list
    rating: TicketRating | None


def ticket_rating(ticket: Ticket) -> TicketRating | None:
    return TicketRating.objects.filter(ticket=ticket).first()


def rating_open(ticket: Ticket, rating: TicketRating | None) -> bool:
    """The student may rate now: asked, not rated yet, and the ticket is resolved (or closed) again."""
    return rating is not None and not rating.is_rated and not ticket.is_open


def ticket_desk_panel(ticket: Ticket) -> TicketDeskPanel:
    """For a ticket loaded by ticket_detail_for_operator (its queue and assignee joined)."""
    assignees = list(queue_assignees(ticket.queue_id))
    if ticket.assignee_id and ticket.assignee_id not in {user.pk for user in assignees}:
        assignees.append(ticket.assignee)  # assigned before they lost the queue: still shown as selected
    return TicketDeskPanel(sla=ticket_sla(ticket), assignees=assignees, rating=getattr(ticket, "rating", None))


def ticket_notes(ticket: Ticket) -> list[Message]:
    """The internal notes of a ticket loaded by ticket_detail_for_operator (messages prefetched)."""
    return [message for message in ticket.messages.all() if message.is_note]


def ticket_conversation(ticket: Ticket) -> list[Message]:
    """The messages exchanged with the student, without the notes (prefetched)."""
    return [message for message in ticket.messages.all() if not message.is_note]
