"""Operator pages of the desk's tools (issue 12, second half): merging duplicates, bulk actions on the queue list,
canned answers. Thin, as views.operator: services do the work."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..forms_tools import BulkForm, MacroForm, MergeForm
from ..macros import PLACEHOLDERS
from .operator import operator_required


@require_POST
@operator_required
def ticket_merge(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Merge this ticket into the one the operator names; then show the target."""
    source = selectors.ticket_row_for_operator(request.user, ticket_id)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the number of the ticket to merge this one into."))
        return redirect("operator:ticket", ticket_id=ticket_id)
    into = form.cleaned_data["into"]
    try:
        target = selectors.ticket_row_for_operator(request.user, into)
        services.ticket_merge(source=source, target=target, actor=request.user, same_person=form.cleaned_data["same_person"])
    except selectors.TicketNotFound:
        messages.error(request, _("There is no ticket #%(id)s in your queues.") % {"id": into})
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Ticket #%(source)s is merged into this one; the student was told.") % {"source": source.pk})
        return redirect("operator:ticket", ticket_id=into)
    return redirect("operator:ticket", ticket_id=ticket_id)


def _back(request: HttpRequest, target: str) -> HttpResponse:
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "operator:dashboard"
    return redirect(target)


@require_POST
@operator_required
def tickets_bulk(request: HttpRequest) -> HttpResponse:
    """The queue list's bulk bar: one action on the selected rows, each checked and audited on its own."""
    form = BulkForm(request.POST, assignees=selectors.assignable_operators(request.user))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request, request.POST.get("next") or "")
    data = form.cleaned_data
    try:
        result = services.tickets_bulk(
            actor=request.user, ticket_ids=data["tickets"], action=data["action"], assignee=data.get("assignee") or None,
            status=data.get("status") or "", label=data.get("label") or "", into=data.get("into"),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if result.done:
            messages.success(request, ngettext("Done for %(n)s ticket.", "Done for %(n)s tickets.", len(result.done)) % {"n": len(result.done)})
        for ticket_id, reason in result.refused.items():
            messages.error(request, _("Ticket #%(id)s: %(reason)s") % {"id": ticket_id, "reason": reason})
    return _back(request, data.get("next") or "")


def _macro_page(request: HttpRequest, form: MacroForm, editing=None, status: int = 200) -> HttpResponse:
    rows = [(macro, services.may_edit_macro(request.user, macro)) for macro in selectors.macros_for(request.user)]
    return render(request, "operator/macros.html", {
        "form": form, "editing": editing, "macros": rows, "placeholders": PLACEHOLDERS.items(),
    }, status=status)


def _macro_save(request: HttpRequest, form: MacroForm, macro=None) -> HttpResponse | None:
    """Save a valid form; None (and the form's errors set) when refused."""
    if not form.is_valid():
        return None
    try:
        services.macro_save(actor=request.user, macro=macro, **form.cleaned_data)
    except ValidationError as exc:
        for field_name, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field_name if field_name in form.fields else None, error)
        return None
    messages.success(request, _("The canned answer is saved."))
    return redirect("operator:macros")


@operator_required
def macros_page(request: HttpRequest) -> HttpResponse:
    """The operator's canned answers and the shared ones; a form for a new one."""
    if request.method == "POST":
        form = MacroForm(request.POST)
        return _macro_save(request, form) or _macro_page(request, form, status=400)
    return _macro_page(request, MacroForm())


def _editable_macro(request: HttpRequest, macro_id: int):
    try:
        macro = selectors.macro_get(request.user, macro_id)
    except selectors.MacroNotFound:
        raise Http404
    if not services.may_edit_macro(request.user, macro):
        raise PermissionDenied
    return macro


@operator_required
def macro_edit(request: HttpRequest, macro_id: int) -> HttpResponse:
    macro = _editable_macro(request, macro_id)
    if request.method == "POST":
        form = MacroForm(request.POST)
        return _macro_save(request, form, macro) or _macro_page(request, form, editing=macro, status=400)
    return _macro_page(request, MacroForm(initial={"title": macro.title, "body": macro.body, "is_shared": macro.is_shared}), editing=macro)


@require_POST
@operator_required
def macro_delete(request: HttpRequest, macro_id: int) -> HttpResponse:
    macro = _editable_macro(request, macro_id)
    services.macro_delete(actor=request.user, macro=macro)
    messages.success(request, _("The canned answer is deleted."))
    return redirect("operator:macros")
