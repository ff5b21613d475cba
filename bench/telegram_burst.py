#!/usr/bin/env python
"""Telegram burst: 200 updates from 50 students through a fake Bot API server, into tickets, none lost or doubled.

    python bench/telegram_burst.py                      # 50 students × 4 messages, 10% redelivered, gather 1 s
    python bench/telegram_burst.py --students 100 --per-student 6 --workers 2

The real processes run: ``manage.py telegram_bot`` (long polling the fake server on 127.0.0.1, which lives in this
process) and ``manage.py qcluster`` (classification, FAQ layer, deliveries), on a fresh SQLite file in a temporary
folder (deleted afterwards unless --keep), with the fast fake classifier and FAQ encoder of the test suite. Each
student sends half of their messages at once (one of them a screenshot as a file) and the other half after the
gather window (they join the open ticket as replies); --redeliver % of the updates are served a second time
(a webhook retry, a second bot process).

Drained = every update recorded and none pending, every ticket classified, every delivery to the students and every
bot message sent. Checks: each message's marker is in exactly one student message (lost = 0, doubled = 0), one
prediction per ticket, a ticket per student. Prints counts, time to drain, CPU seconds of the bot and the cluster
and the load average. Exit status 0 only when nothing was lost or doubled.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from supportdesk.processes import stop_process_group  # noqa: E402
from tests.tgbot.fake_bot_api import TOKEN, FakeBotApi, private_update  # noqa: E402

TEXTS = ["Не проходит оплата картой", "Не открывается видео урока", "Забыл пароль, не могу войти", "Здравствуйте, вопрос по обучению"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=50)
    p.add_argument("--per-student", type=int, default=4)
    p.add_argument("--redeliver", type=float, default=10, help="percent of updates served twice (default 10)")
    p.add_argument("--gather", type=int, default=1, help="SUPPORTDESK_TELEGRAM_GATHER_SECONDS (default 1)")
    p.add_argument("--workers", type=int, default=1, help="django-q2 workers (default 1)")
    p.add_argument("--wait", type=float, default=600, help="seconds to wait for the drain")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return p.parse_args(argv)


def build_env(args, folder: Path, api_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings.local",
        "DJANGO_DEBUG": "0",
        "SUPPORTDESK_VAR_DIR": str(folder),
        "DATABASE_URL": "sqlite:///" + str(folder / "db.sqlite3"),
        "SUPPORTDESK_MEDIA_ROOT": str(folder / "media"),
        "SUPPORTDESK_Q_BROKER": "orm",
        "SUPPORTDESK_Q_NAME": f"tgburst-{secrets.token_hex(4)}",
        "SUPPORTDESK_Q_WORKERS": str(args.workers),
        "SUPPORTDESK_Q_SYNC": "0",
        "SUPPORTDESK_TICKET_CLASSIFIER": "tests.fakes.fake_ticket_classifier",
        "SUPPORTDESK_MESSAGE_CLASSIFIER": "tests.fakes.fake_classify_message",
        "SUPPORTDESK_FAQ_ENCODER": "tests.knowledge.fakes.counting_encoder",
        "SUPPORTDESK_TELEGRAM_TOKEN": TOKEN,
        "SUPPORTDESK_TELEGRAM_API_URL": api_url,
        "SUPPORTDESK_TELEGRAM_GATHER_SECONDS": str(args.gather),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_LOG_LEVEL": "WARNING",
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(ROOT),
    }


def png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 300), "white")
    ImageDraw.Draw(image).text((20, 20), "Ошибка 402: платёж отклонён", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def updates_for(args, api: FakeBotApi) -> tuple[list[list[dict]], dict[str, int]]:
    """Two waves of updates (now, after the gather window) and the marker → student of every message.

    Students' messages interleave at random; update ids rise in the order Telegram would hand them out."""
    rng = random.Random(args.seed)
    api.add_file("burst-shot", png())
    plans: list[list[tuple[int, int, int]]] = [[], []]
    for student in range(args.students):
        for n in range(args.per_student):
            plans[0 if n < max(args.per_student // 2, 1) else 1].append((student, 500_000 + student, n))
    waves: list[list[dict]] = [[], []]
    markers: dict[str, int] = {}
    update_id = 100_000
    for plan, wave in zip(plans, waves):
        rng.shuffle(plan)
        for student, user_id, n in plan:
            update_id += 1
            marker = f"m{update_id}"
            markers[marker] = user_id
            update = private_update(update_id, user_id, text=f"{rng.choice(TEXTS)} ({marker})",
                                    document="burst-shot" if n == 0 else "", first_name=f"Студент {student}")
            wave.append(update)
            if rng.random() * 100 < args.redeliver:
                wave.append(update)
    return waves, markers


def drained(total: int) -> tuple[bool, dict]:
    from django.db.models import Count

    from tgbot.models import TelegramOutgoing, TelegramUpdate
    from tickets.models import Delivery, Ticket

    counts = {
        "recorded": TelegramUpdate.objects.count(),
        "pending": TelegramUpdate.objects.filter(status="pending").count(),
        "tickets": Ticket.objects.count(),
        "unclassified": Ticket.objects.annotate(n=Count("predictions")).filter(n=0).count(),
        "deliveries unsent": Delivery.objects.exclude(status="sent").count(),
        "bot messages unsent": TelegramOutgoing.objects.exclude(status="sent").count(),
    }
    done = (counts["recorded"] == total and counts["pending"] == 0 and counts["tickets"] > 0
            and counts["unclassified"] == 0 and counts["deliveries unsent"] == 0 and counts["bot messages unsent"] == 0)
    return done, counts


def verify(markers: dict[str, int]) -> dict:
    from django.db.models import Count

    from tgbot.models import TelegramAccount
    from tickets.models import Message, Ticket

    bodies = list(Message.objects.filter(author_kind="student").values_list("body", flat=True))
    found: dict[str, int] = {}
    for body in bodies:
        for word in body.replace("(", " ").replace(")", " ").split():
            if word in markers:
                found[word] = found.get(word, 0) + 1
    students_with_ticket = TelegramAccount.objects.filter(student__tickets__isnull=False).distinct().count()
    return {
        "messages lost": sum(1 for marker in markers if marker not in found),
        "messages doubled": sum(1 for count in found.values() if count > 1),
        "tickets with >1 prediction": Ticket.objects.annotate(n=Count("predictions")).filter(n__gt=1).count(),
        "students without a ticket": len(set(markers.values())) - students_with_ticket,
        "tickets": Ticket.objects.count(),
        "tickets with the screenshot": Ticket.objects.filter(attachments__isnull=False).distinct().count(),
        "routed (not triage)": Ticket.objects.exclude(queue__slug="triage").count(),
    }


def cpu_of(pid: int) -> float:
    """utime + stime of a live process, seconds (its reaped children included: cutime + cstime)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def main(argv=None) -> int:
    args = parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="supportdesk-tgburst-"))
    api = FakeBotApi().start()
    env = build_env(args, folder, api.base_url)
    processes: dict[str, subprocess.Popen] = {}
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        os.environ.update(env)
        import django

        django.setup()
        waves, markers = updates_for(args, api)
        total = len({u["update_id"] for wave in waves for u in wave})
        served = sum(len(wave) for wave in waves)
        for name, command in (("cluster", "qcluster"), ("bot", "telegram_bot")):
            log = open(folder / f"{name}.log", "wb")
            processes[name] = subprocess.Popen([sys.executable, "manage.py", command], cwd=ROOT, env=env, stdout=log,
                                               stderr=subprocess.STDOUT, start_new_session=True)
        if not api.wait_for(lambda: api.sent("getMe"), timeout=60):
            print("the bot did not start; see", folder / "bot.log")
            return 2
        load_before = os.getloadavg()
        t0 = time.monotonic()
        for update in waves[0]:
            api.push_update(update)
        time.sleep(args.gather * 2 + 0.5)
        for update in waves[1]:
            api.push_update(update)
        counts: dict = {}
        while time.monotonic() - t0 < args.wait:
            done, counts = drained(total)
            if done:
                break
            time.sleep(0.25)
        drain = time.monotonic() - t0
        load_after = os.getloadavg()
        cpu = {name: cpu_of(proc.pid) for name, proc in processes.items()}
        result = verify(markers)
        sends = len(api.sent())
        print(f"updates: {total} unique from {args.students} students, {served} served (redelivered {served - total}); "
              f"gather window {args.gather} s, {args.workers} worker(s)")
        print("at the end: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        print("checks: " + ", ".join(f"{k} {v}" for k, v in result.items()))
        print(f"sendMessage calls: {sends}; time to drain: {drain:.1f} s (second wave sent at {args.gather * 2 + 0.5:.1f} s)")
        print(f"CPU seconds: bot {cpu['bot']:.1f}, cluster (with its workers) {cpu['cluster']:.1f}, "
              f"this process (fake server, checks) {resource.getrusage(resource.RUSAGE_SELF).ru_utime:.1f}; "
              f"load average 1 min: {load_before[0]:.2f} before, {load_after[0]:.2f} after (2 cores, shared)")
        ok = done and result["messages lost"] == 0 and result["messages doubled"] == 0 and result["tickets with >1 prediction"] == 0
        print("OK" if ok else f"FAILED (logs in {folder})")
        return 0 if ok else 1
    finally:
        for proc in processes.values():
            stop_process_group(proc, grace=20)
        api.close()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print("kept", folder)


if __name__ == "__main__":
    sys.exit(main())
