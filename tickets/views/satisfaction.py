"""The student's satisfaction rating on the status page (issue 12). Thin: services.ticket_rate does the work."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import ratelimit, services
from ..desk_forms import RatingForm
from .student import _ticket_or_404, _too_many_message, back_to_status_page, status_page_action


@require_POST
def ticket_rating(request: HttpRequest, token: str) -> HttpResponse:
    """The rating form under a resolved request: 1–5 and a comment, once."""
    ticket = _ticket_or_404(token)
    form = RatingForm(request.POST)
    if not ratelimit.student_reply_hit(request, token).allowed:
        messages.error(request, _too_many_message())
    elif not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
    else:
        status_page_action(
            request, lambda: services.ticket_rate(ticket=ticket, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]),
            _("Thank you for your rating!"),
        )
    return back_to_status_page(ticket)
