"""The team lead's reports (issue 12): per day and per queue, what came in and how the desk handled it.

Every figure is about the **tickets that came in** during the window (a cohort by creation day), so one row of
the report reads "of the tickets that came in that day / in that queue, …". The window is ``days`` calendar days
in ``settings.TIME_ZONE`` ending today: from local midnight ``days - 1`` days ago until now (``days=1``: today so
far). A ticket counts in the queue it is in now. Figures of recent days still move (tickets not yet answered or
resolved, automatic answers still waiting for the student's feedback).

Definitions (``Figures``):

- ``tickets``: tickets created in the window.
- ``auto_answered``: the FAQ layer answered automatically, the student said "this solved it"
  (``auto_answer_state = solved``) and no person replied (``first_response_at`` empty). ``deflection_rate`` =
  ``auto_answered / tickets`` (0.0 without tickets). Off-topic messages closed with the fixed reply are counted
  apart (``offtopic_closed``), not as deflection: nobody's question was answered.
- ``auto_answer_pending``: an automatic answer still waits for the student's feedback (not decided yet).
- ``escalations``: automatic answers handed to a person (``auto_answer_state = escalated``: the student said
  "I still need help", or did not answer in time). Tickets the classifier was unsure of stay in the triage
  queue, which is a row of ``per_queue`` of its own.
- ``first_response_*``: ``first_response_at - created_at`` in seconds, over tickets a person answered.
- ``resolution_*``: ``resolved_at - created_at`` in seconds, over tickets resolved or closed now that a person
  answered: how long people took. Automatic answers and off-topic closes are in the deflection figures instead.
- percentiles (``_p50_s``, ``_p90_s``): linear interpolation between the closest ranks (PostgreSQL's
  ``percentile_cont``, numpy's default), rounded to whole seconds; None without data.
- ``sla_breaches``: tickets that missed a first-response or resolution target of their queue (``tickets.sla``: a
  ticket still open past its due time counts too).
- ``csat_avg`` / ``csat_count``: the students' ratings (1–5) of these tickets; ``csat_avg`` None without one.
- ``label_corrections``: tickets whose label an operator really changed: the quality page's rule
  (``quality.is_correction``: a label set back to the prediction, or to the one it had, is not a correction).

Cost: two queries (the window's override events; one short row per ticket with its rating in one LEFT JOIN),
summed up in Python in one pass with the SLA rules of ``tickets.sla.ticket_sla``; percentiles need the durations
themselves, kept as floats (two per ticket at most). ``bench/reports.py`` measures it next to a bare COUNT(*).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from math import floor

from django.utils import timezone

from ..models import Queue, Ticket, TicketEvent
from ..sla import ticket_sla
from .access import operator_queues
from .quality import is_correction

DAYS_MIN, DAYS_MAX, DAYS_DEFAULT = 1, 365, 30
ALL = "*"  # the key of "every day" / "every queue" in the groups


def percentile(values: list[float], fraction: float) -> float | None:
    """The ``fraction`` quantile with linear interpolation between closest ranks (as PostgreSQL's percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _seconds(value: float | None) -> int | None:
    return None if value is None else round(value)


@dataclass
class Figures:
    """The sums of one group (a day, a queue, a day in a queue, or everything); ``as_dict`` gives the report's row."""

    tickets: int = 0
    auto_answered: int = 0
    auto_answer_pending: int = 0
    escalations: int = 0
    offtopic_closed: int = 0
    sla_breaches: int = 0
    label_corrections: int = 0
    first_response_seconds: list[float] = field(default_factory=list)
    resolution_seconds: list[float] = field(default_factory=list)
    csat_scores: list[int] = field(default_factory=list)

    def add(self, row: dict) -> None:
        self.tickets += 1
        human_answered = row["first_response_at"] is not None
        state = row["auto_answer_state"]
        if state == Ticket.AutoAnswerState.SOLVED and not human_answered:
            self.auto_answered += 1
        elif state == Ticket.AutoAnswerState.PENDING_FEEDBACK:
            self.auto_answer_pending += 1
        elif state == Ticket.AutoAnswerState.ESCALATED:
            self.escalations += 1
        if row["topic"] == "offtopic" and not human_answered and row["status"] == Ticket.Status.CLOSED:
            self.offtopic_closed += 1
        if row["sla_breached"]:
            self.sla_breaches += 1
        if is_correction(row["predicted"], row["corrected"]):
            self.label_corrections += 1
        if human_answered:
            self.first_response_seconds.append((row["first_response_at"] - row["created_at"]).total_seconds())
            if row["resolved_at"] is not None and row["status"] not in Ticket.OPEN_STATUSES:
                self.resolution_seconds.append((row["resolved_at"] - row["created_at"]).total_seconds())
        if row["rating__score"] is not None:
            self.csat_scores.append(row["rating__score"])

    def as_dict(self) -> dict:
        first, resolution, scores = self.first_response_seconds, self.resolution_seconds, self.csat_scores
        return {
            "tickets": self.tickets,
            "auto_answered": self.auto_answered,
            "deflection_rate": round(self.auto_answered / self.tickets, 4) if self.tickets else 0.0,
            "auto_answer_pending": self.auto_answer_pending,
            "escalations": self.escalations,
            "offtopic_closed": self.offtopic_closed,
            "first_response_count": len(first),
            "first_response_p50_s": _seconds(percentile(first, 0.5)),
            "first_response_p90_s": _seconds(percentile(first, 0.9)),
            "resolution_count": len(resolution),
            "resolution_p50_s": _seconds(percentile(resolution, 0.5)),
            "resolution_p90_s": _seconds(percentile(resolution, 0.9)),
            "sla_breaches": self.sla_breaches,
            "csat_avg": round(sum(scores) / len(scores), 2) if scores else None,
            "csat_count": len(scores),
            "label_corrections": self.label_corrections,
        }


# The figures' names in the order of the CSV's columns and the page's tables (``Figures.as_dict``'s keys).
FIGURE_NAMES = tuple(Figures().as_dict())


def report_days(days: int, now: datetime | None = None) -> tuple[list[date], datetime]:
    """The window's local dates, oldest first, and the aware moment it starts (local midnight of the first)."""
    today = timezone.localdate(now or timezone.now())
    dates = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    start = timezone.make_aware(datetime.combine(dates[0], time.min), timezone.get_current_timezone())
    return dates, start


@dataclass(frozen=True)
class _Clocks:
    """What ``sla.ticket_sla`` reads of a ticket, built from a row: the SLA rules stay in one place (tickets.sla)."""

    queue: Queue
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    is_open: bool


def _ticket_rows(queues: list[Queue], start: datetime, now: datetime):
    """One dict per ticket of the window with ``sla_breached``, ``predicted`` and ``corrected`` (its last override).

    Two plain queries, no per-row subquery: measured with bench/reports.py on SQLite, the correlated "last override"
    subquery scanned every override event per ticket (SQLite picked the (kind, created_at) index) and SQL date
    arithmetic ran a Python function per row; both made a year of 20 000 tickets take ~24 s.
    """
    window = Ticket.objects.filter(queue__in=queues, created_at__gte=start, created_at__lte=now)
    last_override: dict[int, tuple[str, str]] = {}
    events = TicketEvent.objects.filter(kind=TicketEvent.Kind.OVERRIDE, ticket__in=window.values("pk"))
    for ticket_id, old, new in events.order_by("created_at", "id").values_list("ticket_id", "old_value", "new_value").iterator(chunk_size=2000):
        last_override[ticket_id] = (old, new)  # the last one wins
    by_id = {queue.pk: queue for queue in queues}
    rows = window.order_by().values(
        "id", "queue_id", "created_at", "first_response_at", "resolved_at", "status", "auto_answer_state", "topic", "rating__score",
    )
    for row in rows.iterator(chunk_size=2000):
        is_open = row["status"] in Ticket.OPEN_STATUSES
        clocks = _Clocks(by_id[row["queue_id"]], row["created_at"], row["first_response_at"], row["resolved_at"], is_open)
        row["sla_breached"] = ticket_sla(clocks, now).breached
        row["predicted"], row["corrected"] = last_override.get(row["id"], (None, None))
        yield row


def report_summary(user, *, days: int = DAYS_DEFAULT, now: datetime | None = None) -> dict:
    """The report of the queues ``user`` may see (``access.operator_queues``) over the last ``days`` days.

    ``{"days", "since", "until", "time_zone", **totals, "per_queue": [...], "per_day": [...], "per_day_queue": [...]}``:
    every day of the window and every visible queue has its row, zeros included; ``per_day_queue`` only the
    pairs with tickets. ``days`` must be within DAYS_MIN..DAYS_MAX (the API and the page validate it).
    """
    if not DAYS_MIN <= days <= DAYS_MAX:
        raise ValueError(f"days must be within {DAYS_MIN}..{DAYS_MAX}")
    now = now or timezone.now()
    dates, start = report_days(days, now)
    queues = list(operator_queues(user).order_by("position", "slug"))
    groups: dict[tuple, Figures] = defaultdict(Figures)
    local = timezone.get_current_timezone()
    for row in _ticket_rows(queues, start, now):
        day = row["created_at"].astimezone(local).date()
        for key in ((day, row["queue_id"]), (day, ALL), (ALL, row["queue_id"]), (ALL, ALL)):
            groups[key].add(row)
    by_id: dict[int, Queue] = {queue.pk: queue for queue in queues}
    return {
        "days": days,
        "since": start,
        "until": now,
        "time_zone": timezone.get_current_timezone_name(),
        **groups[ALL, ALL].as_dict(),
        "per_queue": [{"queue": queue, **groups[ALL, queue.pk].as_dict()} for queue in queues],
        "per_day": [{"date": day, **groups[day, ALL].as_dict()} for day in dates],
        "per_day_queue": [
            {"date": day, "queue": by_id[queue_id], **groups[day, queue_id].as_dict()}
            for day in dates for queue_id in by_id if (day, queue_id) in groups
        ],
    }
