"""Limits: how many files, how big (and that an oversized file is refused before it is read), mixed batches."""
from __future__ import annotations

import html
import io
import os
import tracemalloc

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIRequestFactory

from classifier import ImageTooLargeError, load_image
from tests.factories import TicketFactory
from tickets.models import Attachment, Message, Ticket
from tickets.uploads import clean_screenshot, sanitize_filename

from .corpus import BY_NAME, LIMIT_BYTES, png_padded_to, png_small
from .helpers import media_files, multipart

FIELDS = {"name": "Ann Student", "email": "ann@example.org", "description": "Моя оплата не прошла"}
GOOD = ("screenshots", "good.png", "image/png")


def _good_files(count: int):
    data = png_small()
    return [(*GOOD, data) for _ in range(count)]


# --- (d) more files than allowed --------------------------------------------------------------------


def test_api_refuses_more_screenshots_than_allowed(desk, api_client):
    limit = settings.SUPPORTDESK_MAX_SCREENSHOTS
    body, content_type = multipart(FIELDS, _good_files(limit + 1))
    response = api_client.post("/api/tickets/", data=body, content_type=content_type)
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    errors = response.json()["screenshots"]
    assert errors and str(limit) in " ".join(map(str, errors)), errors
    assert Ticket.objects.count() == 0 and media_files() == []


def test_api_accepts_exactly_the_allowed_number(desk, api_client):
    limit = settings.SUPPORTDESK_MAX_SCREENSHOTS
    body, content_type = multipart(FIELDS, _good_files(limit))
    response = api_client.post("/api/tickets/", data=body, content_type=content_type)
    assert response.status_code == 201
    assert Attachment.objects.count() == limit


def test_web_form_refuses_more_screenshots_than_allowed_and_keeps_the_text(desk, client):
    limit = settings.SUPPORTDESK_MAX_SCREENSHOTS
    body, content_type = multipart(FIELDS, _good_files(limit + 1))
    response = client.post(reverse("student:ticket_new"), data=body, content_type=content_type)
    assert response.status_code == 400
    errors = response.context["form"].errors["screenshots"]
    assert errors and str(limit) in errors[0]
    assert html.escape(errors[0]) in response.content.decode()
    assert html.escape(FIELDS["description"]) in response.content.decode()
    assert Ticket.objects.count() == 0 and media_files() == []


def test_status_reply_refuses_more_screenshots_than_allowed(desk, client):
    ticket = TicketFactory()
    limit = settings.SUPPORTDESK_MAX_SCREENSHOTS
    body, content_type = multipart({"body": "more"}, _good_files(limit + 1))
    response = client.post(reverse("student:ticket_status", kwargs={"token": ticket.public_token}), data=body, content_type=content_type)
    assert response.status_code == 400
    assert response.context["form"].errors["screenshots"]
    assert not Message.objects.filter(ticket=ticket, body="more").exists()


def test_conversation_wide_screenshot_cap(desk, api_client):
    """Replies cannot pile up screenshots without bound (services cap a conversation at 4x the per-message limit)."""
    ticket = TicketFactory()
    url = reverse("api:public-ticket", kwargs={"token": ticket.public_token})
    limit = settings.SUPPORTDESK_MAX_SCREENSHOTS
    statuses = []
    for _ in range(5):
        body, content_type = multipart({"body": "again"}, _good_files(limit))
        statuses.append(api_client.post(url, data=body, content_type=content_type).status_code)
    assert statuses[:4] == [201] * 4 and statuses[4] == 400
    assert Attachment.objects.filter(ticket=ticket).count() == limit * 4


@pytest.mark.parametrize("door", ["api", "form"])
def test_hundreds_of_files_in_one_request_are_refused_cleanly(desk, client, api_client, door):
    """Past DATA_UPLOAD_MAX_NUMBER_FILES Django stops parsing: a 400, never a 500, nothing stored."""
    body, content_type = multipart(FIELDS, [(*GOOD, b"x")] * 150)
    if door == "api":
        response = api_client.post("/api/tickets/", data=body, content_type=content_type)
    else:
        response = client.post(reverse("student:ticket_new"), data=body, content_type=content_type)
    assert response.status_code == 400
    assert Ticket.objects.count() == 0 and media_files() == []


