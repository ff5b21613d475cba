"""Placeholders of canned answers (models.Macro): what ``{name}`` in a saved reply becomes for one ticket.

Only ``{word}`` names in PLACEHOLDERS are replaced, by plain substitution (never ``str.format``: a saved text must
not reach attributes like ``{student_name.__class__}``); an unknown name stays as written, so a typo shows.
"""
from __future__ import annotations

import re

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .links import ticket_status_url

PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLACEHOLDERS = {
    "student_name": _("the student's name"),
    "ticket_number": _("the ticket's number"),
    "operator_name": _("your name"),
    "status_link": _("the student's status link"),
}


def placeholder_values(ticket, operator) -> dict[str, str]:
    name = (operator.get_full_name() or operator.get_username()) if operator is not None else ""
    return {
        "student_name": ticket.name or ticket.student.name,
        "ticket_number": str(ticket.pk),
        "operator_name": name,
        "status_link": ticket_status_url(ticket),
    }


def render(body: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), body or "")


def unknown_placeholders(body: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(body or "") if name not in PLACEHOLDERS})


def placeholders_refusal(body: str) -> str:
    """"" or what to tell the writer of a text with unknown placeholders (it would reach the student as written)."""
    unknown = unknown_placeholders(body)
    if not unknown:
        return ""
    return gettext("Unknown placeholders: %(names)s. Known: %(known)s.") % {
        "names": ", ".join("{" + name + "}" for name in unknown), "known": ", ".join("{" + name + "}" for name in PLACEHOLDERS),
    }
