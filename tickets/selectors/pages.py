"""One page of an operator's ticket list at any size of the history (queue pages, "My tickets").

Django's Paginator counts every matching ticket and reads a page with ``OFFSET``: at a million tickets page 1,260
of a queue sorted every row of it (600 ms at 100k in issue 13). Here the cost of a page depends on the page size
and on the open work, never on the length of the history:

* **Counted up to a cap.** The count reads at most ``NUMBERED_ROWS + 1`` rows (``COUNT(*)`` over a ``LIMIT``);
  beyond it the page says "2,500+". Open tickets are counted exactly (the partial index of open tickets).
* **Numbered pages** up to the cap use ``OFFSET`` along an index ((queue, created_at, id)), ≤ 2,500 index rows.
* **Keyset pages** past them: ``?after=<created_at>_<id>`` / ``?before=...`` continue from the last or first row
  shown with ``WHERE (created_at, id) > (...)``: an index range scan, as cheap on the last page as on the first.
* **Most urgent first** is two parts: the open tickets sorted by urgency (tickets.sla; bounded by the open work),
  then the resolved and closed ones, oldest first — what urgency_ordered gives them (no due time, no wait), in the
  index's order.
* **Screenshots are counted after the LIMIT**: one grouped query for the 25 tickets of the page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from math import ceil
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.utils.functional import cached_property
from django.utils.dateparse import parse_datetime

from ..models import Attachment, Ticket
from .filters import ACTIVE, URGENT

PAGE_SIZE = 25
NUMBERED_ROWS = 2_500  # 100 numbered pages: OFFSET over at most 2,500 index entries (~1-3 ms)
OPEN_ONLY = {ACTIVE, *Ticket.OPEN_STATUSES}  # status filters that leave nothing resolved or closed
DONE_STATUSES = {Ticket.Status.RESOLVED, Ticket.Status.CLOSED}


class CappedPaginator(Paginator):
    """Django's Paginator counting at most ``NUMBERED_ROWS + 1`` matches (the search page: "2500+").

    A common word matches half the desk: at 100k tickets ``COUNT(*)`` of "оплатой"'s 57,529 matches was ~220 ms
    of a 500 ms page (README, "Operator pages at a million tickets"), growing with the history; ``COUNT(*)`` over a
    ``LIMIT`` reads 2,501 rows at most. The pages past the cap are not numbered: best match first, nobody reads
    past page 100 of a search — they add a word. ``cap``: a lower cap than ``NUMBERED_ROWS`` (the search page's
    ranked rows, tickets.search.RANKED_ROWS)."""

    def __init__(self, object_list, per_page, *args, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.cap = min(cap or NUMBERED_ROWS, NUMBERED_ROWS)

    @cached_property
    def _counted(self) -> int:
        return self.object_list.order_by().values("pk")[:self.cap + 1].count()  # one query, at most cap + 1 rows

    @property
    def count_capped(self) -> bool:
        return self._counted > self.cap

    @property
    def count(self) -> int:
        return min(self._counted, self.cap)


@dataclass
class TicketPage:
    """What the ticket table's template needs: the rows and the links around them (query strings)."""

    rows: list[Ticket]
    number: int | None  # None on a keyset page (past the numbered ones)
    count: int  # matching tickets, counted up to ``count_capped``
    count_capped: bool
    num_pages: int
    links: dict[str, str] = field(default_factory=dict)  # first / previous / next → query string

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    is_desk_page = True  # the template's switch from Django's Page (the search page keeps that)

    @property
    def has_previous(self) -> bool:
        return "previous" in self.links

    @property
    def has_next(self) -> bool:
        return "next" in self.links

    @property
    def paginator(self) -> "TicketPage":
        return self  # the template's page.paginator.count / num_pages, as with Django's Page


def _cursor(ticket: Ticket) -> str:
    return f"{ticket.created_at.isoformat()}_{ticket.pk}"


def _parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    stamp, _sep, pk = (value or "").rpartition("_")
    moment = parse_datetime(stamp) if stamp else None
    return (moment, int(pk)) if moment is not None and pk.isdigit() else None


def _page_number(value) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def _after(queryset: QuerySet, cursor: tuple[datetime, int], descending: bool) -> QuerySet:
    # The redundant ``created_at <= / >= moment`` bounds the index range scan; the OR alone made PostgreSQL walk
    # the queue's index from its start (99 ms at 1M tickets, 31,500 rows in; bench/desk.py "deep page").
    moment, pk = cursor
    if descending:
        return queryset.filter(created_at__lte=moment).filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk))
    return queryset.filter(created_at__gte=moment).filter(Q(created_at__gt=moment) | Q(created_at=moment, id__gt=pk))


