"""Canned answers (models.Macro): operators save, change and delete their own; shared ones are changed by their owner
or a desk admin. A placeholder the desk does not know is refused with its name (tickets.macros)."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from ..macros import placeholders_refusal
from ..models import Macro
from ..permissions import is_desk_admin, is_operator


def may_edit_macro(user, macro: Macro) -> bool:
    return macro.owner_id == user.pk or (macro.is_shared and is_desk_admin(user))


def _clean(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the answer a title.")
    elif len(title) > Macro.TITLE_MAX_CHARS:
        errors["title"] = _("A title has at most %(n)s characters.") % {"n": Macro.TITLE_MAX_CHARS}
    if not body:
        errors["body"] = _("The answer is empty.")
    elif len(body) > Macro.BODY_MAX_CHARS:
        errors["body"] = _("An answer has at most %(n)s characters.") % {"n": Macro.BODY_MAX_CHARS}
    elif refusal := placeholders_refusal(body):
        errors["body"] = refusal
    if errors:
        raise ValidationError(errors)
    return title, body


def macro_save(*, actor, title: str, body: str, is_shared: bool = False, macro: Macro | None = None) -> Macro:
    """Create (``macro`` None) or change a canned answer."""
    if not is_operator(actor):
        raise PermissionDenied
    title, body = _clean(title, body)
    if macro is None:
        return Macro.objects.create(owner=actor, title=title, body=body, is_shared=bool(is_shared))
    if not may_edit_macro(actor, macro):
        raise PermissionDenied
    macro.title, macro.body, macro.is_shared = title, body, bool(is_shared)
    macro.save(update_fields=["title", "body", "is_shared", "updated_at"])
    return macro


def macro_delete(*, actor, macro: Macro) -> None:
    if not may_edit_macro(actor, macro):
        raise PermissionDenied
    macro.delete()
