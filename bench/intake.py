#!/usr/bin/env python
"""Intake: what re-encoding a screenshot costs with the old and the new PNG writer, and tickets/s of the whole
request, measured side by side in one run (issue 13: "re-encoding the PNG is 122 of ~170 ms").

    python bench/intake.py                       # 200-250 KB screenshots of ../shared/dataset/dev, 4 clients
    python bench/intake.py --tickets 40 --clients 4 --repeat 5 --image path/to/shot.png

Part 1 times the PNG writers on each screenshot: Pillow's ``Image.save(format="PNG")`` at its default level (6,
what the desk used before issue 13) and at level 1 (the first step of issue 13), and ``tickets.uploads.png_bytes``
(today's writer, ``tickets.png_encoder``), medians of --repeat, with the stored sizes; CPU milliseconds.
Part 2 posts --tickets new tickets, one screenshot each, from --clients threads (each its own Django test client)
to ``/support/new/`` of a fresh SQLite desk (tasks queued, not run: intake alone), once with the old writer
swapped in (``uploads.png_bytes`` = Pillow level 6; the rest of the request is today's) and once as it is,
alternating the order, and prints tickets/s and the ratio. Note the machine's load: ``uptime`` is printed first.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OLD_LEVEL = 6  # Pillow's default, what tickets.uploads used before issue 13
STEP_LEVEL = 1  # Pillow at level 1: the first step of issue 13


def pillow_writer(level: int):
    def write(image) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=False, compress_level=level)
        return buffer.getvalue()
    return write


def _uptime() -> str:
    # In UTC: Django's setup sets TZ to the desk's time zone for this process and its children.
    return subprocess.run(["uptime"], capture_output=True, text=True, env={**os.environ, "TZ": "UTC"}).stdout.strip()


def _default_images() -> list[Path]:
    folder = ROOT.parent / "shared" / "dataset" / "dev" / "images"
    found = sorted(p for p in folder.glob("*.png") if 150_000 <= p.stat().st_size <= 260_000) if folder.is_dir() else []
    if not found:
        raise SystemExit(f"no 150-260 KB screenshots in {folder}: pass --image")
    return found[:2]


def _setup_django(workdir: Path) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings.test",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "SUPPORTDESK_MEDIA_ROOT": str(workdir / "media"),
        "SUPPORTDESK_Q_SYNC": "0",  # queue the tasks (ORM broker), do not run them: intake alone
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_LOG_LEVEL": "WARNING",
    })
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def reencode_times(paths: list[Path], writers: dict, repeat: int) -> dict[str, tuple[float, int]]:
    """writer name → (median CPU ms per screenshot, mean stored bytes)."""
    from PIL import Image

    images = [Image.open(path).convert("RGB") for path in paths]
    times: dict[str, list[float]] = {name: [] for name in writers}
    sizes: dict[str, list[int]] = {name: [] for name in writers}
    for _ in range(repeat):
        for name, write in writers.items():  # side by side: every writer in every round
            for image in images:
                started = time.process_time()
                data = write(image)
                times[name].append((time.process_time() - started) * 1000)
                sizes[name].append(len(data))
    return {name: (statistics.median(times[name]), int(statistics.mean(sizes[name]))) for name in writers}


def intake_rate(screenshot: bytes, tickets: int, clients: int) -> float:
    """Tickets per second of ``tickets`` web-form posts from ``clients`` threads."""
    from django.db import connection
    from django.test import Client

    per_client = [tickets // clients + (1 if i < tickets % clients else 0) for i in range(clients)]
    errors: list[str] = []
    barrier = threading.Barrier(clients + 1)

    def client_run(count: int, number: int) -> None:
        client = Client(REMOTE_ADDR=f"10.0.0.{number + 1}")
        barrier.wait()
        try:
            for i in range(count):
                from django.core.files.uploadedfile import SimpleUploadedFile

                response = client.post("/support/new/", {
                    "name": "Bench", "email": f"bench{number}@example.org", "description": f"ticket {i}",
                    "screenshots": [SimpleUploadedFile("shot.png", screenshot, content_type="image/png")],
                })
                if response.status_code != 302:
                    errors.append(f"HTTP {response.status_code}")
        finally:
            connection.close()

    threads = [threading.Thread(target=client_run, args=(count, n)) for n, count in enumerate(per_client)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} posts failed, e.g. {errors[0]}")
    return tickets / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", action="append", type=Path, help="a PNG screenshot (repeatable); default: dev's 150-260 KB ones")
    parser.add_argument("--tickets", type=int, default=40, help="tickets per level in part 2")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5, help="rounds of part 1, and of part 2 per level (medians)")
    args = parser.parse_args()
    paths = args.image or _default_images()

    print("load:", _uptime())
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as workdir:
        _setup_django(Path(workdir))
        from tickets import uploads

        current = uploads.png_bytes
        writers = {f"pillow level {OLD_LEVEL} (before issue 13)": pillow_writer(OLD_LEVEL),
                   f"pillow level {STEP_LEVEL}": pillow_writer(STEP_LEVEL), "today (tickets.png_encoder)": current}
        print(f"\nre-encode, {len(paths)} screenshot(s): " + ", ".join(f"{p.name} {p.stat().st_size // 1000} KB" for p in paths))
        encoded = reencode_times(paths, writers, args.repeat)
        for name, (ms, size) in encoded.items():
            print(f"  {name:<34}{ms:7.1f} ms CPU median, stored {size // 1000} KB")
        old_name, new_name = next(iter(writers)), "today (tickets.png_encoder)"
        print(f"  ratio old/today time: {encoded[old_name][0] / encoded[new_name][0]:.2f}x faster; "
              f"size today/old: {encoded[new_name][1] / encoded[old_name][1]:.2f}")

        screenshot = paths[0].read_bytes()
        print(f"\nintake: {args.tickets} tickets per round, {args.clients} clients, one {len(screenshot) // 1000} KB screenshot each, "
              f"{args.repeat} rounds per writer (medians)")
        modes = {"old writer": writers[old_name], "today": current}
        rates: dict[str, list[float]] = {mode: [] for mode in modes}
        intake_rate(screenshot, args.clients, args.clients)  # warm-up: imports, first queries
        for round_number in range(args.repeat):
            order = list(modes) if round_number % 2 == 0 else list(modes)[::-1]
            for mode in order:
                uploads.png_bytes = modes[mode]
                rates[mode].append(intake_rate(screenshot, args.tickets, args.clients))
        uploads.png_bytes = current
        for mode in modes:
            print(f"  {mode:<12}{statistics.median(rates[mode]):6.1f} tickets/s (rounds: "
                  + ", ".join(f"{r:.1f}" for r in rates[mode]) + ")")
        print(f"  ratio today/old tickets/s: {statistics.median(rates['today']) / statistics.median(rates['old writer']):.2f}x "
              f"on {os.cpu_count()} cores")
    print("load:", _uptime())


if __name__ == "__main__":
    main()
