"""Reading a form's body when it is over Django's DATA_UPLOAD_MAX_MEMORY_SIZE, keeping what fitted.

Django's multipart parser raises ``RequestDataTooBig`` at the first text field that passes the limit (2 MB of
text; screenshots are files and do not count) and throws away every field it had read: the CSRF check then fails
on an empty form, or the visitor gets a bare "400 Bad Request" and loses what they typed (issue 8). A browser
keeps the form's text far below the limit (``maxlength`` 10 000), so only a script or a very long paste gets
here; the view then answers 413 with the fields read before the oversized one (name, e-mail, the CSRF token).
The oversized field itself cannot be kept: Django reads it only up to the limit and drops it on raising.
"""
from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import MultiValueDict


def multipart_body_too_big(request: HttpRequest) -> bool:
    """Parse a multipart POST now (with the request's upload handlers); True when it was over the limit.

    Then ``request.POST`` holds the fields read before the limit and ``request.FILES`` nothing. Any other body
    is left for Django to parse as usual.
    """
    if request.method != "POST" or not request.content_type.startswith("multipart/form-data"):
        return False
    parser = MultiPartParser(request.META, request, request.upload_handlers, request.encoding)
    try:
        request._post, request._files = parser.parse()
    except RequestDataTooBig:
        # MultiPartParser keeps the fields parsed so far in ``_post`` (Django 5.2); copy them to an immutable
        # QueryDict as Django's own parse would.
        partial = getattr(parser, "_post", None) or QueryDict(mutable=True)
        kept = QueryDict(mutable=True, encoding=request.encoding)
        for key, values in partial.lists():
            kept.setlist(key, values)
        kept._mutable = False
        request._post, request._files = kept, MultiValueDict()
        return True
    return False
