"""The student's satisfaction rating on the status page (issue 12). Thin: services.ticket_rate does the work."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import ratelimit, services
from ..desk_forms import RatingForm
from .student import _keep_link_private, _ticket_or_404, _too_many_message, _unavailable_message


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
        try:
            services.ticket_rate(ticket=ticket, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        except services.ServiceUnavailable:
            messages.error(request, _unavailable_message())
        else:
            messages.success(request, _("Thank you for your rating!"))
    response = redirect("student:ticket_status", token=ticket.public_token)
    _keep_link_private(response)
    return response
