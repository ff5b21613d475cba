import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import ClassifiedTicketFactory, png_bytes, upload
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def post_ticket(client, **overrides):
    data = {"name": "Аня", "email": "anya@example.org", "description": "Не проходит оплата", "screenshots": [upload()]}
    data.update(overrides)
    return client.post(reverse("student:ticket_new"), data)


def test_form_page_is_russian_by_default(client):
    response = client.get(reverse("student:ticket_new"))
    assert response.status_code == 200
    assert 'lang="ru"' in response.content.decode()


def test_language_switcher_changes_language(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/support/new/"})
    assert 'lang="en"' in client.get(reverse("student:ticket_new")).content.decode()


def test_submit_redirects_to_status_page_and_classifies(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_ticket(client)
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("student:ticket_status", args=[ticket.public_token])
    assert ticket.source == "web" and ticket.attachments.count() == 1
    assert ticket.queue.slug == "payment"
    assert len(mail.outbox) == 1

    page = client.get(response["Location"])
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    assert "Не проходит оплата" in page.content.decode()


def test_invalid_upload_shows_a_clear_message(client):
    response = post_ticket(client, screenshots=[upload("virus.png", b"MZ\x90\x00 not an image")])
    assert response.status_code == 400
    assert "virus.png" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_too_many_screenshots_are_refused(client):
    response = post_ticket(client, screenshots=[upload(f"{i}.png") for i in range(6)])
    assert response.status_code == 400 and Ticket.objects.count() == 0


def test_too_large_file_is_refused(client, settings):
    settings.SUPPORTDESK_MAX_UPLOAD_BYTES = 1000
    response = post_ticket(client, screenshots=[upload("big.png", png_bytes(size=(400, 400), color=None) + b"0" * 2000)])
    assert response.status_code == 400 and Ticket.objects.count() == 0


def test_too_many_pixels_are_refused(client, settings):
    settings.SUPPORTDESK_MAX_IMAGE_PIXELS = 100
    response = post_ticket(client, screenshots=[upload("wide.png", png_bytes(size=(50, 50)))])
    assert response.status_code == 400 and Ticket.objects.count() == 0


def test_gif_is_refused_even_though_pillow_reads_it(client):
    response = post_ticket(client, screenshots=[upload("a.gif", png_bytes(fmt="GIF"), "image/gif")])
    assert response.status_code == 400


def test_webp_and_jpeg_are_accepted_and_stored_as_jpeg(client):
    response = post_ticket(client, screenshots=[upload("a.webp", png_bytes(fmt="WEBP"), "image/webp"), upload("b.jpg", png_bytes(fmt="JPEG"), "image/jpeg")])
    assert response.status_code == 302
    assert set(Ticket.objects.get().attachments.values_list("content_type", flat=True)) == {"image/jpeg"}


def test_missing_fields_show_errors(client):
    response = client.post(reverse("student:ticket_new"), {"name": "", "email": "not-an-email"})
    assert response.status_code == 400 and Ticket.objects.count() == 0


def test_unknown_token_is_404(client):
    assert client.get(reverse("student:ticket_status", args=["nope" * 10])).status_code == 404


def test_student_reply_reopens_and_adds_screenshot(client):
    ticket = ClassifiedTicketFactory(status=Ticket.Status.RESOLVED)
    url = reverse("student:ticket_status", args=[ticket.public_token])
    response = client.post(url, {"body": "опять не работает", "screenshots": [upload()]})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.attachments.count() == 1


def test_status_json_for_polling(client):
    ticket = ClassifiedTicketFactory()
    data = client.get(reverse("student:ticket_status_json", args=[ticket.public_token])).json()
    assert data == {"status": "new", "classification_state": "done", "queue": "payment", "answer_pending": False}


def test_pending_page_polls(client):
    ticket = ClassifiedTicketFactory(classification_state="pending")
    body = client.get(reverse("student:ticket_status", args=[ticket.public_token])).content.decode()
    assert "state.json" in body


def test_student_gets_own_screenshot_with_safe_headers(client):
    post_ticket(client)
    ticket = Ticket.objects.get()
    attachment = ticket.attachments.get()
    response = client.get(reverse("student:attachment", args=[ticket.public_token, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith('inline; filename="shot.png"')
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    thumb = client.get(reverse("student:attachment_thumb", args=[ticket.public_token, attachment.pk]))
    assert thumb["Content-Type"] == "image/jpeg"


def test_screenshot_of_another_ticket_is_404(client):
    post_ticket(client)
    attachment = Ticket.objects.get().attachments.get()
    other = ClassifiedTicketFactory()
    assert client.get(reverse("student:attachment", args=[other.public_token, attachment.pk])).status_code == 404


def test_russian_even_for_an_english_browser_until_switched(client):
    body = client.get(reverse("student:ticket_new"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="ru"' in body
    client.cookies["django_language"] = "en"
    assert 'lang="en"' in client.get(reverse("student:ticket_new"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()


def test_russian_translations_are_compiled_and_used(client):
    # Needs locale/ru/LC_MESSAGES/django.mo (python manage.py compilemessages).
    body = client.get(reverse("student:ticket_new")).content.decode()
    assert "Написать в поддержку" in body and "Ваше имя" in body


def test_upload_hint_follows_the_language(client, settings):
    """Issue 8: in the English UI the upload hint stayed Russian (built once, at import)."""
    settings.SUPPORTDESK_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
    assert "До 5 изображений PNG, JPEG или WebP, до 5 МБ каждое." in client.get(reverse("student:ticket_new")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("student:ticket_new")).content.decode()
    assert "Up to 5 PNG, JPEG or WebP images, 5 MB each." in english


def test_screenshot_field_carries_the_limits_the_server_enforces(client, settings):
    settings.SUPPORTDESK_MAX_SCREENSHOTS, settings.SUPPORTDESK_MAX_UPLOAD_BYTES = 3, 123456
    body = client.get(reverse("student:ticket_new")).content.decode()
    field = re.search(r"<div class=\"field screenshots\" data-screenshots([^>]*)>", body).group(1)
    assert 'data-max-count="3"' in field and 'data-max-bytes="123456"' in field
    assert 'data-msg-count="Не больше 3 скриншотов."' in field


def test_students_never_see_the_internal_triage_name(client):
    """Issue 8: students saw the internal queue name "Разбор"."""
    from tests.factories import TicketFactory
    from tickets import services

    ticket = TicketFactory(description="привет")
    services.ticket_classify(ticket_id=ticket.pk)
    body = client.get(reverse("student:ticket_status", args=[ticket.public_token])).content.decode()
    assert "Разбор" not in body and "Служба поддержки" in re.search(r'id="ticket-queue">(.*?)</strong>', body, re.S).group(1)
