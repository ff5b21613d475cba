"""Canned answers an operator may use, and their text for one ticket (tickets.macros)."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .. import macros
from ..models import Macro, Ticket


class MacroNotFound(Exception):
    """No such canned answer, or one this user may not use (someone else's personal one)."""


@dataclass(frozen=True)
class RenderedMacro:
    macro: Macro
    text: str


def macros_for(user) -> QuerySet[Macro]:
    """The user's own canned answers and the shared ones, by title."""
    return Macro.objects.filter(Q(owner=user) | Q(is_shared=True)).select_related("owner").order_by("title", "id")


def macro_get(user, macro_id: int) -> Macro:
    macro = macros_for(user).filter(pk=macro_id).first()
    if macro is None:
        raise MacroNotFound(macro_id)
    return macro


def macros_rendered(user, ticket: Ticket) -> list[RenderedMacro]:
    """Every canned answer the user may use, with its placeholders filled in for ``ticket`` (the ticket page)."""
    values = macros.placeholder_values(ticket, user)
    return [RenderedMacro(macro=macro, text=macros.render(macro.body, values)) for macro in macros_for(user)]
