"""Parsers of the API's request bodies: every refusal is a JSON answer, never Django's bare HTML 400.

- ``ScreenshotMultiPartParser`` stops reading at the first file past SUPPORTDESK_MAX_SCREENSHOTS
  (uploads.ScreenshotCountLimit) and answers ``{"screenshots": ["At most N screenshots."]}`` (400), as it does if
  Django's own DATA_UPLOAD_MAX_NUMBER_FILES cap (``TooManyFilesSent``) is hit first.
- ``BoundedJSONParser`` and ``BoundedFormParser``: DRF's own read the whole body whatever its size; these refuse a
  body over DATA_UPLOAD_MAX_MEMORY_SIZE (2 MB, the same cap Django's multipart parser puts on text fields) before
  reading it. ``RequestDataTooBig`` becomes a JSON 413 in ``tickets.api.errors``.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from ..uploads import ScreenshotCountLimit, too_many_screenshots_message


class ScreenshotMultiPartParser(MultiPartParser):
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


def _refuse_oversized(parser_context) -> None:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    request = (parser_context or {}).get("request")
    if limit is None or request is None:
        return
    meta = getattr(request, "_request", request).META
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_oversized(parser_context)
        return super().parse(stream, media_type, parser_context)


class BoundedFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _refuse_oversized(parser_context)
        return super().parse(stream, media_type, parser_context)