def _attachment_counts(rows: list[Ticket]) -> None:
    counts = dict(
        Attachment.objects.filter(ticket_id__in=[t.pk for t in rows]).order_by().values("ticket_id").annotate(n=Count("id"))
        .values_list("ticket_id", "n")
    ) if rows else {}
    for ticket in rows:
        ticket.attachment_count = counts.get(ticket.pk, 0)


def _rows_at(tail: QuerySet[Ticket], start: int, size: int) -> list[Ticket]:
    """``tail[start:start + size]`` as a deferred join: the OFFSET walks ids along the index, and only the page's
    rows are joined to their queue, student and assignee (joined before the OFFSET, page 100 read 2,500 of each)."""
    if start == 0:
        return list(tail[:size])
    ids = list(tail.values_list("id", flat=True)[start:start + size])
    by_id = tail.filter(id__in=ids).in_bulk(ids) if ids else {}
    return [by_id[pk] for pk in ids if pk in by_id]


def ticket_page(tickets: QuerySet[Ticket], *, order: str, params, base_query: str = "", status: str | None = None) -> TicketPage:
    """One page of ``tickets`` (a ticket_list result ordered by ``order``) for request parameters ``params``
    (``page``, ``after``, ``before``). ``base_query``: the list's other parameters, kept in the links. ``status``: the
    list's status filter, when it has one (a list of open tickets only has no resolved part to count, and back)."""
    tickets = tickets.select_related("queue", "assignee", "student")
    if order == URGENT:
        # The open part keeps urgency_ordered's sort; the rest is the index's order.
        head = tickets.filter(status__in=Ticket.OPEN_STATUSES) if status not in DONE_STATUSES else tickets.none()
        tail = tickets.exclude(status__in=Ticket.OPEN_STATUSES) if status not in OPEN_ONLY else tickets.none()
        tail = tail.order_by("created_at", "id")
        head_count = head.order_by().count() if status not in DONE_STATUSES else 0
        descending = False
    else:
        head, head_count = None, 0
        descending = order != "oldest"
        tail = tickets.order_by(*(("-created_at", "-id") if descending else ("created_at", "id")))
    tail_count = tail.order_by().values("pk")[: NUMBERED_ROWS + 1].count() if status not in OPEN_ONLY or order != URGENT else 0
    capped = tail_count > NUMBERED_ROWS
    count = head_count + min(tail_count, NUMBERED_ROWS)
    num_pages = max(1, ceil(count / PAGE_SIZE))

    def query(**extra) -> str:
        return "&".join(part for part in (base_query, urlencode(extra)) if part)

    after, before = _parse_cursor(params.get("after")), _parse_cursor(params.get("before"))
    links: dict[str, str] = {}
    if after or before:
        if after:
            rows = list(_after(tail, after, descending)[:PAGE_SIZE + 1])
            more_after, more_before = len(rows) > PAGE_SIZE, True
            rows = rows[:PAGE_SIZE]
        else:
            reverse = tail.order_by(*(("created_at", "id") if descending else ("-created_at", "-id")))
            rows = list(_after(reverse, before, not descending)[:PAGE_SIZE + 1])
            more_after, more_before = True, len(rows) > PAGE_SIZE
            rows = rows[:PAGE_SIZE][::-1]
        links["first"] = query()
        if rows and more_before:
            links["previous"] = query(before=_cursor(rows[0]))
        if rows and more_after:
            links["next"] = query(after=_cursor(rows[-1]))
        number = None
    else:
        number = min(_page_number(params.get("page")), num_pages)
        offset = (number - 1) * PAGE_SIZE
        rows = list(head[offset:offset + PAGE_SIZE]) if head is not None and offset < head_count else []
        if len(rows) < PAGE_SIZE and (status not in OPEN_ONLY or order != URGENT):
            start = max(0, offset - head_count)
            rows += _rows_at(tail, start, PAGE_SIZE - len(rows))
        if number > 1:
            links["previous"] = query(page=number - 1)
        if number < num_pages:
            links["next"] = query(page=number + 1)
        elif capped and rows:
            links["next"] = query(after=_cursor(rows[-1]))  # past the numbered pages: keyset from here on
    _attachment_counts(rows)
    return TicketPage(rows=rows, number=number, count=count, count_capped=capped, num_pages=num_pages, links=links)
