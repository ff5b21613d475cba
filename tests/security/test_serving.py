"""Stored screenshots are served only through views that check the secret link or the operator's queues,
with a safe content type, nosniff, a sandboxing CSP and a Content-Disposition that cannot be abused."""
from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from PIL import Image

from tests.factories import UserFactory, operator
from tickets.models import Attachment, Ticket

from .corpus import BY_NAME, jpeg_small, png_small
from .helpers import multipart

FIELDS = {"name": "Ann", "email": "ann@example.org", "description": "не проходит оплата"}


def submit(api_client, filename="shot.png", content=None, content_type="image/png") -> tuple[Ticket, Attachment]:
    body, ctype = multipart(FIELDS, [("screenshots", filename, content_type, png_small() if content is None else content)])
    response = api_client.post("/api/tickets/", data=body, content_type=ctype)
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    return ticket, ticket.attachments.get()


def student_url(token, attachment, thumb=False):
    name = "student:attachment_thumb" if thumb else "student:attachment"
    return reverse(name, kwargs={"token": token, "attachment_id": attachment.pk})


def operator_url(attachment, thumb=False):
    return reverse("operator:attachment_thumb" if thumb else "operator:attachment", kwargs={"attachment_id": attachment.pk})


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_safe_image_response(response, content_type: str, attachment=None):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"] and "default-src 'none'" in response["Content-Security-Policy"]
    disposition = response["Content-Disposition"]
    assert re.fullmatch(r'inline; filename="[ -!#-\[\]-~]*"; filename\*=UTF-8\'\'[A-Za-z0-9%._~!\'()*-]*', disposition), disposition
    assert "\r" not in disposition and "\n" not in disposition
    assert response["Cache-Control"].startswith("private")
    data = body_of(response)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == {"image/png": "PNG", "image/jpeg": "JPEG"}[content_type]
    if attachment is not None:
        assert data == attachment.file.open("rb").read()
        attachment.file.close()
    return data


@pytest.fixture
def two_tickets(desk, api_client):
    mine = submit(api_client)
    theirs = submit(api_client, "other.png")
    return mine, theirs


def test_owner_gets_file_and_thumbnail_with_safe_headers(two_tickets, client):
    (ticket, attachment), _ = two_tickets
    assert_safe_image_response(client.get(student_url(ticket.public_token, attachment)), "image/png", attachment)
    assert_safe_image_response(client.get(student_url(ticket.public_token, attachment, thumb=True)), "image/jpeg")


def test_jpeg_is_served_as_jpeg(desk, api_client, client):
    ticket, attachment = submit(api_client, "photo.jpg", jpeg_small(), "image/jpeg")
    assert attachment.content_type == "image/jpeg"
    assert_safe_image_response(client.get(student_url(ticket.public_token, attachment)), "image/jpeg", attachment)


def test_declared_content_type_is_ignored(desk, api_client, client):
    """A PNG declared as text/html by the client is stored and served as image/png."""
    ticket, attachment = submit(api_client, "page.html", png_small(), "text/html")
    assert attachment.content_type == "image/png"
    assert_safe_image_response(client.get(student_url(ticket.public_token, attachment)), "image/png")


@pytest.mark.parametrize(
    "token",
    ["wrong", "A" * 43, "A" * 65, "%00", "..", "' OR '1'='1"],
)
def test_wrong_token_is_404(two_tickets, client, token):
    (_, attachment), _ = two_tickets
    response = client.get(f"/support/t/{token}/files/{attachment.pk}/")
    assert response.status_code == 404


def test_token_prefix_or_case_change_is_404(two_tickets, client):
    (ticket, attachment), _ = two_tickets
    for token in (ticket.public_token[:-1], ticket.public_token.swapcase(), ticket.public_token + "x"):
        assert client.get(student_url(token, attachment)).status_code == 404


def test_other_students_token_cannot_read_my_file(two_tickets, client):
    (_mine, my_attachment), (theirs, _their_attachment) = two_tickets
    assert client.get(student_url(theirs.public_token, my_attachment)).status_code == 404
    assert client.get(student_url(theirs.public_token, my_attachment, thumb=True)).status_code == 404


def test_anonymous_cannot_use_operator_file_urls(two_tickets, client):
    (_, attachment), _ = two_tickets
    for url in (operator_url(attachment), operator_url(attachment, thumb=True)):
        response = client.get(url)
        assert response.status_code in (302, 403, 404)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("operator:login"))
        assert not body_of(response).startswith(b"\x89PNG")


def test_logged_in_non_operator_is_refused(two_tickets, client):
    (_, attachment), _ = two_tickets
    client.force_login(UserFactory(username="student-with-account"))
    assert client.get(operator_url(attachment)).status_code in (403, 404)


def test_operator_outside_the_queue_gets_404(two_tickets, client):
    (ticket, attachment), _ = two_tickets
    assert ticket.queue.slug == "triage"  # on_commit did not run: still waiting for the classifier
    client.force_login(operator("payments-only", queues=["payment"]))
    assert client.get(operator_url(attachment)).status_code == 404
    assert client.get(operator_url(attachment, thumb=True)).status_code == 404


def test_operator_of_the_queue_gets_the_file(two_tickets, client):
    (_, attachment), _ = two_tickets
    client.force_login(operator("triager", queues=["triage"]))
    assert_safe_image_response(client.get(operator_url(attachment)), "image/png", attachment)


def test_media_is_not_served_from_a_public_url(two_tickets, client, settings):
    (_, attachment), _ = two_tickets
    for prefix in (settings.MEDIA_URL, "/media/", "/"):
        url = prefix.rstrip("/") + "/" + attachment.file.name
        assert client.get(url).status_code == 404, url


def test_stored_names_are_random(desk, api_client):
    names = {submit(api_client)[1].file.name for _ in range(3)}
    assert len(names) == 3
    for name in names:
        assert re.fullmatch(r"attachments/[0-9a-f]{4}/[A-Za-z0-9_-]{32}\.png", name)


def test_public_api_links_carry_the_token_and_never_a_media_path(two_tickets, api_client, settings):
    (ticket, attachment), _ = two_tickets
    data = api_client.get(reverse("api:public-ticket", kwargs={"token": ticket.public_token})).json()
    urls = [a["url"] for m in data["messages"] for a in m["attachments"]]
    assert urls and all(ticket.public_token in url and settings.MEDIA_URL not in url for url in urls)
    assert attachment.file.name not in str(data)


@pytest.mark.parametrize(
    "case_name",
    ["name_crlf_header_injection", "name_html", "name_unicode", "name_rtl_override", "name_300_chars", "name_nul",
     "name_path_traversal", "name_empty_dotfile"],
)
def test_content_disposition_is_safe_for_hostile_names(desk, api_client, client, case_name):
    case = BY_NAME[case_name]
    ticket, attachment = submit(api_client, case.filename, case.make_bytes(), case.content_type)
    response = client.get(student_url(ticket.public_token, attachment))
    assert_safe_image_response(response, "image/png")
    disposition = response["Content-Disposition"]
    assert disposition.count('"') == 2 and ".." not in disposition and "etc" not in disposition.split("passwd")[0][-5:]
    assert disposition.split('filename="', 1)[1].split('"', 1)[0].endswith(".png")
