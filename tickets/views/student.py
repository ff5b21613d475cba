"""Student pages: the form, the status page behind the secret link, their screenshots. Thin: services do the work."""
from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import TooManyFilesSent, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import ratelimit, selectors, services
from ..desk_forms import RatingForm
from ..forms import StudentReplyForm, TicketForm
from ..models import IdempotencyKey, Ticket
from ..request_body import multipart_body_too_big
from ..uploads import ScreenshotCountLimit, screenshot_count_limit
from .files import attachment_response


def _unavailable_message() -> str:
    return _("Service temporarily unavailable, please try again in a minute.")


def _too_many_message() -> str:
    return _("Too many requests from your connection. Please wait a while and try again.")


def _ticket_or_404(token: str) -> Ticket:
    try:
        return selectors.ticket_for_student(token)
    except selectors.TicketNotFound:
        raise Http404("no such ticket") from None


# The two forms with screenshots are csrf_exempt outside and csrf_protect inside (Django's documented pattern
# for changing upload handlers): the screenshot-count handler must be installed before the CSRF check reads
# request.POST. Past the screenshot limit the body parsing stops with the text fields kept, so the form comes
# back with what the student typed and "at most N screenshots". Django's DATA_UPLOAD_MAX_NUMBER_FILES is set
# below the screenshot limit; when it is hit first (TooManyFilesSent) the body, text included, is gone: the
# outer view at least says why.


def _too_many_screenshots_form(
    form_class: type[TicketForm] | type[StudentReplyForm], request: HttpRequest
) -> TicketForm | StudentReplyForm:
    form = form_class(request.POST, too_many_screenshots=True)
    form.is_valid()
    return form


def _read_body(request: HttpRequest) -> None:
    """Parse the form's body before the CSRF check does; over the limit, keep the fields read so far (request_body)."""
    try:
        request.body_too_big = multipart_body_too_big(request)
    except TooManyFilesSent:
        request.body_too_big = False  # the outer views answer this one


def _body_too_big_form(
    form_class: type[TicketForm] | type[StudentReplyForm], request: HttpRequest
) -> TicketForm | StudentReplyForm:
    form = form_class(request.POST)
    form.is_valid()
    form.add_error(None, _("The text is too long: at most %(limit)s characters. Shorten it and send again.") % {
        "limit": form.fields[form.text_field].max_length,
    })
    return form


