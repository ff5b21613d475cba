"""A long queue in Chromium, at desktop width and at 375 px: numbered pages, then keyset pages past them
("Next →", "← Previous", "« First page"), with the count shown as "N+" (selectors.pages)."""
from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import AdminFactory
from tickets.selectors import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_walk_a_long_queue_past_the_numbered_pages_and_back(desk, page_watch, live_server, monkeypatch):
    page, watch = page_watch
    monkeypatch.setattr(pages, "NUMBERED_ROWS", 25)  # one numbered page, then keyset pages (the live server is this process)
    call_command("generate_tickets", "200", "--days", "40", stdout=StringIO())
    log_in(page, live_server, AdminFactory(username="pages-admin"))
    page.goto("/desk/queues/payment/?order=newest")
    expect(page.locator("h1")).to_contain_text("+)")  # "(25+)": counted up to the cap
    first_rows = page.eval_on_selector_all("#tickets tbody tr[data-ticket]", "rows => rows.map(r => r.dataset.ticket)")
    assert len(first_rows) == 25
    with page.expect_navigation():
        page.click(".pagination a[rel=next]")
    assert "after=" in page.url
    second = page.eval_on_selector_all("#tickets tbody tr[data-ticket]", "rows => rows.map(r => r.dataset.ticket)")
    assert len(second) == 25 and not set(second) & set(first_rows)
    assert [int(pk) for pk in first_rows + second] == sorted((int(pk) for pk in first_rows + second), reverse=True)
    expect(page.locator(".pagination a[rel=first]")).to_be_visible()
    watch.shot("operator-queue-keyset")
    with page.expect_navigation():
        page.click(".pagination a[rel=next]")
    with page.expect_navigation():
        page.click(".pagination a[rel=prev]")
    assert page.eval_on_selector_all("#tickets tbody tr[data-ticket]", "rows => rows.map(r => r.dataset.ticket)") == second
    with page.expect_navigation():
        page.click(".pagination a[rel=first]")
    assert re.search(r"order=newest$", page.url)
    assert page.eval_on_selector_all("#tickets tbody tr[data-ticket]", "rows => rows.map(r => r.dataset.ticket)") == first_rows
