"""Operator pages of the desk's tools (issue 12, second half): merging duplicates, bulk actions on the queue list,
canned answers. Thin, as views.operator: services do the work."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..forms_tools import MergeForm
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
