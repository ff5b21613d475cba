#!/usr/bin/env python
"""Burst test: submit N tickets while a real ``manage.py qcluster`` runs, wait, and account for every one.

    python scripts/burst.py                 # 1,000 tickets, embedded default: SQLite file + ORM broker
    python scripts/burst.py -n 200 --workers 2 --chaos 5   # SIGKILL a cluster process every 5 s
    python scripts/burst.py --database-url postgres://postgres@127.0.0.1:5432/burst --broker redis

By default everything lives in a fresh temporary folder (database, media, logs) that is deleted afterwards
(--keep to inspect it), and the fast fake classifier (tests.fakes) is used so the queue, not the model, is
measured; --classifier picks another factory (e.g. tickets.classification.desk_ticket_classifier).

The descriptions are mixed so every outcome occurs: ~75% name a topic (routed to its queue), ~20% say nothing
useful (unsure → triage), ~5% contain "boom" (the fake classifier raises → failed, in triage).

Prints: attempted / refused / submitted / routed / triaged / failed / pending / lost / duplicated, and timings.
Exit status 0 only when lost == 0, duplicated == 0 and no submission raised. "lost" = submitted tickets missing from the database, plus tickets still pending
when the wait ended (nobody will look at them); "duplicated" = tickets with more than one prediction.
"""
from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from supportdesk.processes import stop_process_group  # noqa: E402  (free of Django)

TEXTS = (
    [("Не проходит оплата картой, деньги списались", 30), ("I cannot open the lesson video", 25),
     ("Забыл пароль, не могу войти", 20), ("Здравствуйте! У меня вопрос", 20), ("boom — everything is broken", 5)]
)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", "--count", type=int, default=1000, help="tickets to submit (default 1000)")
    p.add_argument("--workers", type=int, default=1, help="django-q2 workers (default 1)")
    p.add_argument("--wait", type=float, default=900, help="seconds to wait for the queue to drain (default 900)")
    p.add_argument("--screenshot-every", type=int, default=10, help="attach a small PNG to every k-th ticket (0 = never)")
    p.add_argument("--database-url", default="", help="default: a new SQLite file in the temporary folder")
    p.add_argument("--broker", choices=["orm", "redis"], default="orm")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    p.add_argument("--classifier", default="tests.fakes.fake_ticket_classifier")
    p.add_argument("--chaos", type=float, default=0, help="SIGKILL a qcluster process every SECONDS")
    p.add_argument("--chaos-target", choices=["any", "sentinel", "children"], default="children",
                   help="which processes --chaos may kill: the sentinel (direct child of `qcluster`), its children "
                        "(workers, pusher, monitor: default) or any of them")
    p.add_argument("--chaos-max", type=int, default=0, help="stop the chaos after this many kills (0 = no limit)")
    p.add_argument("--seed", type=int, default=5)
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


# --- the parent: environment, migrate, cluster, report --------------------------------------------------


def build_env(args, folder: Path) -> dict:
    db_url = args.database_url or "sqlite:///" + str(folder / "db.sqlite3")
    cluster_name = f"burst-{secrets.token_hex(4)}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings.local",
        "DJANGO_DEBUG": "0",
        "SUPPORTDESK_VAR_DIR": str(folder),
        "DATABASE_URL": db_url,
        "SUPPORTDESK_MEDIA_ROOT": str(folder / "media"),
        "SUPPORTDESK_Q_BROKER": args.broker,
        "REDIS_URL": args.redis_url,
        "SUPPORTDESK_Q_NAME": cluster_name,
        "SUPPORTDESK_Q_CLASSIFY_NAME": cluster_name,  # one cluster does everything: the queue under test
        "SUPPORTDESK_Q_WORKERS": str(args.workers),
        "SUPPORTDESK_Q_SYNC": "0",
        "SUPPORTDESK_TICKET_CLASSIFIER": args.classifier,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    return env


