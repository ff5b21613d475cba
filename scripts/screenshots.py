#!/usr/bin/env python
"""Retake the README's pictures (issue 12): the queue list and the reports page, from a demo desk.

    python scripts/screenshots.py            # writes docs/queue.png and docs/reports.png

It builds a throw-away SQLite desk in a temporary folder (never var/db.sqlite3), fills it with a fixed
pseudo-random month of tickets (`demo_desk`: clocks, automatic answers, ratings, corrections, SLA targets),
starts `manage.py runserver` on a free local port, logs in through the login form with headless Chromium
(Playwright, /usr/bin/chromium or SUPPORTDESK_CHROMIUM) and saves the two pages at 1280 px. The PNGs are
reduced to a 256-colour palette (Pillow) to stay well under ~150 KB each. Nothing is downloaded.
"""
from __future__ import annotations

import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CHROMIUM = os.environ.get("SUPPORTDESK_CHROMIUM", "/usr/bin/chromium")
NAMES = [
    "Анна Смирнова", "Иван Петров", "Мария Кузнецова", "Дмитрий Соколов", "Елена Попова", "Алексей Лебедев",
    "Ольга Новикова", "Сергей Морозов", "Наталья Волкова", "Павел Козлов", "Юлия Зайцева", "Артём Павлов",
]
TEXTS = {
    "payment": ["Оплатила курс, а доступ не открылся", "Списали деньги дважды за один месяц", "Не проходит оплата картой"],
    "course": ["Не открывается урок 5 в модуле по Python", "Где найти запись вчерашнего вебинара?", "Домашнее задание не отправляется"],
    "profile": ["Не могу войти в личный кабинет", "Не приходит письмо для смены пароля", "Как поменять почту в профиле?"],
    "triage": ["Здравствуйте, у меня вопрос", "Посмотрите скриншот, пожалуйста"],
}
LABELS = {"payment": "payment-problem", "course": "course-problem", "profile": "profile-problem", "triage": ""}


