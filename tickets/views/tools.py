"""Operator pages of the desk's tools (issue 12, second half): merging duplicates, bulk actions on the queue list,
canned answers. Thin, as views.operator: services do the work."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..forms_tools import BulkForm, MergeForm
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
        services.ticket_merge(source=source, target=target, actor=request.user)
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
