"""What the operator's ticket page adds for the desk's features of issue 12 (views.operator.ticket_detail)."""
from __future__ import annotations

from django.http import HttpRequest

from .. import selectors, services
from ..desk_forms import AssignForm, NoteForm
from ..forms_tools import MergeForm


def ticket_desk_context(request: HttpRequest, ticket) -> dict:
    """SLA state, the assign and note forms, the rating; opening a ticket reads its notifications."""
    services.notifications_mark_read(request.user, ticket_id=ticket.pk)
    panel = selectors.ticket_desk_panel(ticket)
    current = ticket.assignee.get_username() if ticket.assignee_id else ""
    return {
        "desk": panel,
        "assign_form": AssignForm(initial={"assignee": current}, assignees=panel.assignees),
        "note_form": NoteForm(prefix="note"),
        # The same student (issue 12): their other tickets, and those this one could be merged into.
        "student_tickets": selectors.student_history(request.user, ticket),
        "duplicates": selectors.likely_duplicates(request.user, ticket),
        "merge_form": MergeForm(),
        # Canned answers with this ticket's placeholders filled in (tools.js inserts them into the reply box).
        "macros": selectors.macros_rendered(request.user, ticket),
    }
