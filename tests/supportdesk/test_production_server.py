"""README's production commands work as written: migrate, collectstatic, then `gunicorn supportdesk.wsgi`
serves pages and (through WhiteNoise) static files, with production settings and nothing else."""
from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import stop_process_group

pytestmark = pytest.mark.slow  # three Django processes and a gunicorn server: ~10 s

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def test_gunicorn_serves_a_page_and_static_files(tmp_path):
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SUPPORTDESK_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",  # no TLS proxy in front of this test server
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "SUPPORTDESK_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        result = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
        assert result.returncode == 0, result.stderr[-3000:]

    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "supportdesk.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _headers, page = _get(f"{base}/support/new/")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        assert status == 200 and "<form" in page.decode()
        # The page links the hashed copy collectstatic wrote; WhiteNoise serves it for a year.
        css = re.search(r'/static/tickets/desk\.[0-9a-f]{12}\.css', page.decode()).group(0)
        status, headers, body = _get(base + css)
        assert status == 200 and headers["Content-Type"].startswith("text/css") and len(body) > 100
        assert "immutable" in headers.get("Cache-Control", "")
        status, headers, _body = _get(f"{base}/static/tickets/desk.js")
        assert status == 200 and "javascript" in headers["Content-Type"]
    finally:
        stop_process_group(server)
