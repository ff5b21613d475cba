import logging

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from tickets.services import outage_errors

logger = logging.getLogger(__name__)


class RussianFirstLocaleMiddleware(LocaleMiddleware):
    """Russian unless the visitor picked another language with the switcher (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a student with an
    English browser would never see the Russian UI the school uses by default.
    """

    def process_request(self, request):
        supported = {code for code, _name in settings.LANGUAGES}
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ServiceUnavailableMiddleware:
    """A database or Redis outage anywhere in a view → 503 + Retry-After ("try again in a minute"), not a 500.

    Views that can keep the visitor's input (the ticket form) handle the outage themselves; this is the
    fallback for every other page. JSON for /api/, a plain page (no database needed to render it) otherwise.
    """

    RETRY_AFTER = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, outage_errors()):
            return None
        logger.warning(
            "Service unavailable on %s: %s: %s", request.path, type(exception).__name__, exception
        )
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": _("Service temporarily unavailable, please try again in a minute.")}, status=503)
        else:
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(self.RETRY_AFTER)
        response["Cache-Control"] = "no-store"
        return response
