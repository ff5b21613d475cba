"""Template helpers of the operators' desk features (issue 12): relative times and SLA badges.
``{% load desk_ops %}`` then ``{{ ticket.waiting_since|ago }}``, ``{% sla_badge ticket %}`` or, in a list's rows,
``{% sla_badge_row ticket %}``."""
from __future__ import annotations

from datetime import timedelta

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

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


@register.simple_tag
def sla_badge_row(ticket):
    """sla_badge without the targets' panel, for the 25 rows of a ticket list, built here rather than by a template
    rendered per row (an inclusion tag's template and context for each row; the same markup and messages)."""
    badge = sla_badge(ticket)
    state = badge["state"]
    parts = []
    if badge["missed_before"]:
        parts.append(format_html('<span class="sla-badge breached" data-sla="breached">{}</span> ', _("target missed")))
    if state.next_due:
        if badge["late"]:
            text = (_("reply %(late)s overdue") if badge["first"] else _("resolution %(late)s overdue")) % {"late": badge["late"]}
        else:
            text = (_("reply due in %(left)s") if badge["first"] else _("resolve in %(left)s")) % {"left": badge["left"]}
        title = date_filter(timezone.localtime(state.next_due) if timezone.is_aware(state.next_due) else state.next_due, "SHORT_DATETIME_FORMAT")
        parts.append(format_html('<span class="sla-badge {}" data-sla="{}" title="{}">{}</span>', badge["level"], badge["level"], title, text))
    return mark_safe("".join(parts))
