"""A multipart parser for requests that carry screenshots: too many files is a JSON "screenshots" error."""
from __future__ import annotations

from django.core.exceptions import TooManyFilesSent
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser

from ..uploads import ScreenshotCountLimit, too_many_screenshots_message


class ScreenshotMultiPartParser(MultiPartParser):
    """Stops reading the body at the first file past SUPPORTDESK_MAX_SCREENSHOTS (uploads.ScreenshotCountLimit)
    and answers ``{"screenshots": ["At most N screenshots."]}`` (400), as it does if Django's own
    DATA_UPLOAD_MAX_NUMBER_FILES cap (``TooManyFilesSent``) is hit first, instead of Django's bare HTML 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = None
        if request is not None:
            limit = ScreenshotCountLimit(getattr(request, "_request", request))
            request.upload_handlers.insert(0, limit)
        try:
            result = super().parse(stream, media_type, parser_context)
        except TooManyFilesSent:
            raise ValidationError({"screenshots": [too_many_screenshots_message()]}, code="too_many_files") from None
        if limit is not None and limit.exceeded:
            raise ValidationError({"screenshots": [too_many_screenshots_message()]}, code="too_many_files")
        return result
