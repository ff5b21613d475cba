"""End to end in headless Chromium: a student submits a ticket with a screenshot, an operator finds
it in its queue, corrects the label, and the ticket moves to the other queue."""
import re

import pytest
from playwright.sync_api import expect

from tests.factories import png_bytes
from tickets import services
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_student_submits_and_operator_overrides(live_server, page, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    services.desk_seed()  # transactional tests flush tables: make sure the default queues exist
    services.account_create(username="operator1", password="op-pass-123", role="operator")
    screenshot = tmp_path / "ошибка оплаты.png"
    screenshot.write_bytes(png_bytes(size=(300, 200)))

    # Student: the form (Russian by default), one screenshot, submit.
    page.goto(f"{live_server.url}/support/new/")
    assert page.locator("html").get_attribute("lang") == "ru"
    page.fill("#id_name", "Анна")
    page.fill("#id_email", "anna@example.org")
    page.fill("#id_description", "Не проходит оплата картой, деньги списались")
    page.set_input_files("#id_screenshots", str(screenshot))
    page.click("form button[type=submit]")

    # The status page behind the secret link; classification ran in the background (sync in tests).
    page.wait_for_url(re.compile(r"/support/t/[\w-]{40,}/$"))
    ticket = Ticket.objects.get()
    assert ticket.public_token in page.url
    assert "Не проходит оплата" in page.content()
    expect(page.locator("#ticket-queue")).to_have_text("Оплата")  # polls and reloads while "sorting…"
    assert page.locator(".thumbs img").count() == 1
    page.screenshot(path=str(tmp_path / "student.png"))

    # Operator: log in, the payment queue lists the ticket.
    page.goto(f"{live_server.url}/desk/login/")
    page.fill("#id_username", "operator1")
    page.fill("#id_password", "op-pass-123")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/desk/")
    page.click("a[data-queue=payment]")
    row = page.locator(f"tr[data-ticket='{ticket.pk}']")
    assert row.count() == 1

    # Open it, correct the label to course-problem with a reason.
    row.locator("a").first.click()
    page.wait_for_url(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    assert page.locator("#ticket-label").inner_text() == "payment-problem"
    page.select_option("#id_label", "course-problem")
    page.fill("#id_reason", "Речь про урок")
    page.click("#override-form button[type=submit]")
    expect(page.locator("#ticket-queue")).to_have_text("Обучение")
    expect(page.locator("#ticket-label")).to_have_text("course-problem")
    page.screenshot(path=str(tmp_path / "operator.png"), full_page=True)

    # It moved: gone from payment, listed in course.
    page.goto(f"{live_server.url}/desk/queues/payment/")
    assert page.locator(f"tr[data-ticket='{ticket.pk}']").count() == 0
    page.goto(f"{live_server.url}/desk/queues/course/")
    assert page.locator(f"tr[data-ticket='{ticket.pk}']").count() == 1

    ticket.refresh_from_db()
    assert (ticket.queue.slug, ticket.label, ticket.label_overridden) == ("course", "course-problem", True)
    override = ticket.events.get(kind="override")
    assert (override.actor.username, override.old_value, override.reason) == ("operator1", "payment-problem", "Речь про урок")
