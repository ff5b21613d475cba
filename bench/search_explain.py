#!/usr/bin/env python
"""``EXPLAIN (ANALYZE, BUFFERS)`` of every query of the operators' search page, for one word and one database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/perf_1m python bench/search_explain.py Колесников --runs 3

The page is fetched through Django's test client (logged in as ``bench-admin``, as bench/desk.py) with its queries
captured; each query is then explained ``--runs`` times and its best run printed: execution time and shared buffers
(hit + read; buffers do not depend on the machine's load, the milliseconds do). ``--plans``: print the plans too.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("word")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--plans", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportdesk.settings.local")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    user = get_user_model().objects.filter(username="bench-admin").first() or get_user_model().objects.create_superuser(
        "bench-admin", "bench@example.org", None
    )
    client = Client(SERVER_NAME="localhost", REMOTE_ADDR="127.0.0.1")
    with override_settings(AXES_ENABLED=False):
        client.force_login(user)
    url = reverse("operator:search") + "?" + urlencode({"q": args.word})
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    total_ms = total_buffers = 0
    for number, query in enumerate(captured.captured_queries, 1):
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT") or 'FROM "django_session"' in sql or 'FROM "auth_user"' in sql:
            continue
        best = None
        for _ in range(args.runs):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
            if best is None or plan[0]["Execution Time"] < best[0]["Execution Time"]:
                best = plan
        top = best[0]["Plan"]
        buffers = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
        total_ms += best[0]["Execution Time"]
        total_buffers += buffers
        print(f"{number:>2} {best[0]['Execution Time']:>8.2f} ms {buffers:>7} buffers  {sql[:150]}")
        if args.plans:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                print("\n".join(row[0] for row in cursor.fetchall()))
    print(f"total {total_ms:.2f} ms, {total_buffers} buffers ({args.word!r}, load {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