def demo_desk(*, days: int = 30, seed: int = 12) -> None:
    """A month of a school's support with fixed pseudo-random figures (the same every run for the same seed)."""
    from django.utils import timezone

    from tickets import services
    from tickets.models import Queue, Student, Ticket, TicketEvent, TicketRating

    rng = random.Random(seed)
    services.desk_seed()
    Queue.objects.filter(slug="payment").update(first_response_target=timedelta(hours=1), resolution_target=timedelta(hours=8))
    Queue.objects.filter(slug__in=["course", "profile"]).update(first_response_target=timedelta(hours=4), resolution_target=timedelta(days=1))
    olga = services.account_create(username="olga", password=secrets.token_urlsafe(12), role="operator", queue_slugs=["payment", "course"])
    ivan = services.account_create(username="ivan", password=secrets.token_urlsafe(12), role="operator", queue_slugs=["course", "profile"])
    queues = {queue.slug: queue for queue in Queue.objects.all()}
    now = timezone.now()
    weights = {"payment": 4, "course": 3, "profile": 2, "triage": 1}
    for day in range(days, -1, -1):
        for _ in range(rng.randint(6, 14) + (days - day) // 6):
            slug = rng.choices(list(weights), weights=list(weights.values()))[0]
            created = now - timedelta(days=day, seconds=rng.randint(0, 86399 if day else 6 * 3600))
            age = now - created
            name = rng.choice(NAMES)
            student, _ = Student.objects.get_or_create(email=f"student{rng.randint(1, 400)}@example.org", defaults={"name": name})
            fields = {"status": Ticket.Status.RESOLVED, "auto_answer_state": Ticket.AutoAnswerState.NONE}
            roll = rng.random()
            first = timedelta(minutes=rng.lognormvariate(3.3, 0.9))
            resolved = first + timedelta(minutes=rng.lognormvariate(4.2, 1.0))
            if slug != "triage" and roll < 0.3:  # answered by the FAQ and solved
                fields.update(auto_answer_state=Ticket.AutoAnswerState.SOLVED, auto_answered_at=created + timedelta(seconds=20),
                              resolved_at=created + timedelta(minutes=rng.randint(2, 40)))
            else:
                if slug != "triage" and roll < 0.42:
                    fields.update(auto_answer_state=Ticket.AutoAnswerState.ESCALATED, auto_answered_at=created + timedelta(seconds=20))
                if first > age:  # not answered yet
                    fields.update(status=rng.choice([Ticket.Status.NEW, Ticket.Status.OPEN]), waiting_since=created)
                elif resolved > age:
                    fields.update(status=Ticket.Status.WAITING, first_response_at=created + first, waiting_since=None)
                else:
                    fields.update(first_response_at=created + first, resolved_at=created + resolved, waiting_since=None,
                                  status=rng.choice([Ticket.Status.RESOLVED, Ticket.Status.CLOSED]))
            assignee = None if fields["status"] == Ticket.Status.NEW or slug == "triage" else rng.choice([olga, ivan])
            ticket = Ticket.objects.create(
                name=name, student=student, description=rng.choice(TEXTS[slug]), queue=queues[slug], label=LABELS[slug],
                confidence=round(rng.uniform(0.55, 0.97), 2), classification_state=Ticket.ClassificationState.DONE,
                assignee=assignee, topic=slug if slug != "triage" else "",
            )
            Ticket.objects.filter(pk=ticket.pk).update(created_at=created, updated_at=created, **fields)
            if fields.get("first_response_at") and fields["status"] in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED) and rng.random() < 0.5:
                TicketRating.objects.create(ticket=ticket, score=rng.choices([5, 4, 3, 2, 1], weights=[6, 3, 1, 0.5, 0.5])[0], rated_at=now)
            if slug != "triage" and rng.random() < 0.06:
                other = rng.choice([label for label in LABELS.values() if label and label != LABELS[slug]])
                TicketEvent.objects.create(ticket=ticket, actor=olga, kind=TicketEvent.Kind.OVERRIDE, old_value=other, new_value=LABELS[slug])
    # The payment queue right now: fresh, nearly due and overdue tickets (the queue list's picture).
    waiting_now = [(4, None, "new"), (12, olga, "open"), (38, None, "new"), (52, ivan, "open"), (95, olga, "open"),
                   (190, None, "new"), (300, ivan, "waiting"), (1500, olga, "waiting")]
    for minutes, assignee, status in waiting_now:
        created = now - timedelta(minutes=minutes)
        name = rng.choice(NAMES)
        student, _ = Student.objects.get_or_create(email=f"student{rng.randint(401, 800)}@example.org", defaults={"name": name})
        ticket = Ticket.objects.create(
            name=name, student=student, description=rng.choice(TEXTS["payment"]), queue=queues["payment"], label="payment-problem",
            confidence=round(rng.uniform(0.7, 0.97), 2), classification_state=Ticket.ClassificationState.DONE, assignee=assignee, topic="payment",
        )
        answered = {"first_response_at": created + timedelta(minutes=minutes // 3)} if status == "waiting" else {}
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=created, updated_at=created, status=status, waiting_since=None if status == "waiting" else created, **answered,
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _palette_png(path: Path) -> int:
    """Re-save ``path`` with a 256-colour palette (screenshots of flat UI lose nothing visible); its new size."""
    from PIL import Image

    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path.stat().st_size


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="supportdesk-shots-"))
    password = secrets.token_urlsafe(12)
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "supportdesk.settings.local", "DATABASE_URL": f"sqlite:///{work / 'demo.sqlite3'}",
        "DJANGO_DEBUG": "true", "DJANGO_TIME_ZONE": os.environ.get("DJANGO_TIME_ZONE", "Europe/Moscow"),
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from tickets import services

    call_command("migrate", verbosity=0, interactive=False)
    demo_desk()
    services.account_create(username="lead", password=password, role="admin")

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/desk/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="ru-RU", base_url=base)
            page.goto("/desk/login/")
            page.fill("input[name=username]", "lead")
            page.fill("input[name=password]", password)
            page.click("form button[type=submit]")
            page.wait_for_url(f"{base}/desk/")
            shots = {"queue.png": ("/desk/queues/payment/?status=active", True), "reports.png": ("/desk/reports/?days=14", True)}
            for name, (url, full_page) in shots.items():
                page.goto(url)
                path = DOCS / name
                page.screenshot(path=str(path), full_page=full_page)
                print(f"{path.relative_to(ROOT)}: {_palette_png(path) // 1024} KB")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
