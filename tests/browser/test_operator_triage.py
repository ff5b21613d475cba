"""Triage's one click in Chromium, at desktop width and at 375 px: "Not a support request — close" labels an unsure
off-topic ticket "other" and closes it; a double click does it once; the refit then counts the ticket as "other"."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tickets import selectors
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# No school keyword: the classifier holds it as unsure and it lands in triage; no FAQ topic closes it automatically.
OFF_TOPIC = "Продаю велосипед, почти новый, недорого. Напишите, если интересно"


def test_not_a_support_request_closes_and_labels_other(desk, page_watch, live_server):
    page, watch = page_watch
    olga = desk.account_create(username="olga", password="op-pass-123", role="operator")
    ticket = desk.ticket_create(name="Глеб", email="gleb@example.org", description=OFF_TOPIC, screenshots=[])
    ticket.refresh_from_db()
    assert (ticket.queue.slug, ticket.label, ticket.status) == ("triage", "", "new")
    log_in(page, live_server, olga)

    page.goto(f"/desk/tickets/{ticket.pk}/")
    expect(page.locator("#prediction")).to_contain_text("Не уверен")
    button = page.locator("#out-of-scope-form button")
    expect(button).to_have_text("Не обращение в поддержку — закрыть")
    watch.shot("operator-ticket-not-support")
    button.dblclick()  # data-submit-once: one POST

    expect(page.locator(".messages")).to_contain_text("Закрыто: это не обращение в поддержку.")
    expect(page.locator("h1 .badge.closed")).to_have_count(1)
    expect(page.locator("#ticket-label")).to_have_text("Другое")
    expect(page.locator("#ticket-queue")).to_have_text("Разбор")
    expect(page.locator("#out-of-scope-form")).to_have_count(0)  # done: no longer offered
    history = page.locator("#history").inner_text()
    assert "Метка исправлена: Не уверен → Другое" in history and "Статус: Новое → Закрыто" in history
    watch.shot("operator-ticket-not-support-closed")

    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.status, ticket.label, ticket.label_overridden) == ("closed", "other", True)
    assert list(ticket.events.filter(kind__in=["status", "override"]).values_list("kind", "actor__username", "new_value")) == [
        ("status", "olga", "closed"), ("override", "olga", "other"),
    ]
    assert [label for _signals, label in selectors.confirmed_labels()] == ["other"]
