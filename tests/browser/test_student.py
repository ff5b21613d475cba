"""A student in Chromium, at desktop width and at 375 px: the form with screenshots (file picker, Ctrl+V,
drag-and-drop), thumbnails and refusals before sending, the status page (copy the link, reply with a
screenshot, "this solved it" / "I still need help"), the language switch, and the same without JavaScript."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import png_file
from tickets.models import Message, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATUS_URL = re.compile(r"/support/t/[\w-]{40,}/$")

# A PNG drawn in the page, put on the real clipboard (the test context may write it); Ctrl+V then pastes it.
COPY_IMAGE_TO_CLIPBOARD = """async ([width, height]) => {
  const canvas = document.createElement("canvas"); canvas.width = width; canvas.height = height;
  const g = canvas.getContext("2d"); g.fillStyle = "#c33"; g.fillRect(0, 0, width, height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  await navigator.clipboard.write([new ClipboardItem({"image/png": blob})]);
}"""

# A DataTransfer holding files made in the page, as a drag from the desktop would carry them.
DRAGGED_FILES = """([names]) => {
  const data = new DataTransfer();
  for (const name of names) {
    const canvas = document.createElement("canvas"); canvas.width = 120; canvas.height = 80;
    const bytes = atob(canvas.toDataURL("image/png").split(",")[1]);
    const array = Uint8Array.from(bytes, (c) => c.charCodeAt(0));
    data.items.add(new File([array], name, {type: "image/png"}));
  }
  return data;
}"""


def paste_screenshot(page, target: str, size=(200, 120)) -> None:
    page.evaluate(COPY_IMAGE_TO_CLIPBOARD, list(size))
    page.click(target)
    page.keyboard.press("Control+V")


def drop_screenshots(page, target: str, *names: str) -> None:
    data = page.evaluate_handle(DRAGGED_FILES, [list(names)])
    for event in ("dragenter", "dragover", "drop"):
        page.dispatch_event(target, event, {"dataTransfer": data})


def test_new_ticket_with_screenshots_from_picker_paste_and_drop(desk, page_watch, tmp_path):
    page, watch = page_watch
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/support/new/")
    page.fill("#id_name", "Анна")
    page.fill("#id_email", "anna@example.org")
    page.fill("#id_description", "Не проходит оплата картой, деньги списались")

    with page.expect_file_chooser() as chooser:  # the page's own "choose screenshots" button
        page.click("[data-pick]")
    chooser.value.set_files(str(png_file(tmp_path, "ошибка оплаты.png")))
    paste_screenshot(page, "#id_description")
    drop_screenshots(page, "[data-dropzone]", "перетащил.png")
    items = page.locator("[data-attachments] [data-attachment]")
    expect(items).to_have_count(3)
    expect(items.locator("img")).to_have_count(3)  # a thumbnail of each
    expect(items.nth(0)).to_contain_text("ошибка оплаты.png")

    # Remove the dropped one; what is left is what the form sends.
    items.nth(2).locator("button[data-remove]").click()
    expect(items).to_have_count(2)
    assert page.eval_on_selector("#id_screenshots", "input => input.files.length") == 2
    watch.shot("new-ticket-attached")

    # A double click sends once.
    page.dblclick("form[data-screenshot-form] button[type=submit]")
    page.wait_for_url(STATUS_URL)
    ticket = Ticket.objects.get()
    assert ticket.attachments.count() == 2
    assert sorted(ticket.attachments.values_list("original_name", flat=True))[1] == "ошибка оплаты.png"
    expect(page.locator("#ticket-queue")).to_have_text("Оплата")  # polls and reloads while "sorting…"
    expect(page.locator(".conversation .thumbs img")).to_have_count(2)
    watch.shot("status-page")


def test_refusals_are_said_before_sending(desk, page_watch, tmp_path, settings):
    # The limits come from the server's settings (rendered into the page), not from numbers in the script.
    settings.SUPPORTDESK_MAX_UPLOAD_BYTES = 20_000
    settings.SUPPORTDESK_MAX_SCREENSHOTS = 2
    page, watch = page_watch
    page.goto("/support/new/")
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not an image")
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 30_000)
    page.set_input_files("#id_screenshots", [str(text_file), str(big)])
    errors = page.locator("[data-attachment-errors]")
    expect(errors).to_contain_text("notes.txt")
    expect(errors).to_contain_text("PNG, JPEG")
    expect(errors).to_contain_text("big.png")
    expect(errors).to_contain_text("0,02")  # 20 000 bytes in MB, from the settings
    assert page.eval_on_selector("#id_screenshots", "input => input.files.length") == 0

    page.set_input_files("#id_screenshots", [str(png_file(tmp_path, f"s{i}.png")) for i in range(3)])
    expect(page.locator("[data-attachments] [data-attachment]")).to_have_count(2)
    expect(errors).to_contain_text("s2.png")
    expect(errors).to_contain_text("2")
    assert page.eval_on_selector("#id_screenshots", "input => input.files.length") == 2
    watch.shot("new-ticket-refused")


def test_status_page_copy_link_and_reply_with_a_screenshot(desk, page_watch, tmp_path):
    page, watch = page_watch
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ticket = desk.ticket_create(name="Борис", email="boris@example.org", description="Не открывается урок", screenshots=[])
    page.goto(f"/support/t/{ticket.public_token}/")
    expect(page.locator("#ticket-queue")).to_have_text("Обучение")

    page.click("[data-copy-target='#status-link']")
    expect(page.locator("[data-copy-target='#status-link']")).to_have_text(re.compile("Скопировано"))
    assert page.evaluate("navigator.clipboard.readText()") == page.url

    page.fill("#id_body", "Вот ещё скриншот")
    paste_screenshot(page, "#id_body")
    page.set_input_files("#id_screenshots", str(png_file(tmp_path, "второй.png")))
    expect(page.locator("[data-attachments] [data-attachment]")).to_have_count(2)
    page.click("form[data-screenshot-form] button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("отправлено")
    reply = Message.objects.filter(ticket=ticket, body="Вот ещё скриншот").get()
    assert reply.attachments.count() == 2
    expect(page.locator(".conversation .msg").last.locator(".thumbs img")).to_have_count(2)
    watch.shot("status-page-replied")
    page.locator(".conversation .thumbs a").first.click()  # the full screenshot, in the page
    expect(page.locator("#lightbox")).to_have_attribute("open", "")
    page.locator("#lightbox").click()
    expect(page.locator("#lightbox")).not_to_have_attribute("open", "")


def test_status_page_does_not_reload_over_what_the_student_typed(desk, page_watch):
    """While the request is sorted the page polls and reloads; not once the student started writing."""
    from tests.factories import TicketFactory

    page, watch = page_watch
    ticket = TicketFactory(description="Помогите")  # classification pending: the page polls state.json
    page.goto(f"/support/t/{ticket.public_token}/")
    expect(page.locator("#ticket-queue .pending")).to_have_count(1)
    page.fill("#id_body", "Пока пишу, страница не должна обновиться")
    desk.ticket_classify(ticket_id=ticket.pk)
    expect(page.locator("[data-updated-notice]")).to_be_visible(timeout=8000)
    expect(page.locator("#id_body")).to_have_value("Пока пишу, страница не должна обновиться")
    page.click("[data-updated-notice] a")
    expect(page.locator("#ticket-queue")).to_have_text("Служба поддержки")


@pytest.mark.parametrize("answer, status", [("Это помогло", "resolved"), ("Мне всё ещё нужна помощь", "open")])
def test_feedback_on_an_automatic_answer(desk, faq, page_watch, answer, status):
    page, watch = page_watch
    ticket = desk.ticket_create(name="Вера", email="vera@example.org", description="Забыл пароль от личного кабинета, как восстановить?", screenshots=[])
    ticket.refresh_from_db()
    assert ticket.auto_answer_state == "pending_feedback"
    page.goto(f"/support/t/{ticket.public_token}/")
    expect(page.locator(".msg[data-automatic]")).to_contain_text("Забыли пароль")
    watch.shot("status-page-automatic-answer")
    page.get_by_role("button", name=answer).click()
    expect(page.locator("#auto-answer-feedback")).to_have_count(0)
    ticket.refresh_from_db()
    assert ticket.status == status


def test_language_switch(desk, page_watch):
    page, watch = page_watch
    page.goto("/support/new/")
    expect(page.locator("h1")).to_have_text("Написать в поддержку")
    page.select_option("select[name=language]", "en")
    expect(page.locator("h1")).to_have_text("Contact support")
    expect(page.locator(".helptext").first).to_contain_text("PNG, JPEG or WebP")  # the upload hint follows
    ticket = desk.ticket_create(name="Dan", email="dan@example.org", description="Payment declined", screenshots=[])
    page.goto(f"/support/t/{ticket.public_token}/")
    expect(page.locator("h1")).to_contain_text("Request #")
    page.select_option("select[name=language]", "ru")
    expect(page.locator("h1")).to_contain_text("Обращение №")
    assert page.url.endswith(f"/support/t/{ticket.public_token}/")


def test_form_and_reply_work_without_javascript(desk, open_page, tmp_path):
    page, watch = open_page(javascript=False)
    page.goto("/support/new/")
    page.fill("#id_name", "Глеб")
    page.fill("#id_email", "gleb@example.org")
    page.fill("#id_description", "Видео не грузится")
    page.set_input_files("#id_screenshots", str(png_file(tmp_path)))
    page.click("form[data-screenshot-form] button[type=submit]")
    page.wait_for_url(STATUS_URL)
    ticket = Ticket.objects.get()
    assert ticket.attachments.count() == 1
    page.fill("#id_body", "И ещё вопрос")
    page.set_input_files("#id_screenshots", str(png_file(tmp_path, "two.png")))
    with page.expect_navigation():
        page.click("form[data-screenshot-form] button[type=submit]")
    expect(page.locator(".conversation .msg")).to_have_count(2)
    assert ticket.attachments.count() == 2
    # Refused on the server, the text is kept.
    page.fill("#id_body", "Текст остаётся")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    page.set_input_files("#id_screenshots", str(bad))
    with watch.expect_status(400, r"/support/t/"):
        page.click("form[data-screenshot-form] button[type=submit]")
        expect(page.locator("#id_screenshots_error")).to_contain_text("bad.png")
    expect(page.locator("#id_body")).to_have_value("Текст остаётся")


def test_a_stale_form_gets_a_page_that_says_reload_and_the_retry_works(desk, page_watch):
    """The CSRF cookie lost (a page open for days, cookies cleared): the desk's page, not Django's inline-styled
    one the CSP blocks; its advice (back, reload, send again) gets the ticket through."""
    page, watch = page_watch
    page.goto("/support/new/")
    page.fill("#id_name", "Анна")
    page.fill("#id_email", "anna@example.org")
    page.fill("#id_description", "Не проходит оплата")
    page.context.clear_cookies()
    with watch.expect_status(403, r"/support/new/$"):
        page.click("form[data-screenshot-form] button[type=submit]")
        expect(page.locator("h1")).to_have_text("Форму не удалось отправить")
    expect(page.locator("#csrf-failure")).to_contain_text("обновите страницу")
    watch.check_layout()
    page.click("#csrf-failure a")  # back to the form (the Referer), freshly loaded
    page.fill("#id_name", "Анна")
    page.fill("#id_email", "anna@example.org")
    page.fill("#id_description", "Не проходит оплата")
    page.click("form[data-screenshot-form] button[type=submit]")
    page.wait_for_url(STATUS_URL)
    assert Ticket.objects.count() == 1
