#!/usr/bin/env python
"""What the reports cost (selectors.report_summary), next to a bare count of the same tickets, in one run.

    python bench/reports.py                     # 20 000 tickets over a year, throw-away SQLite
    python bench/reports.py --tickets 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reports python bench/reports.py   # an EMPTY database you own

The report reads one row per ticket of the window (clocks, states, SLA flag, rating, last override by two
correlated subqueries) and sums them up in Python; percentiles need the durations. The table shows, per window,
the report's wall time, its ratio to ``COUNT(*)`` of the same window (what a pure-SQL aggregate could at best get
near), and the peak memory Python allocated for it (tracemalloc).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _fill(count: int, seed: int = 7) -> None:
    from django.utils import timezone

    from tickets import services
    from tickets.models import Queue, Student, Ticket, TicketEvent, TicketRating

    rng = random.Random(seed)
    services.desk_seed()
    Queue.objects.filter(slug="payment").update(first_response_target=timedelta(hours=1), resolution_target=timedelta(hours=8))
    queues = list(Queue.objects.all())
    students = Student.objects.bulk_create([Student(email=f"s{i}@example.org", name=f"S {i}") for i in range(500)])
    now = timezone.now()
    tickets, created_at = [], []
    for i in range(count):
        created = now - timedelta(seconds=rng.randint(0, 365 * 86400))
        first = created + timedelta(minutes=rng.expovariate(1 / 40)) if rng.random() < 0.7 else None
        resolved = first + timedelta(minutes=rng.expovariate(1 / 90)) if first and rng.random() < 0.8 else None
        tickets.append(Ticket(
            name="x", student=rng.choice(students), queue=rng.choice(queues), public_token=f"bench-{i}",
            public_token_digest=f"bench-digest-{i}",  # bulk_create skips save(), which fills the digest
            status=Ticket.Status.RESOLVED if resolved else Ticket.Status.OPEN, first_response_at=first, resolved_at=resolved,
            auto_answer_state=rng.choice(list(Ticket.AutoAnswerState.values)),
        ))
        created_at.append(created)
    created_rows = Ticket.objects.bulk_create(tickets, batch_size=2000)
    for ticket, created in zip(created_rows, created_at):  # created_at is auto_now_add: set it afterwards
        ticket.created_at = created
    Ticket.objects.bulk_update(created_rows, ["created_at"], batch_size=2000)
    TicketRating.objects.bulk_create([TicketRating(ticket=t, score=rng.randint(1, 5)) for t in created_rows if t.resolved_at and rng.random() < 0.3])
    TicketEvent.objects.bulk_create([
        TicketEvent(ticket=t, kind=TicketEvent.Kind.OVERRIDE, old_value="payment-problem", new_value=rng.choice(["course-problem", "payment-problem"]))
        for t in created_rows if rng.random() < 0.05
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench-reports-')) / 'db.sqlite3'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "supportdesk.settings.local"
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from tests.factories import AdminFactory
    from tickets.models import Ticket
    from tickets.selectors import report_summary
    from tickets.selectors.reports import report_days

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    _fill(args.tickets)
    print(f"filled {Ticket.objects.count()} tickets in {time.perf_counter() - started:.1f} s ({os.environ['DATABASE_URL'].split(':')[0]})")
    lead = AdminFactory(username="bench-lead")
    print(f"{'days':>5} {'tickets':>8} {'count(*) ms':>12} {'report ms':>10} {'ratio':>7} {'peak MB':>8}")
    for days in (7, 30, 90, 365):
        _dates, since = report_days(days)
        window = Ticket.objects.filter(created_at__gte=since, created_at__lte=timezone.now())
        count_s, report_s = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            in_window = window.count()
            count_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            report = report_summary(lead, days=days)
            report_s.append(time.perf_counter() - t0)
        tracemalloc.start()
        report_summary(lead, days=days)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert report["tickets"] == in_window
        best_count, best_report = min(count_s), min(report_s)
        print(f"{days:>5} {in_window:>8} {best_count * 1000:>12.1f} {best_report * 1000:>10.1f} {best_report / best_count:>7.1f} {peak / 2**20:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
