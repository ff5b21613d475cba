"""A form sent twice is one ticket, and the status page's reply sent twice one message (issue 8), at desktop width and
at 375 px: the browser's own double submit without JavaScript (the server's one-time form token) and two POSTs of one
form racing (fetch, past the script's guard)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tickets.models import Message, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATUS_URL = re.compile(r"/support/t/[\w-]{40,}/$")

# Two POSTs of the same form at once, as a double click the page's script did not stop would send them.
POST_FORM_TWICE = """async () => {
  const form = document.querySelector("form[data-screenshot-form]");
  const send = () => fetch(form.action || location.href, {method: "POST", body: new FormData(form), redirect: "follow"});
  const answers = await Promise.all([send(), send()]);
  return answers.map((answer) => [answer.status, new URL(answer.url).pathname]);
}"""


def _fill(page) -> None:
    page.goto("/support/new/")
    page.fill("#id_name", "Анна")
    page.fill("#id_email", "anna@example.org")
    page.fill("#id_description", "Не открывается урок")


def test_double_click_without_javascript_makes_one_ticket(desk, open_page):
    page, watch = open_page(javascript=False)
    _fill(page)
    page.dblclick("form[data-screenshot-form] button[type=submit]")
    page.wait_for_url(STATUS_URL)
    page.wait_for_load_state()
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().public_token in page.url
    watch.check_layout()


def test_the_same_form_posted_twice_at_once_makes_one_ticket(desk, page_watch, one_request_at_a_time):
    page, watch = page_watch
    _fill(page)
    answers = page.evaluate(POST_FORM_TWICE)
    assert [status for status, _path in answers] == [200, 200]
    assert answers[0][1] == answers[1][1] and STATUS_URL.search(answers[0][1])
    assert Ticket.objects.count() == 1


def _reply_page(page, desk) -> Ticket:
    ticket = desk.ticket_create(name="Борис", email="boris@example.org", description="Не открывается урок")
    page.goto(f"/support/t/{ticket.public_token}/")
    page.fill("#id_body", "Всё ещё не открывается")
    return ticket


def _replies(ticket: Ticket) -> int:
    return Message.objects.filter(ticket=ticket, body="Всё ещё не открывается").count()


def test_a_reply_double_clicked_without_javascript_is_one_message(desk, open_page):
    page, watch = open_page(javascript=False)
    ticket = _reply_page(page, desk)
    page.dblclick("form[data-screenshot-form] button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("отправлено")  # the same URL: wait for the answer's page
    page.wait_for_load_state()
    assert page.locator(".conversation").inner_text().count("Всё ещё не открывается") == 1
    assert _replies(ticket) == 1
    watch.check_layout()


def test_the_same_reply_posted_twice_at_once_is_one_message(desk, page_watch, one_request_at_a_time):
    page, watch = page_watch
    ticket = _reply_page(page, desk)
    answers = page.evaluate(POST_FORM_TWICE)
    assert answers == [[200, f"/support/t/{ticket.public_token}/"]] * 2
    assert _replies(ticket) == 1


# The form is "sent" with the navigation held back (preventDefault in a listener of the form itself, which runs
# before the page's script's listener on the document): what the page's script does while a POST is on its way.
SUBMIT_HELD_BACK = """async () => {
  const form = document.querySelector("form[data-screenshot-form]");
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", (event) => { event.preventDefault(); });
  button.click();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const disabledAfterFirst = button.disabled;
  form.requestSubmit();  // a second click's submit, as far as the page's script can tell
  return {disabledAfterFirst, submitting: form.hasAttribute("data-submitting")};
}"""


def test_the_button_is_disabled_while_sending(desk, page_watch):
    page, watch = page_watch
    _fill(page)
    state = page.evaluate(SUBMIT_HELD_BACK)
    assert state == {"disabledAfterFirst": True, "submitting": True}
    assert Ticket.objects.count() == 0
