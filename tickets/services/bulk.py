"""One action on many tickets selected in a queue list (issue 12): assign, change the status, correct the label (the
ticket moves to its queue), merge into one ticket, close as not a support request (triage's spam and off-topic).

Each ticket goes through the same service as on its own page (ticket_assign_to, ticket_set_status, label_override,
ticket_merge, ticket_close_out_of_scope), so each leaves its own audit events and notifications, in its own transaction: a refusal of one
(another queue, an operator who cannot be assigned there, a different student) is reported for that ticket and
the others are done. A ticket the actor may not see is reported as "not found", exactly like a number that does not
exist.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import Ticket
from ..selectors.access import operator_queues
from ..selectors.fitting import out_of_scope_intent
from .assignment import ticket_assign_to
from .merge import ticket_merge
from .operator import label_override, no_out_of_scope_intent, ticket_close_out_of_scope, ticket_set_status

# Selected tickets per request: one page of the queue list is 25-50 rows; each ticket is its own transaction
# (~5-15 queries), so 100 keeps a request well under a second on SQLite.
BULK_MAX_TICKETS = 100
ACTIONS = ("assign", "status", "label", "merge", "not_support")


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # ticket id → why, in the actor's language


def tickets_bulk(*, actor, ticket_ids, action: str, assignee: str | None = None, status: str = "", label: str = "",
                 into: int | None = None) -> BulkResult:
    """Apply ``action`` to each ticket of ``ticket_ids`` the actor may see (see the module). ``assign``: ``assignee``
    (a username; None or "" unassigns). ``status``: a Ticket.Status value. ``label``: an active intent's name.
    ``merge``: ``into``, the id of the ticket the others are merged into (itself skipped when selected).
    ``not_support``: each is closed and labelled out-of-scope; one already closed and labelled so is refused as such
    (nothing written), and the whole request is refused when the desk has no active out-of-scope intent."""
    ids = list(dict.fromkeys(int(pk) for pk in ticket_ids))
    if not ids:
        raise ValidationError({"tickets": _("Select at least one ticket.")})
    if len(ids) > BULK_MAX_TICKETS:
        raise ValidationError({"tickets": _("At most %(n)s tickets at once.") % {"n": BULK_MAX_TICKETS}})
    if action not in ACTIONS:
        raise ValidationError({"action": _("Unknown action: %(action)s") % {"action": action}})
    visible = Ticket.objects.filter(queue__in=operator_queues(actor))
    target = None
    if action == "merge":
        target = visible.filter(pk=into).first() if into else None
        if target is None:
            raise ValidationError({"into": _("There is no ticket #%(id)s in your queues.") % {"id": into or "—"}})
        ids = [pk for pk in ids if pk != target.pk]
    out_of_scope = out_of_scope_intent() if action == "not_support" else None
    if action == "not_support" and out_of_scope is None:
        # The same refusal as each ticket's would be, once for the request instead of once per selected row.
        raise no_out_of_scope_intent("action")
    if action == "status" and status not in Ticket.Status.values:
        raise ValidationError({"status": _("Unknown status: %(status)s") % {"status": status}})
    tickets = visible.in_bulk(ids)
    result = BulkResult()
    for pk in ids:
        ticket = tickets.get(pk)
        if ticket is None:
            result.refused[pk] = _("not found")
            continue
        try:
            if action == "assign":
                ticket_assign_to(ticket=ticket, username=assignee or None, actor=actor)
            elif action == "status":
                ticket_set_status(ticket=ticket, status=status, actor=actor)
            elif action == "label":
                label_override(ticket=ticket, label=label, actor=actor)
            elif action == "not_support":
                if not ticket_close_out_of_scope(ticket=ticket, actor=actor, intent=out_of_scope):
                    result.refused[pk] = _("already closed as not a support request")
                    continue
            else:
                ticket_merge(source=ticket, target=target, actor=actor)
        except ValidationError as exc:
            result.refused[pk] = " ".join(exc.messages)
        else:
            result.done.append(pk)
    return result
