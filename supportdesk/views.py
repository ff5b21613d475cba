"""Project-wide pages Django asks for by setting (not by URL): the CSRF failure page, and the error handlers
(handler400/403/404/500 in supportdesk.urls) that answer JSON under /api/ and Django's pages elsewhere."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults

from tickets.api.errors import json_error_for_api


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a form came without a valid CSRF token (a page open for hours, a refused cookie).

    Django's own page carries inline styles, which the Content-Security-Policy blocks, and speaks English
    only. This one is the desk's layout in the visitor's language and says what to do: go back, reload,
    send again. ``reason`` is technical (and English); Django already logs it with the path
    ("Forbidden (CSRF cookie not set.): /support/new/"), so it is not shown. Rendering the layout issues a
    fresh CSRF cookie, so the reloaded page's form goes through. The template keeps Django's name
    (``403_csrf.html``); this view adds the link back to the form's page.
    """
    return render(request, "403_csrf.html", {"back_url": _back_url(request)}, status=403)


def _back_url(request: HttpRequest) -> str:
    """The page the form was on (the Referer, when it is this site's), else where a visitor starts."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return referer
    user = getattr(request, "user", None)
    return reverse("operator:dashboard" if user is not None and user.is_authenticated else "student:ticket_new")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A request Django could not read (a body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413 JSON under /api/)."""
    return json_error_for_api(request, 400, exception) or defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return json_error_for_api(request, 403, exception) or defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return json_error_for_api(request, 404, exception) or defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    return json_error_for_api(request, 500) or defaults.server_error(request)
