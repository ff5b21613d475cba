#!/usr/bin/env python
"""The operators' pages at the sizes given, side by side: median time of each page and its query count.

    createdb perf_100k && DATABASE_URL=postgres://postgres@127.0.0.1/perf_100k python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1/perf_100k python manage.py generate_tickets 100000
    DATABASE_URL=postgres://postgres@127.0.0.1/perf_1m python manage.py generate_tickets 1000000 --days 7300
    python bench/desk.py 100k=postgres://postgres@127.0.0.1/perf_100k 1M=postgres://postgres@127.0.0.1/perf_1m

Each size is measured in a subprocess of its own (Django settings are per process), through Django's test
client with the whole middleware stack and template rendering, logged in as an admin (who sees every queue;
``bench-admin``, created when missing). Each page is fetched once to warm caches, then ``--repeat`` times (≥ 3);
the medians of wall time and of the web process's CPU time are printed (on a shared machine the wall time is
mostly waiting for a core: note the load printed with them). The last column is the growth from the first size to the last: the target of issue 13
is ≤ 150 ms at a million tickets and ≤ 1.5× growth from 100k to 1M. Same inflow of tickets per day at both
sizes (``--days 7300`` for 1M): a longer history, the same open work.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent

PAGES = [
    "dashboard", "queue", "queue active", "queue page 100", "deep page", "ticket", "admin tickets",
    "search common", "search rare", "search surname",
]
DEEP_ROWS = 31_500  # issue 13's "page 1,260" of 25 at 100k
# The search page (every queue, best match first) for words of generate_tickets' texts, in another form than written:
# a common one (about half the tickets: the payment queue's texts and the screenshots' OCR), a rarer one (~5 %: one
# description of the profile queue) and the rarest surname of its students (~0.2 %, Zipf; a substring of the names too).
SEARCH_WORDS = {"search common": "оплатой", "search rare": "аккаунта", "search surname": "Колесников"}


def _pages():
    """In the subprocess: Django set up against DATABASE_URL, logged in; returns (fetch(name) → (ms, cpu ms, queries),
    the number of tickets)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings.local")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from tickets.models import Ticket

    user = get_user_model().objects.filter(username="bench-admin").first() or get_user_model().objects.create_superuser(
        "bench-admin", "bench@example.org", None
    )
    client = Client(SERVER_NAME="localhost", REMOTE_ADDR="127.0.0.1")
    with override_settings(AXES_ENABLED=False):  # axes would log the test client's login with no IP address
        client.force_login(user)
    queue = reverse("operator:queue", args=["payment"])
    payment = Ticket.objects.filter(queue__slug="payment")
    total = payment.count()
    deep = payment.order_by("created_at", "id").values("created_at", "id")[min(DEEP_ROWS, total - 1)]
    ticket = Ticket.objects.filter(first_response_at__isnull=False, queue__slug="payment").order_by("-id").first()
    urls = {
        "dashboard": reverse("operator:dashboard"),
        "queue": queue,
        "queue active": queue + "?status=active",
        "queue page 100": queue + "?page=100",
        "deep page": queue + "?" + urlencode({"order": "oldest", "after": f"{deep['created_at'].isoformat()}_{deep['id']}"}),
        "ticket": reverse("operator:ticket", args=[ticket.pk]),
        "admin tickets": reverse("admin:tickets_ticket_changelist"),
        **{name: reverse("operator:search") + "?" + urlencode({"q": word}) for name, word in SEARCH_WORDS.items()},
    }

    def fetch(name: str) -> tuple[float, float, int]:
        with CaptureQueriesContext(connection) as queries:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(urls[name])
            ms, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000
        assert response.status_code == 200, (name, response.status_code)
        return ms, cpu, len(queries)

    return fetch, Ticket.objects.count()


def _figures(runs: list) -> dict:
    """A page's figures from its timed fetches ((ms, cpu ms, queries) each): the medians and the last query count."""
    return {"ms": statistics.median(r[0] for r in runs), "cpu": statistics.median(r[1] for r in runs),
            "queries": runs[-1][2]}