def test_api_hundreds_of_files_get_a_json_screenshots_error(desk, api_client):
    body, content_type = multipart(FIELDS, [(*GOOD, b"x")] * 150)
    response = api_client.post("/api/tickets/", data=body, content_type=content_type)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    assert response.json()["screenshots"]


def test_web_form_hundreds_of_files_show_the_limit_message(desk, client):
    body, content_type = multipart(FIELDS, [(*GOOD, b"x")] * 150)
    response = client.post(reverse("student:ticket_new"), data=body, content_type=content_type)
    assert response.status_code == 400
    assert response.context is not None and "form" in response.context, "bare 400 page, not the form"
    assert str(settings.SUPPORTDESK_MAX_SCREENSHOTS) in response.content.decode()


# --- one bad screenshot among good ones --------------------------------------------------------------


def test_api_one_bad_among_good_names_the_bad_file_and_stores_nothing(desk, api_client):
    bad = BY_NAME["html_named_jpg"]
    files = _good_files(2) + [("screenshots", "evil.jpg", "image/jpeg", bad.make_bytes())]
    body, content_type = multipart(FIELDS, files)
    response = api_client.post("/api/tickets/", data=body, content_type=content_type)
    assert response.status_code == 400
    errors = response.json()["screenshots"]
    assert len(errors) == 1 and errors[0].startswith("evil.jpg: "), errors
    assert Ticket.objects.count() == 0 and media_files() == []  # the good files were not written either


def test_web_form_every_bad_file_is_reported_and_text_kept(desk, client):
    files = _good_files(1) + [
        ("screenshots", "a.png", "image/png", BY_NAME["text_named_png"].make_bytes()),
        ("screenshots", "b.png", "image/png", BY_NAME["png_dimension_bomb"].make_bytes()),
    ]
    body, content_type = multipart(FIELDS, files)
    response = client.post(reverse("student:ticket_new"), data=body, content_type=content_type)
    assert response.status_code == 400
    errors = response.context["form"].errors["screenshots"]
    assert [e.split(":", 1)[0] for e in errors] == ["a.png", "b.png"], errors
    assert response.context["form"]["description"].value() == FIELDS["description"]
    assert response.context["form"]["email"].value() == FIELDS["email"]
    assert Ticket.objects.count() == 0


def test_web_form_without_text_and_with_a_refused_screenshot_explains_the_screenshot(desk, client):
    body, content_type = multipart({**FIELDS, "description": ""}, [("screenshots", "a.png", "image/png", b"not an image")])
    response = client.post(reverse("student:ticket_new"), data=body, content_type=content_type)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["screenshots"] and "description" not in form.errors  # one clear reason, not two


# --- size: refused before being read whole ------------------------------------------------------------


class CountingReader(io.BytesIO):
    """A file-like upload that records how many bytes were read from it."""

    def __init__(self, data: bytes, *, size: int | None = None):
        super().__init__(data)
        self.bytes_read = 0
        if size is not None:
            self.size = size

    def read(self, n=-1):
        chunk = super().read(n)
        self.bytes_read += len(chunk)
        return chunk


def test_oversized_upload_with_known_size_is_refused_without_reading():
    upload = CountingReader(b"\x89PNG" + b"\x00" * 100, size=10 * LIMIT_BYTES)
    with pytest.raises(ImageTooLargeError):
        load_image(upload, max_bytes=LIMIT_BYTES)
    assert upload.bytes_read == 0


def test_oversized_stream_without_size_reads_at_most_limit_plus_one():
    class Stream:  # not seekable, no size: e.g. a socket or a Telegram download stream
        def __init__(self):
            self.inner = CountingReader(png_padded_to(LIMIT_BYTES) + b"\x00" * (5 * LIMIT_BYTES))

        def read(self, n=-1):
            return self.inner.read(n)

    stream = Stream()
    with pytest.raises(ImageTooLargeError):
        load_image(stream, max_bytes=LIMIT_BYTES)
    assert stream.inner.bytes_read <= LIMIT_BYTES + 1


