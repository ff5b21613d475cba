"""Serving screenshots only to those allowed to see them (never from a public MEDIA_URL)."""
from __future__ import annotations

from urllib.parse import quote

from django.http import FileResponse, Http404

from ..models import Attachment


def attachment_response(attachment: Attachment, *, thumbnail: bool = False) -> FileResponse:
    field = attachment.thumbnail if thumbnail and attachment.thumbnail else attachment.file
    content_type = "image/jpeg" if field is attachment.thumbnail else attachment.content_type
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("file missing") from None
    response = FileResponse(handle, content_type=content_type)
    name = attachment.download_name
    ascii_name = name.encode("ascii", "ignore").decode() or f"screenshot-{attachment.pk}"
    ascii_name = ascii_name.replace('"', "").replace("\\", "")
    response["Content-Disposition"] = f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
