"""Every case of the hostile/broken upload corpus, through every door a screenshot comes in.

(a) ``classifier.load_image``; (b) the API ``POST /api/tickets/``; (c) the student web form
``/support/new/``; the status-page reply (form and public API). Multipart bodies are built by hand
(tests.security.helpers.multipart) so that hostile file names reach the server exactly as sent.
"""
from __future__ import annotations

import html
import io

import pytest
from django.urls import reverse
from PIL import Image

from classifier import ImageError, load_image
from tests.factories import TicketFactory
from tickets.models import Attachment, Message, Ticket

from .corpus import CASES, DESK_ACCEPTED, LIMIT_BYTES, MAX_PIXELS, NAME_CASES, UploadCase
from .helpers import (
    assert_clean_display_name,
    assert_stored_payload_free,
    assert_stored_safely,
    case_files,
    media_files,
    multipart,
)

TEXT = "Не проходит оплата картой, see the screenshot <b>please</b>"
FIELDS = {"name": "Ann Student", "email": "ann@example.org", "description": TEXT}
API_URL = "/api/tickets/"


def ids(case: UploadCase) -> str:
    return case.name


def desk_params(cases=CASES):
    """Cases for tests of the desk; a case whose good image the desk wrongly refuses is xfail (strict)."""
    for case in cases:
        marks = [pytest.mark.xfail(strict=True, reason=case.accept_bug)] if case.accept_bug else []
        yield pytest.param(case, id=case.name, marks=marks)


def test_corpus_is_big_enough_and_covers_the_issue():
    from .corpus import BY_NAME

    assert len(CASES) >= 30
    required = [
        "text_named_png", "html_named_jpg", "svg_script_named_png", "png_zip_polyglot", "jpeg_html_trailing_polyglot",
        "png_dimension_bomb", "png_truncated", "jpeg_truncated", "empty_file", "over_size_limit", "animated_gif",
        "cmyk_jpeg", "png_16bit_gray", "exif_rotated_jpeg", "name_path_traversal", "name_nul", "name_300_chars",
        "one_pixel_png", "png_bad_idat_crc", "jpeg_soi_only", "bmp_image", "tiff_image", "ico_image", "webp",
        "png_text_chunk_script", "tall_strip_1x100000", "png_la", "png_rgba", "png_palette_transparency",
        "at_size_limit", "name_rtl_override", "jpeg_named_png", "svg_script_as_svg", "jpeg_html_comment_polyglot",
    ]
    assert not [name for name in required if name not in BY_NAME]
    assert all(len(case.make_bytes()) <= LIMIT_BYTES + 1 for case in CASES)  # nothing big is generated


# --- (a) the classifier's loader ----------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_load_image(case):
    data = case.make_bytes()
    if case.expect == "reject":
        with pytest.raises(ImageError) as info:
            load_image(io.BytesIO(data), max_bytes=LIMIT_BYTES, max_pixels=MAX_PIXELS)
        assert type(info.value) is case.reject_error, (type(info.value), str(info.value))
        message = str(info.value)
        assert message.strip() and message == info.value.message
        assert "Traceback" not in message and "PIL" not in message
    else:
        image = load_image(io.BytesIO(data), max_bytes=LIMIT_BYTES, max_pixels=MAX_PIXELS)
        assert isinstance(image, Image.Image) and image.mode == "RGB"
        image.getpixel((0, 0))  # decoded, not lazy
        if case.size:
            assert image.size == case.size
        if case.check:
            case.check(image)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_load_image_from_path_agrees_with_stream(case, tmp_path):
    path = tmp_path / "upload.bin"
    path.write_bytes(case.make_bytes())
    if case.expect == "reject":
        with pytest.raises(case.reject_error):
            load_image(path, max_bytes=LIMIT_BYTES, max_pixels=MAX_PIXELS)
    else:
        assert load_image(path, max_bytes=LIMIT_BYTES, max_pixels=MAX_PIXELS).mode == "RGB"


# --- (b) the API ------------------------------------------------------------------------------------


def _api_post(client, case: UploadCase, *, url: str = API_URL, fields=None, count: int = 1):
    body, content_type = multipart(FIELDS if fields is None else fields, case_files(case, count))
    return client.post(url, data=body, content_type=content_type)


def _json_screenshot_errors(response) -> list[str]:
    assert response.status_code == 400, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    payload = response.json()
    assert "screenshots" in payload, payload
    errors = payload["screenshots"]
    errors = errors if isinstance(errors, list) else [errors]
    flat = []
    for error in errors:  # ["msg", ...] from the desk, or {"0": ["msg"]} from DRF's per-item FileField checks
        if isinstance(error, dict):
            for value in error.values():
                flat.extend(value if isinstance(value, list) else [value])
        else:
            flat.append(error)
    assert flat and all(isinstance(e, str) and e.strip() for e in flat), errors
    assert not any("Traceback" in e or "Error:" in e for e in flat), flat
    return flat


