"""The API answers JSON, whatever went wrong (issue 8).

``api_exception_handler`` (REST_FRAMEWORK's EXCEPTION_HANDLER) turns what Django's request parsing raises inside a
DRF view into JSON: a body over DATA_UPLOAD_MAX_MEMORY_SIZE → 413, too many fields or files, or any other
``SuspiciousOperation`` → 400. ``json_error_for_api`` answers the same way for what never reaches a DRF view (an
unknown ``/api/...`` URL, an error in middleware): supportdesk.urls' handler400/403/404/500 call it first.
"""
from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.views import exception_handler

API_PREFIX = "/api/"


def _too_big_detail() -> str:
    return _("The request is too large. Send shorter text (screenshots go as files).")


def _bad_request_detail() -> str:
    return _("The request could not be read.")


def api_exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": _too_big_detail()}, status=413)
    if isinstance(exc, SuspiciousOperation):
        return Response({"detail": _bad_request_detail()}, status=400)
    return exception_handler(exc, context)


def json_error_for_api(request: HttpRequest, status: int, exception: Exception | None = None) -> JsonResponse | None:
    """A JSON answer for a request under /api/ (None for any other path: the HTML pages answer those)."""
    if not request.path.startswith(API_PREFIX):
        return None
    if isinstance(exception, RequestDataTooBig):
        status, detail = 413, _too_big_detail()
    else:
        detail = {
            400: _bad_request_detail(),
            403: _("You do not have permission to perform this action."),
            404: _("Not found."),
        }.get(status, _("Server error. Please try again later."))
    return JsonResponse({"detail": detail}, status=status)
