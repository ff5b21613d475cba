"""Operator pages of the desk's features (issue 12): "My tickets", assigning, notes, notifications and their counter,
being on duty. Thin, as views.operator: services do the work."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import selectors, services
from ..desk_forms import AssignForm, DeskFilterForm, NoteForm, NotificationSettingsForm
from ..models.desk import default_email_kinds
from ..notices import notification_line
from ..selectors.filters import ACTIVE, ASSIGNEE_ME, URGENT
from .operator import _run_action, desk_list_page, operator_required


@require_GET
@operator_required
def my_tickets(request: HttpRequest) -> HttpResponse:
    """Tickets assigned to me in every queue I may see; not closed and most urgent first unless filtered otherwise."""
    data = request.GET.copy()
    data.setdefault("status", ACTIVE)
    filters = DeskFilterForm(data)
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    tickets = selectors.ticket_list(
        request.user, status=cleaned.get("status") or None, search=cleaned.get("q") or "", order=cleaned.get("order") or URGENT,
        topic=cleaned.get("topic") or None, assignee=ASSIGNEE_ME, count_attachments=False,
    )
    page = desk_list_page(request, tickets, filters, cleaned.get("order") or URGENT, status=cleaned.get("status") or None)
    return render(request, "operator/mine.html", page)


@require_POST
@operator_required
def ticket_assign(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_row_for_operator(request.user, ticket_id)
    form = AssignForm(request.POST, assignees=selectors.queue_assignees(ticket.queue_id))
    if not form.is_valid():
        messages.error(request, _("Choose an operator of this queue."))
        return redirect("operator:ticket", ticket_id=ticket_id)
    username = form.cleaned_data["assignee"] or None
    done = _("The ticket is assigned to %(user)s.") % {"user": username} if username else _("The ticket is unassigned.")
    return _run_action(request, ticket_id, lambda: services.ticket_assign_to(ticket=ticket, username=username, actor=request.user), done)


@require_POST
@operator_required
def ticket_note(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_row_for_operator(request.user, ticket_id)
    form = NoteForm(request.POST, prefix="note")
    if not form.is_valid():
        messages.error(request, _("The note is empty."))
        return redirect("operator:ticket", ticket_id=ticket_id)
    outcome = {}

    def add():
        outcome["result"] = services.ticket_note(ticket=ticket, body=form.cleaned_data["body"], actor=request.user)

    response = _run_action(request, ticket_id, add, _("Note saved. The student does not see it."))
    result = outcome.get("result")
    if result is not None and result.notified:
        messages.info(request, _("Notified: %(users)s.") % {"users": ", ".join(user.get_username() for user in result.notified)})
    if result is not None and result.not_notified:
        messages.warning(
            request, _("Not notified (no operator of this queue has that name): %(names)s.") % {"names": ", ".join(f"@{n}" for n in result.not_notified)},
        )
    return response


@require_GET
@operator_required
def notifications(request: HttpRequest) -> HttpResponse:
    profile = getattr(request.user, "operator_profile", None)
    kinds = profile.email_kinds if profile is not None else default_email_kinds()
    items = selectors.notifications_for(request.user)
    return render(request, "operator/notifications.html", {
        "items": [(item, notification_line(item)) for item in items],
        "settings_form": NotificationSettingsForm(initial={"email_kinds": kinds}),
        "has_email": bool(request.user.email),
    })


@require_GET
@operator_required
def notifications_json(request: HttpRequest) -> JsonResponse:
    """The header's counters and the newest unread lines; polled by static/tickets/operators.js."""
    latest = [
        {"id": item.pk, "kind": item.kind, "ticket": item.ticket_id, "text": notification_line(item), "created_at": item.created_at.isoformat()}
        for item in selectors.notifications_unread(request.user)
    ]
    return JsonResponse(
        {**selectors.desk_counters(request.user), "latest": latest, "poll_seconds": settings.SUPPORTDESK_NOTIFICATION_POLL_SECONDS},
        headers={"Cache-Control": "no-store"},
    )


@require_POST
@operator_required
def notifications_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_read(request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("operator:notifications")


@require_POST
@operator_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    form = NotificationSettingsForm(request.POST)
    if form.is_valid():
        services.operator_email_kinds_set(request.user, kinds=form.cleaned_data["email_kinds"])
        messages.success(request, _("Notification settings saved."))
    else:
        messages.error(request, _("Unknown kind of notification."))
    return redirect("operator:notifications")


@require_POST
@operator_required
def availability(request: HttpRequest) -> HttpResponse:
    """The header's toggle: on duty (automatic assignments, new-ticket notifications) or away."""
    available = request.POST.get("available") == "1"
    services.operator_set_available(request.user, available=available)
    messages.success(request, _("You are available: new tickets may be assigned to you.") if available else _("You are away: no new tickets are assigned to you."))
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "operator:dashboard"
    return redirect(target)
