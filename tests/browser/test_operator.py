"""An operator in Chromium, at desktop width and at 375 px: log in, the dashboard, every queue filter, search
(in a queue and across queues), take, reply with an inserted FAQ suggestion, change the status, correct a
label from triage, log out."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "op-pass-123"
# Needs an operator (the student's own payment records), so the FAQ layer only suggests answers.
NEEDS_HUMAN = "Я оплатила курс 10 дней назад, деньги списались, а доступа до сих пор нет. Проверьте мой платёж"


def _ticket(desk, name: str, text: str, status: str | None = None) -> Ticket:
    ticket = desk.ticket_create(name=name, email=f"{abs(hash(name)) % 10**6}@example.org", description=text, screenshots=[])
    if status:
        Ticket.objects.filter(pk=ticket.pk).update(status=status)
    return Ticket.objects.get(pk=ticket.pk)


def _rows(page):
    return page.locator("#tickets tbody tr[data-ticket]")


def _filter(page, **choices):
    for name, value in choices.items():
        page.select_option(f"#filters select[name={name}]", value)
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    for name, value in choices.items():  # the dropdown keeps what was chosen
        expect(page.locator(f"#filters select[name={name}]")).to_have_value(value)


def test_log_in_dashboard_filters_and_search(desk, page_watch):
    page, watch = page_watch
    desk.account_create(username="olga", password=PASSWORD, role="operator")
    tickets = {
        status: _ticket(desk, name, "Не проходит оплата картой", None if status == "new" else status)
        for status, name in [("new", "Пётр Волков"), ("open", "Мария"), ("waiting", "Олег"), ("resolved", "Нина"), ("closed", "Ян")]
    }
    lesson = _ticket(desk, "Иван", "Не открывается урок")

    page.goto("/desk/")  # not logged in: the login form, then back here
    page.fill("#id_username", "olga")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/desk/$"))
    expect(page.locator("a[data-queue]")).to_have_count(4)
    expect(page.locator("a[data-queue=payment] .open-count")).to_have_text("3")
    watch.shot("operator-dashboard")

    page.click("a[data-queue=payment]")
    expect(page.locator("#filters select[name=status]")).to_have_value("active")
    expect(_rows(page)).to_have_count(3)
    watch.shot("operator-queue")

    statuses = page.eval_on_selector_all("#filters select[name=status] option", "options => options.map(o => o.value)")
    assert len(statuses) == len(set(statuses)) == 7
    for status in statuses:
        _filter(page, status=status)
        expected = {"": 5, "active": 3}.get(status, 1)
        expect(_rows(page)).to_have_count(expected)
        if expected == 1:
            assert _rows(page).first.get_attribute("data-ticket") == str(tickets[status].pk)
    for topic in page.eval_on_selector_all("#filters select[name=topic] option", "options => options.map(o => o.value)"):
        _filter(page, status="", topic=topic)
    _filter(page, topic="", order="oldest")
    assert _rows(page).first.get_attribute("data-ticket") == str(tickets["new"].pk)

    # Search inside the queue, then everywhere: case-insensitive Cyrillic.
    page.fill("#id_q", "волков")
    _filter(page, status="")
    expect(_rows(page)).to_have_count(1)
    page.fill("#id_q", "УРОК")
    _filter(page, status="")
    expect(_rows(page)).to_have_count(0)
    page.click("#search-everywhere")
    expect(_rows(page)).to_have_count(1)
    assert _rows(page).first.get_attribute("data-ticket") == str(lesson.pk)
    page.fill(".top-search input[name=q]", "ВоЛкОв")
    with page.expect_navigation():
        page.press(".top-search input[name=q]", "Enter")
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_contain_text("Оплата")  # the queue column
    watch.shot("operator-search")

    page.click("header form[action$='/logout/'] button[type=submit]")  # log out
    page.wait_for_url(re.compile(r"/desk/login/"))


def test_take_reply_with_a_suggestion_status_and_label(desk, faq, page_watch, live_server):
    page, watch = page_watch
    olga = desk.account_create(username="olga", password=PASSWORD, role="operator")
    payment = _ticket(desk, "Анна", NEEDS_HUMAN)
    unsure = _ticket(desk, "Борис", "Здравствуйте, у меня вопрос")
    assert (payment.queue.slug, unsure.queue.slug) == ("payment", "triage")
    log_in(page, live_server, olga)

    page.goto(f"/desk/tickets/{payment.pk}/")
    expect(page.locator("#prediction")).to_contain_text("Проблема с оплатой")
    expect(page.locator(".conversation .msg")).to_have_count(1)
    watch.shot("operator-ticket")
    page.click("#take-form button")
    expect(page.locator(".messages")).to_contain_text("Обращение назначено на вас")
    expect(page.locator("#take-form")).to_have_count(0)

    page.locator("[data-faq-insert]").first.click()
    expect(page.locator("#reply-form textarea")).not_to_have_value("")
    page.dblclick("#reply-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Ответ отправлен")
    expect(page.locator(".conversation .msg.operator")).to_have_count(1)  # a double click sent it once

    page.select_option("#status-form select", "resolved")
    page.click("#status-form button")
    expect(page.locator("h1 .badge.resolved")).to_have_count(1)

    page.goto(f"/desk/tickets/{unsure.pk}/")
    expect(page.locator("#prediction")).to_contain_text("Не уверен")
    expect(page.locator("#override-form select")).to_have_value("")  # a stray click routes nothing
    page.select_option("#override-form select", "course-problem")
    page.fill("#override-form input[name=reason]", "Про урок")
    page.click("#override-form button")
    expect(page.locator("#ticket-queue")).to_have_text("Обучение")
    expect(page.locator("#ticket-label")).to_have_text("Проблема с обучением")
    history = page.locator("#history").inner_text()
    assert "Метка исправлена: Не уверен → Проблема с обучением" in history and "course-problem" not in history
    watch.shot("operator-ticket-corrected")
    override = unsure.events.get(kind="override")  # the audit row: who, predicted → corrected, why
    assert (override.actor.username, override.old_value, override.new_value, override.reason) == ("olga", "unsure", "course-problem", "Про урок")
    page.goto("/desk/queues/course/")
    expect(page.locator(f"tr[data-ticket='{unsure.pk}']")).to_have_count(1)

