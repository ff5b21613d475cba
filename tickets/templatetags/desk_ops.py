"""Template helpers of the operators' desk features (issue 12): relative times and SLA badges.
``{% load desk_ops %}`` then ``{{ ticket.waiting_since|ago }}`` or ``{% sla_badge ticket %}``."""
from __future__ import annotations

from django import template
from django.conf import settings
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
    """The ticket's SLA at a glance: overdue (red), due within the warning time (amber), or due later (muted).
    ``full``: the ticket page's panel with both targets."""
    now = timezone.now()
    state = ticket_sla(ticket, now)
    remaining = state.remaining(now)
    lead = settings.SUPPORTDESK_SLA_WARNING_MINUTES * 60
    if state.breached:
        level = "breached"
    elif remaining is not None and remaining.total_seconds() <= lead:
        level = "soon"
    else:
        level = "ok"
    due_is_first = state.next_due is not None and state.next_due == state.first_response_due and ticket.first_response_at is None
    return {
        "ticket": ticket, "state": state, "level": level, "full": full, "first": due_is_first,
        "late": timesince(state.next_due, now, depth=1) if remaining is not None and remaining.total_seconds() < 0 else "",
        "left": timeuntil(state.next_due, now, depth=1) if remaining is not None and remaining.total_seconds() >= 0 else "",
    }
