"""Template helpers of the operators' desk features (issue 12): relative times and SLA badges.
``{% load desk_ops %}`` then ``{{ ticket.waiting_since|ago }}`` or ``{% sla_badge ticket %}``."""
from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

from .. import permissions
from ..sla import ticket_sla

register = template.Library()


@register.filter
def ago(value) -> str:
    """How long ago, in the largest unit ("3 hours", "2 дня"); "" for no date."""
    return timesince(value, timezone.now(), depth=1) if value else ""


@register.filter
def is_operator(user) -> bool:
    return permissions.is_operator(user)


@register.inclusion_tag("operator/_sla_badge.html")
def sla_badge(ticket, full: bool = False):
    """The ticket's SLA at a glance: missed (red), due within its warning lead (amber), or due later (muted).
    ``full``: the ticket page's panel with both targets."""
    now = timezone.now()
    state = ticket_sla(ticket, now)
    remaining = state.remaining(now)
    overdue = remaining is not None and remaining < timedelta(0)
    return {
        "ticket": ticket, "state": state, "full": full, "first": state.next_is_first_response,
        # A target already missed (a late first reply) while the next one still runs: said apart from the next one.
        "missed_before": state.breached and not overdue,
        "level": "breached" if overdue else "soon" if state.due_soon(now) else "ok",
        "late": timesince(state.next_due, now, depth=1) if overdue else "",
        "left": timeuntil(state.next_due, now, depth=1) if remaining is not None and not overdue else "",
    }