def _size_env(url: str) -> dict:
    """The environment of a size's subprocess: its database, production-like settings."""
    return {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "localhost"}


def measure(repeat: int) -> dict:
    """In the subprocess: time every page against DATABASE_URL."""
    fetch, tickets = _pages()
    results = {"tickets": tickets}
    for name in PAGES:
        fetch(name)  # warm: connection, templates, caches
        results[name] = _figures([fetch(name) for _ in range(repeat)])
    return results


def serve() -> None:
    """In a subprocess of ``--interleave``: one page name a line on stdin, its timing as JSON on stdout."""
    fetch, tickets = _pages()
    print(json.dumps({"tickets": tickets}), flush=True)
    for line in sys.stdin:
        print(json.dumps(fetch(line.strip())), flush=True)


def _answer(worker: subprocess.Popen):
    """The worker's next JSON line (anything else it prints, e.g. a library's notice, is skipped)."""
    for line in worker.stdout:
        if line.startswith(("{", "[")):
            return json.loads(line)
    sys.exit(f"a --serve worker stopped (exit code {worker.wait()})")


def measure_interleaved(sizes: dict[str, str], repeat: int) -> dict:
    """Every size's web process kept running and the same page asked of each in turn (the first size first on odd
    rounds, last on even ones), so the machine's load, which moves within seconds on a shared box, falls on every
    size alike instead of on whichever size happened to run while it peaked."""
    workers, measured = {}, {}
    for label, url in sizes.items():
        workers[label] = subprocess.Popen([sys.executable, __file__, "--serve"], env=_size_env(url), stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, text=True)
        measured[label] = _answer(workers[label])

    def ask(label: str, name: str) -> list:
        workers[label].stdin.write(name + "\n")
        workers[label].stdin.flush()
        return _answer(workers[label])

    labels = list(sizes)
    for name in PAGES:
        runs = {label: [] for label in labels}
        for label in labels:
            ask(label, name)  # warm
        for round_ in range(repeat):
            for label in (labels if round_ % 2 == 0 else labels[::-1]):
                runs[label].append(ask(label, name))
        for label in labels:
            measured[label][name] = _figures(runs[label])
    for worker in workers.values():
        worker.stdin.close()
        worker.wait()
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", help="LABEL=DATABASE_URL, smallest first")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--interleave", action="store_true",
                        help="every size's process kept running, each page asked of the sizes in turn (measure_interleaved)")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(max(3, args.repeat))))
        return
    if args.serve:
        serve()
        return
    if not args.sizes:
        parser.error("give at least one LABEL=DATABASE_URL")
    sizes = dict(size.partition("=")[::2] for size in args.sizes)
    if args.interleave:
        measured = measure_interleaved(sizes, max(3, args.repeat))
    else:
        measured = {}
        for label, url in sizes.items():
            done = subprocess.run([sys.executable, __file__, "--measure", "--repeat", str(args.repeat)],
                                  env=_size_env(url), capture_output=True, text=True)
            if done.returncode:
                sys.exit(f"{label}: {done.stderr[-3000:]}")
            measured[label] = json.loads(done.stdout.strip().splitlines()[-1])
    labels = list(measured)
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1, 5, 15 min) on {os.cpu_count()} cores")
    print("wall ms (median), the web process's own CPU ms (median; the rest is the database and waiting), queries")
    print(f"{'page':<16}" + "".join(f"{label + ' (' + str(measured[label]['tickets']) + ')':>32}" for label in labels)
          + (f"{'growth ' + labels[0] + '→' + labels[-1]:>20}" if len(labels) > 1 else ""))
    for name in PAGES:
        cells = "".join(
            f"{measured[label][name]['ms']:>12.1f} ms {measured[label][name]['cpu']:>6.1f} cpu {measured[label][name]['queries']:>3} q"
            for label in labels
        )
        growth = f"{measured[labels[-1]][name]['ms'] / measured[labels[0]][name]['ms']:>19.2f}×" if len(labels) > 1 else ""
        print(f"{name:<16}{cells}{growth}")


if __name__ == "__main__":
    main()
