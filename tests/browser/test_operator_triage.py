"""Triage's one click in Chromium, at desktop width and at 375 px: "Not a support request — close" labels an unsure
off-topic ticket "other" and closes it; a double click does it once; the refit then counts the ticket as "other".
The queue list's bulk bar does the same to the selected rows."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tickets import selectors
from tickets.models import Ticket, TicketEvent

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


def test_not_a_support_request_from_the_queue_lists_bulk_bar(desk, page_watch, live_server):
    page, watch = page_watch
    olga = desk.account_create(username="olga", password="op-pass-123", role="operator")
    bike = desk.ticket_create(name="Глеб", email="gleb@example.org", description=OFF_TOPIC, screenshots=[])
    job = desk.ticket_create(name="Дина", email="dina@example.org", description="Ищу подработку на лето, есть вакансии?", screenshots=[])
    ids = [bike.pk, job.pk]
    assert set(Ticket.objects.filter(pk__in=ids).values_list("queue__slug", "label")) == {("triage", "")}
    log_in(page, live_server, olga)

    page.goto("/desk/queues/triage/")
    page.select_option("#bulk-form select[name=action]", "not_support")
    hint = page.locator("#bulk-form [data-bulk-field=not_support]")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("каждому студенту придёт уведомление о закрытии")
    expect(page.locator("#bulk-form [data-bulk-field=label]")).to_be_hidden()
    for ticket_id in ids:
        page.check(f"tr[data-ticket='{ticket_id}'] input[name=tickets]")
    expect(page.locator("[data-bulk-count]")).to_have_text("отмечено: 2")
    watch.shot("desk-bulk-not-support")
    with page.expect_navigation():
        page.click("#bulk-apply")

    expect(page.locator(".messages")).to_contain_text("Готово: 2 обращения.")
    assert page.url.endswith("/desk/queues/triage/")
    assert set(Ticket.objects.filter(pk__in=ids).values_list("status", "label", "label_overridden")) == {("closed", "other", True)}
    assert TicketEvent.objects.filter(ticket__in=ids, kind="override", new_value="other", actor=olga).count() == 2
    assert sorted(label for _signals, label in selectors.confirmed_labels()) == ["other", "other"]