@pytest.mark.parametrize("case", list(desk_params()))
def test_api_submit(case, desk, api_client):
    response = _api_post(api_client, case)
    if case.desk == "reject":
        _json_screenshot_errors(response)
        assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0
        assert media_files() == []
    else:
        assert response.status_code == 201, response.content[:500]
        ticket = Ticket.objects.get(pk=response.json()["id"])
        assert ticket.description == TEXT.strip()
        attachment = ticket.attachments.get()
        assert_stored_safely(attachment, case, check_payload=False)
        assert len(media_files()) == 2  # the re-encoded file and its thumbnail, nothing else


def _payload_params():
    for case in DESK_ACCEPTED:
        reason = case.accept_bug or case.stored_bug
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", list(_payload_params()))
def test_api_stored_copy_carries_no_payload(case, desk, api_client):
    response = _api_post(api_client, case)
    assert response.status_code == 201, response.content[:500]
    assert_stored_payload_free(Attachment.objects.get())


@pytest.mark.parametrize("case", list(desk_params()))
def test_public_api_reply(case, desk, api_client):
    ticket = TicketFactory(description="first message")
    url = reverse("api:public-ticket", kwargs={"token": ticket.public_token})
    messages_before = Message.objects.filter(ticket=ticket).count()
    response = _api_post(api_client, case, url=url, fields={"body": "second message"})
    if case.desk == "reject":
        _json_screenshot_errors(response)
        assert Message.objects.filter(ticket=ticket).count() == messages_before
        assert media_files() == []
    else:
        assert response.status_code == 201, response.content[:500]
        message = Message.objects.filter(ticket=ticket).order_by("-id").first()
        assert message.body == "second message"
        assert_stored_safely(message.attachments.get(), case, check_payload=False)


# --- (c) the student web form and the status-page reply -----------------------------------------


def _form_errors_shown(response, field: str) -> list[str]:
    assert response.status_code == 400, response.status_code
    form = response.context["form"]
    messages = form.errors.get(field) or form.non_field_errors()
    assert messages, form.errors
    content = response.content.decode()
    for message in messages:
        assert message.strip()
        assert html.escape(message) in content or message in content, message
    return list(messages)


@pytest.mark.parametrize("case", list(desk_params()))
def test_web_form_submit(case, desk, client):
    body, content_type = multipart(FIELDS, case_files(case))
    response = client.post(reverse("student:ticket_new"), data=body, content_type=content_type)
    if case.desk == "reject":
        _form_errors_shown(response, "screenshots")
        # Nothing saved, but the text the student typed is on the page again (not lost).
        assert Ticket.objects.count() == 0 and media_files() == []
        assert html.escape(TEXT) in response.content.decode()
        assert response.context["form"]["description"].value() == TEXT
    else:
        assert response.status_code == 302, (response.status_code, response.context and response.context["form"].errors)
        ticket = Ticket.objects.get()
        assert response["Location"] == reverse("student:ticket_status", kwargs={"token": ticket.public_token})
        assert ticket.description == TEXT.strip() and ticket.source == "web"
        assert_stored_safely(ticket.attachments.get(), case, check_payload=False)


@pytest.mark.parametrize("case", list(desk_params()))
def test_status_page_reply(case, desk, client):
    ticket = TicketFactory(description="first message")
    url = reverse("student:ticket_status", kwargs={"token": ticket.public_token})
    reply = "Here is another screenshot"
    body, content_type = multipart({"body": reply}, case_files(case))
    response = client.post(url, data=body, content_type=content_type)
    if case.desk == "reject":
        _form_errors_shown(response, "screenshots")
        assert Message.objects.filter(ticket=ticket, body=reply).count() == 0 and media_files() == []
        assert response.context["form"]["body"].value() == reply  # the reply text is shown again
        assert reply in response.content.decode()
        assert response["Cache-Control"] == "private, no-store"
    else:
        assert response.status_code == 302
        message = Message.objects.get(ticket=ticket, body=reply)
        assert_stored_safely(message.attachments.get(), case, check_payload=False)


@pytest.mark.parametrize("case", list(desk_params(NAME_CASES)))
def test_display_name_is_sanitized(case, desk, api_client):
    response = _api_post(api_client, case)
    assert response.status_code == 201
    attachment = Attachment.objects.get()
    assert_clean_display_name(attachment.original_name)
    assert "\u202e" not in attachment.original_name
    assert attachment.download_name.endswith(".png")


def test_exif_rotated_photo_is_stored_and_classified_upright(desk, api_client):
    """The classifier reads the stored copy: it must already be upright (EXIF applied, no EXIF left to re-apply)."""
    from tests import fakes
    from tickets.tasks import classify_ticket_task

    from .corpus import check_upright

    case = next(c for c in CASES if c.name == "exif_rotated_jpeg")
    response = _api_post(api_client, case)
    assert response.status_code == 201
    attachment = Attachment.objects.get()
    with Image.open(attachment.file.path) as stored:
        assert not stored.getexif()
        check_upright(stored.convert("RGB"))
    with Image.open(attachment.thumbnail.path) as thumb:
        assert thumb.size[0] < thumb.size[1]  # portrait, like the photo

    classify_ticket_task(response.json()["id"])
    paths, _text = fakes.built[-1].calls[-1]
    assert paths == [attachment.file.path]
    check_upright(load_image(paths[0]))  # what the real classifier would see
