"""A desk with known report figures (issue 12): tickets with set clocks, automatic answers, ratings, overrides
and SLA breaches, three local days in Europe/Moscow. The expected figures are worked out by hand in
``EXPECTED`` and the tests compare the reports with them (tests/tickets/selectors/test_reports.py, the API, the
CSV and the browser test).

Payment has targets (first response 1 h, resolution 1 day), course has none. "Now" is 10 March 2026 12:00 MSK.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.factories import EventFactory, TicketFactory, queue
from tickets.models import Ticket, TicketEvent, TicketRating

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=MSK)
DAYS = 3  # 8, 9 and 10 March

S = Ticket.Status
A = Ticket.AutoAnswerState


def _ticket(slug: str, created: datetime, *, first: int | None = None, resolved: int | None = None, status=S.OPEN,
            auto=A.NONE, topic: str = "", score: int | None = None) -> Ticket:
    """A ticket in queue ``slug`` created at ``created`` (local), a person's first reply ``first`` seconds later,
    resolved ``resolved`` seconds later, rated ``score``."""
    ticket = TicketFactory(queue=queue(slug), classification_state=Ticket.ClassificationState.DONE)
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=created, status=status, auto_answer_state=auto, topic=topic,
        first_response_at=created + timedelta(seconds=first) if first is not None else None,
        resolved_at=created + timedelta(seconds=resolved) if resolved is not None else None,
        waiting_since=None if status not in (S.NEW, S.OPEN) else created,
    )
    if score is not None:
        TicketRating.objects.create(ticket=ticket, score=score, rated_at=NOW)
    ticket.refresh_from_db()
    return ticket


def _override(ticket: Ticket, predicted: str, corrected: str) -> None:
    EventFactory(ticket=ticket, kind=TicketEvent.Kind.OVERRIDE, old_value=predicted, new_value=corrected)


def freeze_now(monkeypatch) -> None:
    """The fixture's "now" for code that asks the clock (views, the API, a live server in this process)."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW.astimezone(ZoneInfo("UTC")))


def build_report_desk() -> dict[str, Ticket]:
    payment = queue("payment")
    payment.first_response_target, payment.resolution_target = timedelta(hours=1), timedelta(days=1)
    payment.save()
    day8, day9, day10 = (datetime(2026, 3, d, tzinfo=MSK) for d in (8, 9, 10))
    hour = timedelta(hours=1)
    tickets = {
        # 8 March: 00:30 MSK is still 7 March in UTC; counted on the 8th (local day buckets).
        "p1": _ticket("payment", day8 + 0.5 * hour, first=600, resolved=3600, status=S.RESOLVED, score=5),
        "p2": _ticket("payment", day8 + 10 * hour, first=1200, resolved=7200, status=S.RESOLVED, score=3),
        # 9 March
        "p3": _ticket("payment", day9 + 10 * hour, first=1800, resolved=10800, status=S.CLOSED, score=4),
        "p4": _ticket("payment", day9 + 11 * hour, first=7200, status=S.WAITING),  # answered late: a breach
        "c1": _ticket("course", day9 + 12 * hour, auto=A.PENDING_FEEDBACK, status=S.WAITING),
        "t1": _ticket("triage", day9 + 13 * hour),
        # 10 March
        "p5": _ticket("payment", day10 + 9 * hour, resolved=300, status=S.RESOLVED, auto=A.SOLVED),  # deflected
        "p6": _ticket("payment", day10 + 10 * hour, auto=A.ESCALATED),  # open, unanswered past 11:00: a breach
        "c2": _ticket("course", day10 + 8 * hour, first=3000),
        "c3": _ticket("course", day10 + 8.5 * hour, status=S.CLOSED, topic="offtopic", resolved=5),
        # Outside the window: 7 March 23:30 MSK.
        "old": _ticket("payment", day8 - 0.5 * hour, first=60, resolved=120, status=S.RESOLVED, score=1),
    }
    _override(tickets["c2"], "payment-problem", "course-problem")  # a correction
    _override(tickets["c1"], "course-problem", "payment-problem")  # a stray click…
    _override(tickets["c1"], "course-problem", "course-problem")  # …undone: back to the prediction, no correction
    _override(tickets["p3"], "payment-problem", "payment-problem")  # a no-op
    return tickets


# first responses (s): p1 600, p2 1200, p3 1800, p4 7200, c2 3000 → sorted 600 1200 1800 3000 7200
#   p50 = 1800; p90: rank 0.9·4 = 3.6 → 3000 + 0.6·4200 = 5520
# resolutions (s) with a person's reply: p1 3600, p2 7200, p3 10800 → p50 7200; p90: rank 1.8 → 7200 + 0.8·3600 = 10080
EXPECTED_TOTAL = {
    "tickets": 10, "auto_answered": 1, "deflection_rate": 0.1, "auto_answer_pending": 1, "escalations": 1,
    "offtopic_closed": 1, "first_response_count": 5, "first_response_p50_s": 1800, "first_response_p90_s": 5520,
    "resolution_count": 3, "resolution_p50_s": 7200, "resolution_p90_s": 10080, "sla_breaches": 2,
    "csat_avg": 4.0, "csat_count": 3, "label_corrections": 1,
}
# per day: 8th p1 p2 (first 600, 1200 → p50 900, p90 600 + 0.9·600 = 1140); 9th p3 p4 c1 t1; 10th p5 p6 c2 c3
EXPECTED_PER_DAY = {
    "2026-03-08": {"tickets": 2, "first_response_p50_s": 900, "first_response_p90_s": 1140, "csat_avg": 4.0, "sla_breaches": 0},
    "2026-03-09": {"tickets": 4, "first_response_p50_s": 4500, "resolution_p50_s": 10800, "sla_breaches": 1, "auto_answer_pending": 1},
    "2026-03-10": {"tickets": 4, "auto_answered": 1, "deflection_rate": 0.25, "escalations": 1, "sla_breaches": 1, "label_corrections": 1,
                   "offtopic_closed": 1, "first_response_p50_s": 3000, "resolution_p50_s": None, "csat_avg": None},
}
# per queue: payment p1–p6 (first 600 1200 1800 7200 → p50 1500, p90 rank 2.7 → 1800 + 0.7·5400 = 5580)
EXPECTED_PER_QUEUE = {
    "payment": {"tickets": 6, "auto_answered": 1, "deflection_rate": 0.1667, "escalations": 1, "sla_breaches": 2,
                "first_response_p50_s": 1500, "first_response_p90_s": 5580, "csat_avg": 4.0, "label_corrections": 0},
    "course": {"tickets": 3, "auto_answered": 0, "auto_answer_pending": 1, "offtopic_closed": 1, "label_corrections": 1,
               "first_response_p50_s": 3000, "sla_breaches": 0, "csat_avg": None},
    "triage": {"tickets": 1, "first_response_p50_s": None},
    "profile": {"tickets": 0, "deflection_rate": 0.0},
}