def test_oversized_file_on_disk_is_refused_from_its_size(tmp_path):
    path = tmp_path / "huge.png"
    with open(path, "wb") as fh:  # a sparse 2 GB file: costs nothing, would hurt if read
        fh.write(b"\x89PNG\r\n\x1a\n")
        fh.truncate(2 * 1024**3)
    with pytest.raises(ImageTooLargeError):
        load_image(path, max_bytes=LIMIT_BYTES)


def test_api_oversized_upload_with_default_limit_is_refused_without_reading_it(db, media_root, settings):
    """An 11 MB upload against the real 10 MB limit: streamed to a temp file by Django, refused from its size.

    Peak Python memory during the request stays far below the file size (load_image never reads it).
    """
    from tickets.api.views import TicketListCreateApi

    limit = settings.SUPPORTDESK_MAX_UPLOAD_BYTES
    assert limit == 10 * 1024 * 1024
    content = png_small() + b"\x00" * (limit + 1024 * 1024)
    body, content_type = multipart(FIELDS, [("screenshots", "huge.png", "image/png", content)])
    request = APIRequestFactory().post("/api/tickets/", data=body, content_type=content_type)
    del body, content
    tracemalloc.start()
    try:
        response = TicketListCreateApi.as_view()(request)
        response.render()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 400, response.data
    assert "screenshots" in response.data
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1048576:.1f} MB while refusing an 11 MB upload"
    assert Ticket.objects.count() == 0


def test_file_at_the_limit_is_accepted_and_one_byte_more_is_not(desk):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    assert clean_screenshot(SimpleUploadedFile("ok.png", png_padded_to(LIMIT_BYTES), "image/png")).width == 16
    with pytest.raises(ValidationError):
        clean_screenshot(SimpleUploadedFile("big.png", png_padded_to(LIMIT_BYTES + 1), "image/png"))


def test_size_error_message_states_the_limit(db, settings):
    """The student is told the limit in MB (with the real 10 MB limit)."""
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation

    settings.SUPPORTDESK_MAX_UPLOAD_BYTES = 1024 * 1024
    with translation.override("en"), pytest.raises(ValidationError) as info:
        clean_screenshot(SimpleUploadedFile("big.png", png_padded_to(1024 * 1024 + 1), "image/png"))
    assert "1 MB" in info.value.messages[0], info.value.messages


# --- file names reaching the desk without Django's multipart parser (Telegram, services) ----------


@pytest.mark.parametrize(
    "raw, forbidden",
    [
        ("../../etc/passwd.png", "/"),
        ("..\\..\\boot.ini.png", "\\"),
        ("shot.png\x00.html", "\x00"),
        ("a\r\nX-Evil: 1.png", "\n"),
        ('"><script>.png', "<"),
    ],
)
def test_sanitize_filename_strips_what_is_dangerous(raw, forbidden):
    assert forbidden not in sanitize_filename(raw)
    assert len(sanitize_filename("x" * 500 + ".png")) <= 100
    assert sanitize_filename("x" * 500 + ".png").endswith(".png")


@pytest.mark.parametrize("raw", ["invoice\u202egnp.exe", "shot\u2066.exe\u2069.png", "a\u200bb.png"])
def test_sanitize_filename_strips_bidi_and_invisible_characters(raw):
    cleaned = sanitize_filename(raw)
    assert all(not ("\u200b" <= ch <= "\u200f" or "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069") for ch in cleaned), repr(cleaned)