def children_of(pid: int, depth: int | None = None) -> list[int]:
    """Descendants of ``pid`` (reads /proc; no psutil needed); ``depth`` 1 = children only, 2 = grandchildren only."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [(pid, 0)]
    while todo:
        current, level = todo.pop()
        for child in parents.get(current, []):
            if depth is None or level + 1 == depth:
                out.append(child)
            todo.append((child, level + 1))
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child:
        return child(args)

    folder = Path(tempfile.mkdtemp(prefix="supportdesk-burst-"))
    env = build_env(args, folder)
    cluster = None
    try:
        t0 = time.monotonic()
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        with open(folder / "cluster.log", "wb") as log:
            cluster = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        print(f"folder {folder}  database {env['DATABASE_URL']}  broker {args.broker}  workers {args.workers}  "
              f"classifier {args.classifier}  (set-up {time.monotonic() - t0:.1f}s)", flush=True)
        child_cmd = [sys.executable, str(Path(__file__).resolve()), "--child", *(argv if argv is not None else sys.argv[1:])]
        child_proc = subprocess.Popen(child_cmd, cwd=ROOT, env={**env, "BURST_CLUSTER_PID": str(cluster.pid)})
        chaos_rng = random.Random(args.seed + 1)
        kills = 0
        depth = {"any": None, "sentinel": 1, "children": 2}[args.chaos_target]
        while child_proc.poll() is None:
            time.sleep(args.chaos or 0.5)
            if args.chaos and (not args.chaos_max or kills < args.chaos_max):
                victims = children_of(cluster.pid, depth)
                if not victims:
                    print(f"chaos: no {args.chaos_target} process left under qcluster pid {cluster.pid} "
                          f"(qcluster {'running' if cluster.poll() is None else 'exited'})", flush=True)
                    continue
                victim = chaos_rng.choice(victims)
                try:
                    os.kill(victim, signal.SIGKILL)
                    kills += 1
                    print(f"chaos: SIGKILL {victim} ({args.chaos_target})", flush=True)
                except ProcessLookupError:
                    pass
        return child_proc.returncode
    finally:
        if cluster is not None:
            stop_process_group(cluster, grace=15)
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


# --- the child: Django in-process, submit through the services, poll, count ----------------------------


def child(args) -> int:
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db.models import Count, Q

    from tests.factories import png_bytes
    from tickets.models import Prediction, Ticket
    from tickets.services import ticket_create
    from tickets.uploads import clean_screenshots

    rng = random.Random(args.seed)
    texts = [t for t, weight in TEXTS for _ in range(weight)]
    png = png_bytes((320, 200))
    submitted: list[int] = []
    refused: dict[str, int] = {}
    t_submit = time.monotonic()
    for i in range(args.count):
        shots = []
        if args.screenshot_every and i % args.screenshot_every == 0:
            shots = clean_screenshots([SimpleUploadedFile(f"shot{i}.png", png, "image/png")])
        try:
            ticket = ticket_create(
                name=f"Student {i}", email=f"burst{i}@example.org", description=f"{rng.choice(texts)} (#{i})",
                screenshots=shots,
            )
        except Exception as exc:  # not "lost" (the student saw an error), but counted and reported
            key = f"{type(exc).__name__}: {str(exc)[:120]}"
            if key not in refused:
                print(f"submit #{i} raised {key}", flush=True)
            refused[key] = refused.get(key, 0) + 1
            continue
        submitted.append(ticket.pk)
        if (i + 1) % 200 == 0:
            print(f"submitted {i + 1}/{args.count}  ({time.monotonic() - t_submit:.1f}s)", flush=True)
    submit_seconds = time.monotonic() - t_submit
    print(f"submitted {len(submitted)} in {submit_seconds:.1f}s ({len(submitted) / max(submit_seconds, 1e-9):.1f}/s), "
          f"refused {sum(refused.values())}", flush=True)

    ids = set(submitted)
    t_drain = time.monotonic()
    deadline = t_drain + args.wait
    last = None
    while True:
        pending = Ticket.objects.filter(pk__in=ids, classification_state=Ticket.ClassificationState.PENDING).count()
        now = time.monotonic()
        if pending == 0 or now > deadline:
            break
        if last is None or now - last >= 10:
            print(f"  waiting: {pending} pending ({now - t_drain:.0f}s)", flush=True)
            last = now
        time.sleep(1)
    drain_seconds = time.monotonic() - t_drain

    tickets = Ticket.objects.filter(pk__in=ids)
    in_db = tickets.count()
    counts = tickets.aggregate(
        routed=Count("pk", filter=Q(classification_state="done") & ~Q(queue__slug="triage")),
        triaged=Count("pk", filter=Q(classification_state="done", queue__slug="triage")),
        failed=Count("pk", filter=Q(classification_state="failed")),
        pending=Count("pk", filter=Q(classification_state="pending")),
    )
    duplicated = (
        Prediction.objects.filter(ticket_id__in=ids).values("ticket_id").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    failed_not_in_triage = tickets.filter(classification_state="failed").exclude(queue__slug="triage").count()
    missing = len(ids) - in_db
    lost = missing + counts["pending"]
    print()
    print(f"attempted  {args.count}")
    print(f"refused    {sum(refused.values())}   {dict(refused) if refused else ''}")
    print(f"submitted  {len(submitted)}")
    print(f"routed     {counts['routed']}")
    print(f"triaged    {counts['triaged']}   (classifier unsure)")
    print(f"failed     {counts['failed']}   (classifier error, in triage; {failed_not_in_triage} outside triage)")
    print(f"pending    {counts['pending']}")
    print(f"lost       {lost}   (missing from the database: {missing}; still pending after the wait: {counts['pending']})")
    print(f"duplicated {duplicated}   (tickets with more than one prediction)")
    print(f"time       submit {submit_seconds:.1f}s, drain {drain_seconds:.1f}s after the last submission, "
          f"throughput {len(submitted) / max(submit_seconds + drain_seconds, 1e-9):.1f} tickets/s end to end")
    accounted = counts["routed"] + counts["triaged"] + counts["failed"] + counts["pending"]
    assert accounted == in_db, (accounted, in_db)
    ok = lost == 0 and duplicated == 0 and failed_not_in_triage == 0 and not refused
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
