"""selectors.ticket_page: a queue's list at any size of the history (capped count, numbered then keyset pages).

Walking every page forwards (numbered, then keyset) and back must give exactly the order of the whole list
(ticket_list's ordering), with each ticket once; the screenshot counts are those of the database.
"""
from __future__ import annotations

from io import StringIO
from urllib.parse import parse_qs

import pytest
from django.core.management import call_command
from django.db.models import Count

from tests.factories import AdminFactory
from tests.postgres import run_module_on_postgresql
from tickets import selectors
from tickets.models import Ticket
from tickets.selectors import pages


@pytest.fixture
def desk(db):
    call_command("generate_tickets", "300", "--days", "20", stdout=StringIO())
    return AdminFactory(username="pages-admin")


def _params(query: str) -> dict:
    return {key: values[0] for key, values in parse_qs(query).items()}


def _walk(tickets, order, params=None):
    """Every page from the first, following the "next" links; returns (ids in order, pages seen)."""
    params, ids, seen = dict(params or {}), [], []
    while True:
        page = selectors.ticket_page(tickets, order=order, params=params)
        seen.append(page)
        ids += [t.pk for t in page]
        if not page.has_next:
            return ids, seen
        params = _params(page.links["next"])


@pytest.mark.parametrize("order", ["urgent", "newest", "oldest"])
def test_walking_every_page_gives_the_whole_list_in_order(desk, monkeypatch, order):
    monkeypatch.setattr(pages, "NUMBERED_ROWS", 50)  # 2 numbered pages (plus the open ones), then keyset pages
    tickets = selectors.ticket_list(desk, queue_slug="payment", order=order, count_attachments=False)
    expected = list(tickets.values_list("pk", flat=True))
    ids, seen = _walk(tickets, order)
    assert ids == expected and len(expected) > 75
    assert [page.number for page in seen[:2]] == [1, 2] or seen[0].num_pages > 2  # numbered first
    assert seen[-1].number is None and seen[-1].count_capped  # the last ones are keyset pages
    # And back again with the "previous" links of the keyset pages.
    back, page = [], seen[-1]
    while page.number is None and page.has_previous:
        page = selectors.ticket_page(tickets, order=order, params=_params(page.links["previous"]))
        back = [t.pk for t in page] + back
    assert back == expected[len(expected) - len(seen[-1].rows) - len(back): len(expected) - len(seen[-1].rows)]


@pytest.mark.parametrize("status", ["active", "new", "closed", "resolved"])
def test_a_status_filter_reads_only_its_part(desk, monkeypatch, django_assert_max_num_queries, status):
    monkeypatch.setattr(pages, "NUMBERED_ROWS", 25)
    tickets = selectors.ticket_list(desk, queue_slug="payment", status=status, order="urgent", count_attachments=False)
    expected = list(tickets.values_list("pk", flat=True))
    params, ids = {}, []
    while True:
        # A count, the rows, their screenshots: the other part (open or done) is not queried at all.
        with django_assert_max_num_queries(3):
            page = selectors.ticket_page(tickets, order="urgent", params=params, status=status)
        ids += [t.pk for t in page]
        if not page.has_next:
            break
        params = _params(page.links["next"])
    assert ids == expected and expected


def test_urgent_puts_open_tickets_first_and_counts_them_exactly(desk, monkeypatch):
    monkeypatch.setattr(pages, "NUMBERED_ROWS", 25)
    tickets = selectors.ticket_list(desk, queue_slug="payment", order="urgent", count_attachments=False)
    open_count = Ticket.objects.filter(queue__slug="payment", status__in=Ticket.OPEN_STATUSES).count()
    page = selectors.ticket_page(tickets, order="urgent", params={})
    assert page.count == open_count + 25 and page.count_capped
    assert [t.status in Ticket.OPEN_STATUSES for t in page][: min(open_count, 25)] == [True] * min(open_count, 25)


def test_a_short_list_is_counted_exactly(desk):
    tickets = selectors.ticket_list(desk, queue_slug="payment", status="active", order="newest", count_attachments=False)
    page = selectors.ticket_page(tickets, order="newest", params={})
    assert page.count == tickets.count() and not page.count_capped and not page.has_next


def test_bad_page_numbers_and_cursors_give_a_page_not_an_error(desk):
    tickets = selectors.ticket_list(desk, queue_slug="payment", order="newest", count_attachments=False)
    first = [t.pk for t in selectors.ticket_page(tickets, order="newest", params={})]
    for params in ({"page": "abc"}, {"page": "-3"}, {"after": "yesterday_12"}, {"before": "x"}, {"after": "2026-01-01T00:00:00_"}):
        assert [t.pk for t in selectors.ticket_page(tickets, order="newest", params=params)] == first
    last = selectors.ticket_page(tickets, order="newest", params={"page": "9999"})
    assert last.number == last.num_pages and len(last) > 0


def test_screenshots_are_counted_for_the_rows_of_the_page(desk):
    tickets = selectors.ticket_list(desk, queue_slug="payment", order="newest", count_attachments=False)
    page = selectors.ticket_page(tickets, order="newest", params={})
    truth = dict(Ticket.objects.filter(pk__in=[t.pk for t in page]).annotate(n=Count("attachments")).values_list("pk", "n"))
    assert {t.pk: t.attachment_count for t in page} == truth and any(truth.values())


@pytest.mark.postgres
@pytest.mark.slow
def test_the_same_on_postgresql():
    """This module's tests again with DATABASE_URL pointing at PostgreSQL (a database of their own)."""
    run_module_on_postgresql(__file__, "sd_pages")