def test_stored_path_never_uses_the_uploaded_name(desk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tickets.services import ticket_create

    image = clean_screenshot(SimpleUploadedFile("../../../../tmp/pwned.png", png_small(), "image/png"))
    ticket = ticket_create(name="A", email="a@example.org", description="x", screenshots=[image])
    attachment = ticket.attachments.get()
    assert "pwned" not in attachment.file.name and attachment.original_name == "pwned.png"
    root = os.path.realpath(settings.MEDIA_ROOT)
    assert os.path.realpath(attachment.file.path).startswith(root + os.sep)


# --- screenshots that are not files at all ----------------------------------------------------------


def test_api_screenshot_sent_as_text_field_is_a_json_400(desk, api_client):
    body, content_type = multipart({**FIELDS, "screenshots": "<script>alert(1)</script>"}, [])
    response = api_client.post("/api/tickets/", data=body, content_type=content_type)
    assert response.status_code == 400 and "screenshots" in response.json()
    assert Ticket.objects.count() == 0


def test_api_screenshot_sent_as_json_base64_is_a_json_400(desk, api_client):
    import base64

    payload = {**FIELDS, "screenshots": [base64.b64encode(png_small()).decode()]}
    response = api_client.post("/api/tickets/", data=payload, format="json")
    assert response.status_code == 400 and "screenshots" in response.json()
    assert Ticket.objects.count() == 0


# --- follow-ups to the fixes above ---------------------------------------------------------------------


def test_web_form_hundreds_of_files_keep_the_typed_text(desk, client):
    """Parsing stops at the first file past the limit, so the text fields sent before the files survive."""
    body, content_type = multipart(FIELDS, [(*GOOD, b"x")] * 150)
    response = client.post(reverse("student:ticket_new"), data=body, content_type=content_type)
    assert response.status_code == 400
    page = response.content.decode()
    assert html.escape(FIELDS["description"]) in page and html.escape(FIELDS["name"]) in page
    assert response.context["form"].errors["screenshots"]
    assert "description" not in response.context["form"].errors  # no "describe or attach" next to it
    assert Ticket.objects.count() == 0 and media_files() == []


def test_web_form_with_csrf_enforced_still_stops_at_the_limit(desk):
    """The count handler is installed before the CSRF check reads the body (csrf_exempt outside, csrf_protect inside)."""
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    page = csrf_client.get(reverse("student:ticket_new"))
    token = page.cookies["csrftoken"].value
    body, content_type = multipart({"csrfmiddlewaretoken": token, **FIELDS}, [(*GOOD, b"x")] * 150)
    response = csrf_client.post(reverse("student:ticket_new"), data=body, content_type=content_type)
    assert response.status_code == 400 and response.context["form"].errors["screenshots"]
    forged = Client(enforce_csrf_checks=True).post(reverse("student:ticket_new"), data=body, content_type=content_type)
    assert forged.status_code == 403
    assert Ticket.objects.count() == 0


def test_status_page_hundreds_of_files_show_the_limit_and_keep_the_text(desk, client):
    ticket = TicketFactory()
    body, content_type = multipart({"body": "ещё вопрос"}, [(*GOOD, b"x")] * 150)
    response = client.post(reverse("student:ticket_status", kwargs={"token": ticket.public_token}), data=body, content_type=content_type)
    assert response.status_code == 400 and response.context["form"].errors["screenshots"]
    assert html.escape("ещё вопрос") in response.content.decode()
    assert not Message.objects.filter(ticket=ticket, body="ещё вопрос").exists()


def test_public_api_hundreds_of_files_get_a_json_screenshots_error(desk, api_client):
    ticket = TicketFactory()
    body, content_type = multipart({"body": "more"}, [(*GOOD, b"x")] * 150)
    response = api_client.post(reverse("api:public-ticket", kwargs={"token": ticket.public_token}), data=body, content_type=content_type)
    assert response.status_code == 400 and response.json()["screenshots"]


def test_api_empty_file_error_is_listed_under_screenshots_with_its_name(desk, api_client):
    body, content_type = multipart(FIELDS, [("screenshots", "empty.png", "image/png", b"")])
    response = api_client.post("/api/tickets/", data=body, content_type=content_type)
    assert response.status_code == 400
    errors = response.json()["screenshots"]
    assert isinstance(errors, list) and "empty.png" in errors[0], errors
    assert Ticket.objects.count() == 0
