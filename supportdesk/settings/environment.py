"""Every environment variable the desk reads, in one documented list, and the one function that reads them.

The settings modules (base, local, production, test) call ``env("NAME")`` and nothing else; ``env`` refuses
a name this list does not document. No other code reads the environment (a test walks the source to make
sure): it reads ``django.conf.settings``. Scopes: ``settings`` (read by supportdesk/settings), ``entry``
(read by manage.py, wsgi.py, asgi.py before there are settings), ``scripts``
(read by scripts/desk and scripts/test), ``libraries`` (third-party variables the desk sets for its
model libraries), ``tests`` (read by the test suite only).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

SETTINGS, ENTRY, SCRIPTS, LIBRARIES, TESTS = "settings", "entry", "scripts", "libraries", "tests"


@dataclass(frozen=True)
class Variable:
    name: str
    kind: type  # str, int, bool or list (comma-separated)
    default: Any
    help: str
    scope: str = SETTINGS


V = Variable
VARIABLES: tuple[Variable, ...] = (
    # --- Django ---------------------------------------------------------------------------------------------
    V("DJANGO_SETTINGS_MODULE", str, "supportdesk.settings.local", "settings module: .local (default), .production, .test", ENTRY),
    V("DJANGO_SECRET_KEY", str, "dev-insecure-secret-key-change-me", "secret key; required in production"),
    V("DJANGO_DEBUG", bool, False, "1/0 (local settings: on by default)"),
    V("DJANGO_ALLOWED_HOSTS", list, ["localhost", "127.0.0.1", "[::1]"], "comma-separated host names"),
    V("DJANGO_CSRF_TRUSTED_ORIGINS", list, [], "comma-separated origins, e.g. https://desk.example.org"),
    V("DJANGO_TIME_ZONE", str, "Europe/Moscow", "time zone of dates shown to people"),
    V("DJANGO_STATIC_ROOT", str, None, "where collectstatic puts static files (default staticfiles/ in the project)"),
    V("DJANGO_LOG_LEVEL", str, "INFO", "root log level"),
    V("DJANGO_LOG_FORMAT", str, "plain", "log lines: plain (text) or json (one JSON object a line, python-json-logger)"),
    V("DJANGO_SECURE_SSL_REDIRECT", bool, True, "production: redirect http to https"),
    V("DJANGO_HSTS_SECONDS", int, 31536000, "production: Strict-Transport-Security max-age"),
    V("DJANGO_ALLOW_ASYNC_UNSAFE", bool, False, "Django's own switch; the browser tests set it (Playwright runs an event loop)", TESTS),
    # --- Storage ----------------------------------------------------------------------------------------------
    V("DATABASE_URL", str, None, "sqlite:///path.sqlite3 (default var/db.sqlite3) or postgres://user:pw@host:5432/name"),
    V("SUPPORTDESK_DB_CONN_MAX_AGE", int, 60, "seconds a PostgreSQL connection is kept open"),
    V("SUPPORTDESK_VAR_DIR", str, None, "the desk's own files: SQLite database, uploads (default var/ in the project)"),
    V("SUPPORTDESK_MEDIA_ROOT", str, None, "uploaded screenshots; a disk every web and worker machine mounts (default var/media)"),
    # --- E-mail -----------------------------------------------------------------------------------------------
    V("DJANGO_EMAIL_BACKEND", str, "django.core.mail.backends.console.EmailBackend", "Django e-mail backend (SMTP: django.core.mail.backends.smtp.EmailBackend)"),
    V("DJANGO_DEFAULT_FROM_EMAIL", str, "support@supportdesk.local", "sender of e-mails to students"),
    V("EMAIL_HOST", str, "localhost", "SMTP server"),
    V("EMAIL_PORT", int, 25, "SMTP port"),
    V("EMAIL_HOST_USER", str, "", "SMTP user"),
    V("EMAIL_HOST_PASSWORD", str, "", "SMTP password"),
    V("EMAIL_USE_TLS", bool, False, "STARTTLS"),
    V("EMAIL_TIMEOUT", int, 30, "seconds before an unresponsive SMTP server counts as a failed delivery (retried later)"),
    # --- Background tasks (django-q2) ---------------------------------------------------------------------------
    V("SUPPORTDESK_Q_BROKER", str, "orm", "orm (the database is the queue) or redis"),
    V("REDIS_URL", str, "redis://127.0.0.1:6379/0", "the broker when SUPPORTDESK_Q_BROKER=redis"),
    V("SUPPORTDESK_Q_NAME", str, "supportdesk", "cluster name (also the Redis list's name)"),
    V("SUPPORTDESK_Q_WORKERS", int, 1, "worker processes of the main qcluster (mail, deliveries, FAQ answers, sweeps)"),
    V("SUPPORTDESK_Q_CLASSIFY_NAME", str, "", "the classification cluster's name and queue (empty: SUPPORTDESK_Q_NAME + '-classify'); run it with manage.py qcluster --name NAME"),
    V("SUPPORTDESK_Q_CLASSIFY_WORKERS", int, 1, "worker processes of the classification qcluster; each loads the models once (one per core)"),
    V("SUPPORTDESK_Q_TIMEOUT", int, 120, "seconds a task may run (timeout + SUPPORTDESK_CLASSIFY_LEASE_SECONDS must stay below SUPPORTDESK_Q_RETRY)"),
    V("SUPPORTDESK_Q_RETRY", int, 180, "seconds before the broker hands an unacknowledged task out again"),
    V("SUPPORTDESK_Q_SYNC", bool, False, "1 = run tasks inline instead of queueing them (debugging; tests: on)"),
    # --- The desk ---------------------------------------------------------------------------------------------
    V("SUPPORTDESK_PUBLIC_BASE_URL", str, "http://127.0.0.1:8000", "absolute base URL of links in messages to students"),
    V("SUPPORTDESK_TICKET_CLASSIFIER", str, "tickets.classification.desk_ticket_classifier", "dotted path of the ticket classifier's factory"),
    V("SUPPORTDESK_CLASSIFY_LEASE_SECONDS", int, 30, "a classifying worker renews its hold on the ticket every third of this; a dead one's ticket is re-queued this long after its last renewal"),
    V("SUPPORTDESK_CLASSIFY_MAX_ATTEMPTS", int, 3, "classification attempts per ticket before it goes to triage as failed"),
    V("SUPPORTDESK_CORRECTION_EXAMPLES_PER_LABEL", int, 50, "operators' corrections used as examples per intent (0 = none)"),
    V("SUPPORTDESK_MAX_UPLOAD_BYTES", int, 10 * 1024 * 1024, "largest screenshot accepted"),
    V("SUPPORTDESK_MAX_IMAGE_PIXELS", int, 40_000_000, "largest screenshot accepted, in pixels (decompression bombs)"),
    V("SUPPORTDESK_AUTO_ANSWER", bool, True, "answer students automatically from the FAQ when sure"),
    V("SUPPORTDESK_AUTO_ANSWER_ESCALATE_AFTER", int, 86400, "seconds an automatic answer waits for feedback before an operator gets it"),
    V("SUPPORTDESK_MESSAGE_CLASSIFIER", str, "classifier.classify_message", "dotted path of the message-topic function"),
    V("SUPPORTDESK_FAQ_ENCODER", str, "", "dotted path of the FAQ index's sentence-encoder factory (empty: the classifier's default)"),
    V("SUPPORTDESK_NOTIFY_MAX_ATTEMPTS", int, 8, "attempts per message and channel before a delivery to a student is marked failed"),
    V("SUPPORTDESK_NOTIFY_RETRY_SECONDS", int, 60, "first retry delay of a failed delivery (doubled each time, at most an hour)"),
    V("SUPPORTDESK_SLA_WARNING_MINUTES", int, 30, "warn a queue's operators this long before a ticket misses its target (at most half the target)"),
    V("SUPPORTDESK_AUTO_ASSIGN_CAPACITY", int, 20, "automatic assignment skips operators with this many open tickets (0: no limit)"),
    # --- Telegram (tgbot, issue 11) -----------------------------------------------------------------------------
    V("SUPPORTDESK_TELEGRAM_TOKEN", str, "", "the bot's token from @BotFather (empty: no Telegram)"),
    V("SUPPORTDESK_TELEGRAM_API_URL", str, "https://api.telegram.org", "base URL of the Bot API server (a self-hosted telegram-bot-api, a test server)"),
    V("SUPPORTDESK_TELEGRAM_OPERATORS_CHAT", str, "", "chat id of the operators' chat for new tickets and SLA warnings (empty: none)"),
    V("SUPPORTDESK_TELEGRAM_WEBHOOK_SECRET", str, "", "webhook mode: the secret token Telegram sends in its header (empty: no webhook)"),
    V("SUPPORTDESK_TELEGRAM_GROUPS", list, [], "comma-separated group chat ids the bot answers in (more in the admin)"),
    V("SUPPORTDESK_TELEGRAM_GATHER_SECONDS", int, 3, "a student's messages this close together (an album, text then screenshot) make one request"),
    V("SUPPORTDESK_TELEGRAM_GROUP_CHAT_PER_MINUTE", int, 4, "at most this many bot replies per group per minute (quiet under a flood)"),
    V("SUPPORTDESK_TELEGRAM_GROUP_USER_PER_HOUR", int, 3, "at most this many bot replies to one user in groups per hour"),
    # --- The classifier (passed to it by tickets.classification; the classifier reads no environment) ------------
    V("SUPPORTDESK_CLIP_MODEL", str, "", "CLIP checkpoint: a local directory or a hub id (empty: openai/clip-vit-base-patch32 if it is on disk, else no CLIP; off: never)"),
    V("SUPPORTDESK_MODEL_THREADS", int, 1, "threads per worker process for torch, the encoder and BLAS (one worker per core)"),
    V("SUPPORTDESK_ALLOW_DOWNLOAD", bool, False, "allow downloading model weights (off: local files only)"),
    V("SUPPORTDESK_TESSERACT_CMD", str, "tesseract", "the Tesseract OCR executable"),
    V("SUPPORTDESK_CLIP_BACKEND", str, "transformers", "what runs CLIP: transformers (torch), onnx (ONNX Runtime fp32) or onnx-int8; production's default: onnx"),
    V("SUPPORTDESK_CLIP_CACHE_DIR", str, "", "CLIP prompt embeddings and ONNX exports kept between worker starts (empty: ~/.cache/supportdesk/clip; off: none)"),
    V("SUPPORTDESK_OCR_WORKERS", int, 1, "Tesseract readers per screenshot (2: both cores of a box busy with one job)"),
    V("SUPPORTDESK_OCR_CACHE_DIR", str, "", "folder of OCR text by image content shared by a box's workers (empty: in-process cache only)"),
    V("SUPPORTDESK_OCR_LANG", str, "rus+eng", "Tesseract's languages; \"rus\" alone (~25 % less OCR CPU) only if every screen of the school is Russian"),
    # --- Security ---------------------------------------------------------------------------------------------
    V("SUPPORTDESK_CACHE_URL", str, "", "redis://… to share rate-limit counters between web processes (empty: local memory)"),
    # --- Observability (supportdesk.monitoring: /health/, /metrics) ---
    V("SUPPORTDESK_METRICS_TOKEN", str, "", "bearer token /metrics requires; empty = only requests from the machine itself"),
    V("SUPPORTDESK_HEALTH_CLASSIFY_STALE_SECONDS", int, 600, "/health/ fails when a ticket waited this long for the classifier"),
    V("SUPPORTDESK_SUBMIT_RATE", str, "20/hour", "new tickets per client IP, web form + API together, counting accepted ones only (refused, invalid and replayed submissions are free): <count>/<second|minute|hour|day>; empty: no limit"),
    V("SUPPORTDESK_REPLY_RATE", str, "30/hour", "status-page replies per ticket token + IP, web + API (empty: no limit)"),
    V("SUPPORTDESK_CLIENT_IP_HEADER", str, "", "META key a trusted reverse proxy sets, e.g. HTTP_X_REAL_IP (empty: REMOTE_ADDR)"),
    V("SUPPORTDESK_AXES_ENABLED", bool, True, "lock out repeated failed log-ins (django-axes)"),
    V("SUPPORTDESK_LOGIN_FAILURE_LIMIT", int, 5, "failed log-ins before a lock-out"),
    V("SUPPORTDESK_LOGIN_COOLOFF_MINUTES", int, 15, "minutes a lock-out lasts"),
    # --- Scripts ----------------------------------------------------------------------------------------------
    V("SUPPORTDESK_VENV", str, ".venv", "virtualenv scripts/desk and scripts/test create and use", SCRIPTS),
    V("PYTHON", str, "python3", "interpreter that creates the virtualenv", SCRIPTS),
    V("SUPPORTDESK_PORT", int, 8000, "scripts/desk: the web server's port", SCRIPTS),
    V("SUPPORTDESK_DEMO_PASSWORD", str, "", "scripts/desk: password of the demo accounts (default: generated into var/demo-password)", SCRIPTS),
    # --- Model libraries: set by settings and scripts, before any model library is imported ------------------------
    V("OMP_NUM_THREADS", int, 1, "OpenMP threads (settings set it from SUPPORTDESK_MODEL_THREADS)", LIBRARIES),
    V("MKL_NUM_THREADS", int, 1, "MKL threads (as OMP_NUM_THREADS)", LIBRARIES),
    V("OPENBLAS_NUM_THREADS", int, 1, "OpenBLAS threads (as OMP_NUM_THREADS)", LIBRARIES),
    V("OMP_THREAD_LIMIT", int, 1, "Tesseract's OpenMP threads (scripts and the classifier's command line set 1)", LIBRARIES),
    V("TOKENIZERS_PARALLELISM", bool, False, "Hugging Face tokenizers' own thread pool (off)", LIBRARIES),
    V("HF_HUB_OFFLINE", bool, True, "Hugging Face hub: never reach the network for weights", LIBRARIES),
    V("Q_CLUSTER_NAME", str, "", "django-q2: the cluster `manage.py qcluster` runs (empty: the main one; the classification cluster: SUPPORTDESK_Q_CLASSIFY_NAME's value, see README)", LIBRARIES),
    # --- Tests ------------------------------------------------------------------------------------------------
    V("SUPPORTDESK_TEST_DATABASE_URL", str, "postgres://postgres@127.0.0.1:5432/test", "PostgreSQL for tests marked postgres", TESTS),
    V("SUPPORTDESK_TEST_REDIS_URL", str, "redis://127.0.0.1:6379/15", "Redis for tests marked redis", TESTS),
    V("SUPPORTDESK_TEST_PG_DSN", str, "host=127.0.0.1 port=5432 user=postgres dbname=postgres", "PostgreSQL admin connection of the subprocess tests", TESTS),
    V("SUPPORTDESK_TEST_PG_URL", str, "postgres://postgres@127.0.0.1:5432", "PostgreSQL server the subprocess tests create databases on", TESTS),
    V("SUPPORTDESK_CHROMIUM", str, "/usr/bin/chromium", "Chromium for the browser tests", TESTS),
    V("SUPPORTDESK_SHOTS_DIR", str, "", "browser tests: keep a full-page PNG of the main pages at both widths here (off when empty)", TESTS),
    V("FAULTS_STATE_DIR", str, "", "tests/faults: where the misbehaving fake classifier keeps its state", TESTS),
    V("FAULTS_MODE", str, "ok", "tests/faults: how the fake classifier misbehaves", TESTS),
    V("FAULTS_SLEEP", int, 60, "tests/faults: seconds the hanging fake classifier sleeps", TESTS),
    V("SUPPORTDESK_DEV_DATASET", str, "", "the development dataset folder for the slow fit-reproduction test (default: ../shared/dataset/dev beside the checkout)", TESTS),
)

BY_NAME: dict[str, Variable] = {variable.name: variable for variable in VARIABLES}
_UNSET = object()


def _parse(variable: Variable, raw: str) -> Any:
    if variable.kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if variable.kind is int:
        return int(raw)
    if variable.kind is list:
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw


def env(name: str, default: Any = _UNSET) -> Any:
    """The documented variable ``name`` parsed to its kind; unset (or empty, for numbers) → its default.

    ``default`` overrides the listed default (computed paths; the test settings' fakes).
    """
    variable = BY_NAME.get(name)
    if variable is None:
        raise ImproperlyConfigured(f"{name} is not documented in supportdesk/settings/environment.py")
    raw = os.environ.get(name)
    if raw is None or (raw == "" and variable.kind is int):
        value = variable.default if default is _UNSET else default
        return list(value) if isinstance(value, list) else value
    return _parse(variable, raw)