def _screenshot_form_submit(
    request: HttpRequest,
    form_class: type[TicketForm] | type[StudentReplyForm],
    count_limit: ScreenshotCountLimit | None,
    *,
    rate_limit_check: Callable[[], ratelimit.Verdict],
    save: Callable[[dict], Ticket],
    success_message: str,
    page: Callable[[TicketForm | StudentReplyForm, int], HttpResponse],
) -> HttpResponse:
    """The shared flow of both forms: rate limit → too many screenshots → validate → ``save`` → redirect to
    the status page, or the form ``page`` again (429/503 with Retry-After, 400 with errors, 200 for GET).

    ``rate_limit_check`` refuses a client over its budget. New tickets count only when one is created (``save``
    counts it: a school behind one NAT must not run out on refused forms, issue 8); replies count every attempt.
    """
    form = form_class(request.POST or None, request.FILES or None)
    response_status = retry_after = None
    verdict = rate_limit_check() if request.method == "POST" else None
    if verdict is not None and not verdict.allowed:
        # Keep the student's text in the form, without decoding the (dropped) screenshots.
        form = form_class(request.POST)
        form.add_error(None, _too_many_message())
        response_status, retry_after = 429, verdict.retry_after
    elif count_limit is not None and count_limit.exceeded:
        # More files than allowed: parsing stopped there; keep the text, drop the files, say why.
        form = _too_many_screenshots_form(form_class, request)
    elif request.method == "POST" and form.is_valid():
        try:
            ticket = save(form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except services.ServiceUnavailable:
            # Nothing was saved; the bound form keeps what the student typed.
            form.add_error(None, _unavailable_message())
            response_status, retry_after = 503, services.ServiceUnavailable.retry_after
        else:
            messages.success(request, success_message)
            return redirect("student:ticket_status", token=ticket.public_token)
    response = page(form, response_status or (400 if form.errors else 200))
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _new_page(request: HttpRequest, form: TicketForm, status: int) -> HttpResponse:
    return render(request, "student/ticket_new.html", {"form": form}, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    count_limit = screenshot_count_limit(request) if request.method == "POST" else None
    _read_body(request)
    try:
        return _ticket_new(request, count_limit)
    except TooManyFilesSent:
        return _new_page(request, _too_many_screenshots_form(TicketForm, request), 400)


@csrf_protect
def _ticket_new(request: HttpRequest, count_limit: ScreenshotCountLimit | None) -> HttpResponse:
    if getattr(request, "body_too_big", False):
        return _new_page(request, _body_too_big_form(TicketForm, request), 413)

    def save(data: dict) -> Ticket:
        fields = {"name": data["name"], "email": data["email"], "description": data["description"], "screenshots": data["screenshots"]}
        claim = None
        if data.get("submission_token"):
            claim = services.idempotency_claim(
                scope=IdempotencyKey.Scope.WEB_FORM, client_identity=ratelimit.client_ip(request), key=data["submission_token"],
                fingerprint=services.submission_fingerprint(**fields),
            )
        create = dict(fields, source=Ticket.Source.WEB, language=request.LANGUAGE_CODE)
        try:
            ticket, created = services.ticket_create_once(claim=claim, **create)
        except services.IdempotencyKeyReused:
            # The same form sent again with other words (back, edit, send): that is a new request.
            ticket, created = services.ticket_create(**create), True
        if created:
            ratelimit.ticket_create_count(request)
        return ticket

    return _screenshot_form_submit(
        request, TicketForm, count_limit,
        rate_limit_check=lambda: ratelimit.ticket_create_check(request),
        save=save,
        success_message=_("Thank you! Your request is saved. Keep this page's link: it is your way back."),
        page=lambda form, status: _new_page(request, form, status),
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def ticket_status(request: HttpRequest, token: str) -> HttpResponse:
    count_limit = screenshot_count_limit(request) if request.method == "POST" else None
    _read_body(request)
    try:
        return _ticket_status(request, token, count_limit)
    except TooManyFilesSent:
        ticket = _ticket_or_404(token)
        return _status_page(request, ticket, _too_many_screenshots_form(StudentReplyForm, request), 400)


@csrf_protect
def _ticket_status(request: HttpRequest, token: str, count_limit: ScreenshotCountLimit | None) -> HttpResponse:
    ticket = _ticket_or_404(token)
    if getattr(request, "body_too_big", False):
        return _status_page(request, ticket, _body_too_big_form(StudentReplyForm, request), 413)

    def save(data: dict) -> Ticket:
        reply = {"ticket": ticket, "body": data["body"], "screenshots": data["screenshots"]}
        claim = None
        if data.get("submission_token"):
            claim = services.idempotency_claim(
                scope=IdempotencyKey.Scope.WEB_REPLY, client_identity=ratelimit.client_ip(request), key=data["submission_token"],
                fingerprint=services.submission_fingerprint(description=data["body"], screenshots=data["screenshots"], ticket_id=ticket.pk),
            )
        try:
            services.ticket_student_reply_once(claim=claim, **reply)
        except services.IdempotencyKeyReused:
            # The same form sent again with other words (back, edit, send): that is a new message.
            services.ticket_student_reply(**reply)
        return ticket

    return _screenshot_form_submit(
        request, StudentReplyForm, count_limit,
        rate_limit_check=lambda: ratelimit.student_reply_hit(request, token),
        save=save,
        success_message=_("Your message has been sent."),
        page=lambda form, status: _status_page(request, ticket, form, status),
    )


def _status_page(request: HttpRequest, ticket: Ticket, form: StudentReplyForm, status: int) -> HttpResponse:
    rating = selectors.ticket_rating(ticket)
    response = render(
        request,
        "student/ticket_status.html",
        {
            "ticket": ticket, "form": form, "status_url": request.build_absolute_uri(), "answer_pending": selectors.ticket_answer_pending(ticket),
            # The satisfaction rating (issue 12): the form once a person resolved it, then the score given.
            "rating": rating, "rating_open": selectors.rating_open(ticket, rating), "rating_form": RatingForm(),
        },
        status=status,
    )
    _keep_link_private(response)
    response["Cache-Control"] = "private, no-store"
    return response


def _keep_link_private(response: HttpResponse) -> None:
    """The status link is the secret: no Referer carries it to another site.

    "same-origin", not "no-referrer": under no-referrer Chromium sends ``Origin: null`` with the page's own
    POSTs (reply, feedback, language switch) and Django's CSRF check refuses them (issue 8). Same-origin
    requests carry the referrer and origin; cross-origin ones get nothing.
    """
    response["Referrer-Policy"] = "same-origin"


@require_POST
def ticket_feedback(request: HttpRequest, token: str) -> HttpResponse:
    """The buttons under an automatic answer: "This solved it" (solved=1) / "I still need help" (solved=0)."""
    ticket = _ticket_or_404(token)
    verdict = ratelimit.student_reply_hit(request, token)
    if not verdict.allowed:
        messages.error(request, _too_many_message())
    elif request.POST.get("solved") not in ("0", "1"):
        messages.error(request, _("Choose one of the answers."))
    else:
        solved = request.POST["solved"] == "1"
        status_page_action(
            request, lambda: services.auto_answer_feedback(ticket=ticket, solved=solved),
            _("Glad we could help! The request is resolved.") if solved
            else _("Thank you. An operator will answer you here as soon as possible."),
        )
    return back_to_status_page(ticket)


def status_page_action(request: HttpRequest, action: Callable[[], object], success_message: str) -> None:
    """Run a service for a button of the status page and say how it went (its refusal, or "try again later")."""
    try:
        action()
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    except services.ServiceUnavailable:
        messages.error(request, _unavailable_message())
    else:
        messages.success(request, success_message)


def back_to_status_page(ticket: Ticket) -> HttpResponse:
    response = redirect("student:ticket_status", token=ticket.public_token)
    _keep_link_private(response)
    return response


@require_GET
def ticket_status_json(request: HttpRequest, token: str) -> JsonResponse:
    ticket = _ticket_or_404(token)
    return JsonResponse(
        {
            "status": ticket.status, "classification_state": ticket.classification_state, "queue": ticket.queue.slug,
            "answer_pending": selectors.ticket_answer_pending(ticket),
        },
        headers={"Cache-Control": "no-store"},
    )


@require_GET
def attachment(request: HttpRequest, token: str, attachment_id: int, thumbnail: bool = False) -> HttpResponse:
    try:
        item = selectors.attachment_for_student(token, attachment_id)
    except selectors.TicketNotFound:
        raise Http404("no such file") from None
    return attachment_response(item, thumbnail=thumbnail)
