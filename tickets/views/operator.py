"""Operator pages: dashboard, queue lists, ticket page and its actions, model quality. Thin: services do the work."""
from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import selectors, services
from ..desk_forms import DeskFilterForm
from ..forms_tools import BulkForm
from ..forms import OperatorReplyForm, OverrideForm, QueueFilterForm, StatusForm
from ..permissions import is_desk_admin, is_operator
from ..search import RANKED_ROWS
from ..selectors.filters import FILTER_ORDER_CHOICES, ORDER_CHOICES, RELEVANCE, URGENT
from .desk_context import ticket_desk_context
from .files import attachment_response

PAGE_SIZE = 25


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """A 403 page that says why, in the desk's layout. Rendered, not raised: a refused page is not an error
    worth a traceback in the log (django.request still logs one "Forbidden" line)."""
    return render(request, "403.html", {"reason": message}, status=403)


def operator_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_operator(request.user):
            return forbidden(request, _("This page is for the support team. Ask an administrator for access."))
        try:
            return view(request, *args, **kwargs)
        except selectors.TicketNotFound:
            raise Http404("not found") from None

    return wrapper


def admin_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_desk_admin(request.user):
            return forbidden(request, _("This page is for administrators."))
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@operator_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "operator/dashboard.html", {"queues": selectors.queue_counts(request.user)})


@require_GET
@operator_required
def queue_detail(request: HttpRequest, slug: str) -> HttpResponse:
    queue = selectors.queue_get(request.user, slug)
    assignees = list(selectors.queue_assignees(queue))  # read once: the assignee filter and the bulk bar offer them
    filters = DeskFilterForm(request.GET or None, assignees=assignees)
    data = filters.cleaned_data if filters.is_valid() else {}
    tickets = selectors.ticket_list(  # queue_get above already refused a queue this user may not see
        request.user, queue=queue, status=data.get("status") or None, search=data.get("q") or "", order=data.get("order") or URGENT,
        topic=data.get("topic") or None, assignee=data.get("assignee") or None, count_attachments=False,
    )
    page = desk_list_page(request, tickets, filters, data.get("order") or URGENT, status=data.get("status") or None)
    bulk_form = BulkForm(assignees=assignees)  # the bulk bar (views.tools.tickets_bulk)
    return render(request, "operator/queue.html", {"queue": queue, "bulk_form": bulk_form, **page})


@require_GET
@operator_required
def ticket_search(request: HttpRequest) -> HttpResponse:
    """Every queue the operator may see at once (the queue page's search stays inside its queue)."""
    filters = QueueFilterForm(request.GET or None)
    filters.fields["order"].choices = FILTER_ORDER_CHOICES[-1:] + ORDER_CHOICES  # best match first (tickets.search.ranked)
    data = filters.cleaned_data if filters.is_valid() else {}
    query = data.get("q") or ""
    tickets = selectors.ticket_list(
        request.user, status=data.get("status") or None, search=query, order=data.get("order") or RELEVANCE, topic=data.get("topic") or None,
    ) if query else selectors.ticket_list(request.user).none()
    return render(request, "operator/search.html", {"query": query, **_ticket_page(request, tickets, filters)})


def _ticket_page(request: HttpRequest, tickets, filters: QueueFilterForm) -> dict:
    """One page of a ticket list, the filters and the other queues (the queue page and the search page)."""
    # As many rows as "best match first" ranks (tickets.search.RANKED_ROWS): every numbered page is filled.
    page = selectors.CappedPaginator(tickets, PAGE_SIZE, cap=RANKED_ROWS).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "filters": filters, "querystring": query.urlencode(), "queues": selectors.queue_counts(request.user)}


def desk_list_page(request: HttpRequest, tickets, filters, order: str, status: str | None = None) -> dict:
    """As _ticket_page, paged by selectors.ticket_page: flat at any size of the history (numbered, then keyset pages)."""
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)
    page = selectors.ticket_page(tickets, order=order, params=request.GET, base_query=query.urlencode(), status=status)
    return {"page": page, "filters": filters, "querystring": query.urlencode(), "queues": selectors.queue_counts(request.user)}


@require_GET
@operator_required
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_detail_for_operator(request.user, ticket_id)
    prediction = selectors.latest_prediction(ticket)
    scores = sorted((prediction.scores or {}).items(), key=lambda item: -item[1]) if prediction else []
    analysis = selectors.ticket_latest_analysis(ticket)
    return render(
        request,
        "operator/ticket.html",
        {
            "ticket": ticket,
            "prediction": prediction,
            "scores": scores,
            "analysis": analysis,
            "answer_pending": selectors.ticket_answer_pending(ticket),
            "faq_suggestions": selectors.ticket_faq_suggestions(analysis),
            "history": selectors.ticket_history(ticket),
            "is_desk_admin": is_desk_admin(request.user),
            "reply_form": OperatorReplyForm(),
            "status_form": StatusForm(initial={"status": ticket.status}),
            "override_form": OverrideForm(),
            "out_of_scope_close": selectors.out_of_scope_close_offered(ticket),
            **ticket_desk_context(request, ticket),
        },
    )


@require_GET
@operator_required
def ticket_state_json(request: HttpRequest, ticket_id: int) -> JsonResponse:
    ticket = selectors.ticket_row_for_operator(request.user, ticket_id)
    return JsonResponse(
        {
            "classification_state": ticket.classification_state, "queue": ticket.queue.slug, "label": ticket.label,
            "status": ticket.status, "answer_pending": selectors.ticket_answer_pending(ticket),
        },
        headers={"Cache-Control": "no-store"},
    )


def _run_action(request: HttpRequest, ticket_id: int, action, success_message: str,
                unchanged_message: str | None = None) -> HttpResponse:
    """Run a ticket page's action; ``unchanged_message`` (info) when the action answers False: nothing was left to do."""
    try:
        done = action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if done is False and unchanged_message:
            messages.info(request, unchanged_message)
        else:
            messages.success(request, success_message)
    # After an override the ticket may have left the operator's queues; then go back to the dashboard.
    if selectors.operator_queues(request.user).filter(tickets__pk=ticket_id).exists():
        return redirect("operator:ticket", ticket_id=ticket_id)
    return redirect("operator:dashboard")


@require_POST
@operator_required
def ticket_take(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_row_for_operator(request.user, ticket_id)
    return _run_action(request, ticket_id, lambda: services.ticket_assign(ticket=ticket, assignee=request.user, actor=request.user), _("The ticket is yours."))


@require_POST
@operator_required
def ticket_reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_row_for_operator(request.user, ticket_id)
    form = OperatorReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The reply is empty."))
        return redirect("operator:ticket", ticket_id=ticket_id)
    return _run_action(
        request, ticket_id,
        lambda: services.ticket_reply(
            ticket=ticket, body=form.cleaned_data["body"], actor=request.user, faq_entry=form.cleaned_data.get("faq_entry_id"),
        ),
        _("Reply sent; the student has been notified by e-mail."),
    )


@require_POST
@operator_required
def ticket_status(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_row_for_operator(request.user, ticket_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown status."))
        return redirect("operator:ticket", ticket_id=ticket_id)
    return _run_action(
        request, ticket_id, lambda: services.ticket_set_status(ticket=ticket, status=form.cleaned_data["status"], actor=request.user),
        _("Status changed."),
    )


@require_POST
@operator_required
def ticket_override(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = selectors.ticket_row_for_operator(request.user, ticket_id)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a label."))
        return redirect("operator:ticket", ticket_id=ticket_id)
    return _run_action(
        request, ticket_id,
        lambda: services.label_override(ticket=ticket, label=form.cleaned_data["label"], reason=form.cleaned_data["reason"], actor=request.user),
        _("Label corrected; the ticket moved to its queue."),
    )


@require_POST
@operator_required
def ticket_close_out_of_scope(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """"Not a support request — close": one click labels the ticket out-of-scope and closes it (services)."""
    ticket = selectors.ticket_row_for_operator(request.user, ticket_id)
    return _run_action(request, ticket_id, lambda: services.ticket_close_out_of_scope(ticket=ticket, actor=request.user),
                       _("Closed as not a support request."), _("This ticket is already closed as not a support request."))


@require_GET
@operator_required
def attachment(request: HttpRequest, attachment_id: int, thumbnail: bool = False) -> HttpResponse:
    return attachment_response(selectors.attachment_for_operator(request.user, attachment_id), thumbnail=thumbnail)


@require_GET
@admin_required
def model_quality(request: HttpRequest) -> HttpResponse:
    try:
        days = max(1, min(int(request.GET.get("days", 90)), 3650))
    except ValueError:
        days = 90
    bucket = "day" if request.GET.get("bucket") == "day" else "week"
    return render(request, "operator/quality.html", {"quality": selectors.model_quality(days=days, bucket=bucket), "days": days, "bucket": bucket})
