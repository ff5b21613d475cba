"""Settings shared by every environment. Everything that differs between machines comes from the environment.

Every environment variable, its default and its meaning is listed once, in ``environment.py`` (the one
list; README points there). This module and its siblings read them with ``env("NAME")``, which refuses an
undocumented name; no other code reads the environment.
"""
from __future__ import annotations

import os
from pathlib import Path

from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .database import database_from_url
from .environment import env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env("SUPPORTDESK_VAR_DIR", default=str(BASE_DIR / "var")))

# Torch and the tokenizers start one thread per core by default; on a small shared machine with
# several worker processes that oversubscribes the CPU. Set before any model library is imported;
# tickets.classification passes the same number to the classifier (torch, the sentence encoder).
SUPPORTDESK_MODEL_THREADS = env("SUPPORTDESK_MODEL_THREADS")
for _thread_var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_thread_var, str(SUPPORTDESK_MODEL_THREADS))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env("DJANGO_DEBUG")
ALLOWED_HOSTS = env("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("DJANGO_CSRF_TRUSTED_ORIGINS")
# A refused form gets the desk's page ("reload and try again", translated), not Django's inline-styled one.
CSRF_FAILURE_VIEW = "supportdesk.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # naturaltime: "3 minutes ago" with the right Russian word forms
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI files served from our static files (no CDN offline)
    "csp",
    "axes",
    "django_q",
    "django_prometheus",  # request/response metrics of each process (supportdesk.monitoring adds the desk's)
    "health_check",  # /health/: its page template
    "tickets",
    "knowledge",
    "tgbot",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the WSGI process (gunicorn needs no separate file server), with
    # far-future caching of the hashed names production's manifest storage gives them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "supportdesk.middleware.RussianFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A database/Redis outage inside a view → 503 "try again in a minute" instead of a 500.
    "supportdesk.middleware.ServiceUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "supportdesk.urls"
WSGI_APPLICATION = "supportdesk.wsgi.application"
ASGI_APPLICATION = "supportdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        env("DATABASE_URL", default="sqlite:///" + str(VAR_DIR / "db.sqlite3")),
        sqlite_default_path=str(VAR_DIR / "db.sqlite3"),
        conn_max_age=env("SUPPORTDESK_DB_CONN_MAX_AGE"),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes must come first: it refuses a locked-out username/IP before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "operator:login"
LOGIN_REDIRECT_URL = "operator:dashboard"
LOGOUT_REDIRECT_URL = "operator:login"

# Russian is the default UI language; English is offered by the switcher.
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("DJANGO_TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Screenshots are never served from MEDIA_URL: a view checks the token or the operator's rights.
MEDIA_ROOT = Path(env("SUPPORTDESK_MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-public/"

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL")
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_PORT = env("EMAIL_PORT")
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env("EMAIL_USE_TLS")
# Without a timeout a hung SMTP server would hold a worker forever; a timed-out send is retried later.
EMAIL_TIMEOUT = env("EMAIL_TIMEOUT")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE are refused before reading (413); every error is JSON.
    "DEFAULT_PARSER_CLASSES": ["tickets.api.parsers.BoundedJSONParser", "tickets.api.parsers.BoundedFormParser"],
    "EXCEPTION_HANDLER": "tickets.api.errors.api_exception_handler",
    # Public POSTs are limited by tickets.ratelimit (SUPPORTDESK_RATE_LIMITS, shared with the web forms).
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Support desk API",
    "DESCRIPTION": "Students submit tickets with screenshots; operators read, route and answer them.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI/ReDoc from drf-spectacular-sidecar's static files: /api/docs/ works offline, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two models have a "status" with different choices: name their enums instead of a hash suffix.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Ticket.Status",
        "DeliveryStatusEnum": "tickets.models.Delivery.Status",
    },
}

# --- Background tasks (django-q2) -----------------------------------------------------------
# timeout + classification lease < retry (checked below): a slow classification is killed, and its worker's hold
# on the ticket has run out, before the ORM broker would hand the task out again (tickets.services.leases).
SUPPORTDESK_Q_BROKER = env("SUPPORTDESK_Q_BROKER").lower()
REDIS_URL = env("REDIS_URL")
Q_CLUSTER = {
    "name": env("SUPPORTDESK_Q_NAME"),
    "workers": env("SUPPORTDESK_Q_WORKERS"),
    "recycle": 500,
    "timeout": env("SUPPORTDESK_Q_TIMEOUT"),
    "retry": env("SUPPORTDESK_Q_RETRY"),
    "max_attempts": 3,
    "ack_failures": True,
    "save_limit": 1000,
    "queue_limit": 50,
    "catch_up": False,
    "label": "Django Q2",
    "sync": env("SUPPORTDESK_Q_SYNC"),
}
# Two clusters on one broker (issue 13): screenshots are classified by their own cluster and queue, so a backlog of
# them never delays a reply, a delivery or the sweep that rescues lost classifications (those run on the main
# cluster, which also runs every schedule). Run both: `manage.py qcluster` and `manage.py qcluster --name
# <SUPPORTDESK_Q_CLASSIFY_CLUSTER>` (scripts/desk does). The classification cluster prefetches little: a killed
# cluster loses the tasks it had taken from Redis (the classification cluster's own watcher re-queues them within a
# minute, tickets.lease_watch; the main cluster's sweep is the backstop).
# SUPPORTDESK_Q_CLASSIFY_NAME = SUPPORTDESK_Q_NAME: one cluster does everything (the subprocess tests, burst.py).
SUPPORTDESK_Q_CLASSIFY_CLUSTER = env("SUPPORTDESK_Q_CLASSIFY_NAME") or f"{Q_CLUSTER['name']}-classify"
_classify_workers = env("SUPPORTDESK_Q_CLASSIFY_WORKERS")
Q_CLUSTER["ALT_CLUSTERS"] = {} if SUPPORTDESK_Q_CLASSIFY_CLUSTER == Q_CLUSTER["name"] else {
    SUPPORTDESK_Q_CLASSIFY_CLUSTER: {"workers": _classify_workers, "queue_limit": 2 * _classify_workers},
}
if SUPPORTDESK_Q_BROKER == "redis":
    Q_CLUSTER["redis"] = REDIS_URL
elif SUPPORTDESK_Q_BROKER == "orm":
    Q_CLUSTER["orm"] = "default"
else:
    raise ValueError("SUPPORTDESK_Q_BROKER must be 'orm' or 'redis'")
# A classifying worker holds its ticket by renewing a lease every third of this while its task may still run (at
# most the task's timeout); a dead or stuck worker's ticket is re-queued by the classification cluster once it runs
# out (tickets.services.leases). The ORM broker re-delivers an unacknowledged task after `retry` seconds: by then
# the first run must be over (timeout) and its lease gone (+ lease), or the re-delivery finds the ticket held, is
# acknowledged as "skipped" and the ticket waits for a sweep instead of being taken over.
SUPPORTDESK_CLASSIFY_LEASE_SECONDS = env("SUPPORTDESK_CLASSIFY_LEASE_SECONDS")
if not 0 < Q_CLUSTER["timeout"] + SUPPORTDESK_CLASSIFY_LEASE_SECONDS < Q_CLUSTER["retry"] or SUPPORTDESK_CLASSIFY_LEASE_SECONDS < 1:
    raise ImproperlyConfigured(
        f"SUPPORTDESK_Q_TIMEOUT ({Q_CLUSTER['timeout']}) + SUPPORTDESK_CLASSIFY_LEASE_SECONDS "
        f"({SUPPORTDESK_CLASSIFY_LEASE_SECONDS}, at least 1) must stay below SUPPORTDESK_Q_RETRY ({Q_CLUSTER['retry']})"
    )

# --- The desk ---------------------------------------------------------------------------------
# A factory(label_set) -> classifier; the label set is built from the desk's active Intent rows.
SUPPORTDESK_TICKET_CLASSIFIER = env("SUPPORTDESK_TICKET_CLASSIFIER")
# Classification attempts per ticket (a worker killed or hung mid-task is never counted by django-q2):
# past this the ticket goes to triage with the failure recorded instead of being retried forever.
SUPPORTDESK_CLASSIFY_MAX_ATTEMPTS = env("SUPPORTDESK_CLASSIFY_MAX_ATTEMPTS")
# Operators' label corrections become labelled examples (tickets.LabelExample): the classifier reads the
# most recent this-many active ones per intent (0 = do not use them).
SUPPORTDESK_CORRECTION_EXAMPLES_PER_LABEL = env("SUPPORTDESK_CORRECTION_EXAMPLES_PER_LABEL")
SUPPORTDESK_MAX_SCREENSHOTS = 5
SUPPORTDESK_MAX_UPLOAD_BYTES = env("SUPPORTDESK_MAX_UPLOAD_BYTES")
SUPPORTDESK_MAX_IMAGE_PIXELS = env("SUPPORTDESK_MAX_IMAGE_PIXELS")
SUPPORTDESK_PUBLIC_BASE_URL = env("SUPPORTDESK_PUBLIC_BASE_URL")
SUPPORTDESK_THUMBNAIL_SIZE = 320
# FAQ layer (issue 4): answer a student's message automatically when the FAQ surely answers it.
SUPPORTDESK_AUTO_ANSWER = env("SUPPORTDESK_AUTO_ANSWER")
# An automatic answer nobody reacted to goes to an operator after this many seconds.
SUPPORTDESK_AUTO_ANSWER_ESCALATE_AFTER = env("SUPPORTDESK_AUTO_ANSWER_ESCALATE_AFTER")
# Messages to students (services.notify): attempts per channel before a delivery is marked failed, and the
# first retry delay in seconds (doubled after each failure, at most an hour): 8 attempts span ~2 hours.
SUPPORTDESK_NOTIFY_MAX_ATTEMPTS = env("SUPPORTDESK_NOTIFY_MAX_ATTEMPTS")
SUPPORTDESK_NOTIFY_RETRY_SECONDS = env("SUPPORTDESK_NOTIFY_RETRY_SECONDS")
# The operators' desk (issue 12). SLA warnings go out this many minutes before a target is missed (at most half
# the target; the "operators-sweep" schedule runs every 5 minutes). Automatic assignment gives an operator on duty
# new tickets only while they carry fewer open ones than the capacity. Notifications to operators are retried like
# the deliveries to students (SUPPORTDESK_NOTIFY_*). Desk pages poll the unread-notification counter this often.
SUPPORTDESK_SLA_WARNING_MINUTES = env("SUPPORTDESK_SLA_WARNING_MINUTES")
SUPPORTDESK_AUTO_ASSIGN_CAPACITY = env("SUPPORTDESK_AUTO_ASSIGN_CAPACITY")
SUPPORTDESK_NOTIFICATION_POLL_SECONDS = 30
# Telegram (tgbot, issue 11): no token, no bot. The API URL points to Telegram, a self-hosted Bot API server or a
# test server; allowed groups come from here and from the admin (TelegramGroup.is_allowed).
SUPPORTDESK_TELEGRAM_TOKEN = env("SUPPORTDESK_TELEGRAM_TOKEN")
SUPPORTDESK_TELEGRAM_API_URL = env("SUPPORTDESK_TELEGRAM_API_URL")
SUPPORTDESK_TELEGRAM_OPERATORS_CHAT = env("SUPPORTDESK_TELEGRAM_OPERATORS_CHAT")
SUPPORTDESK_TELEGRAM_WEBHOOK_SECRET = env("SUPPORTDESK_TELEGRAM_WEBHOOK_SECRET")
SUPPORTDESK_TELEGRAM_GROUPS = env("SUPPORTDESK_TELEGRAM_GROUPS")
SUPPORTDESK_TELEGRAM_GATHER_SECONDS = env("SUPPORTDESK_TELEGRAM_GATHER_SECONDS")
SUPPORTDESK_TELEGRAM_GROUP_CHAT_PER_MINUTE = env("SUPPORTDESK_TELEGRAM_GROUP_CHAT_PER_MINUTE")
SUPPORTDESK_TELEGRAM_GROUP_USER_PER_HOUR = env("SUPPORTDESK_TELEGRAM_GROUP_USER_PER_HOUR")
# Dotted path of ``f(text, extra_examples=None) -> classifier.MessagePrediction`` (the message's topic).
SUPPORTDESK_MESSAGE_CLASSIFIER = env("SUPPORTDESK_MESSAGE_CLASSIFIER")
# Dotted path of the FAQ index's sentence-encoder factory; empty = the classifier's default encoder.
SUPPORTDESK_FAQ_ENCODER = env("SUPPORTDESK_FAQ_ENCODER")
# The classifier reads no environment: tickets.classification passes these to it.
SUPPORTDESK_CLIP_MODEL = env("SUPPORTDESK_CLIP_MODEL")  # a local directory or a hub id; empty = no CLIP
SUPPORTDESK_ALLOW_DOWNLOAD = env("SUPPORTDESK_ALLOW_DOWNLOAD")  # off: model weights from local files only
SUPPORTDESK_TESSERACT_CMD = env("SUPPORTDESK_TESSERACT_CMD")
SUPPORTDESK_CLIP_BACKEND = env("SUPPORTDESK_CLIP_BACKEND")  # transformers | onnx | onnx-int8
SUPPORTDESK_CLIP_CACHE_DIR = env("SUPPORTDESK_CLIP_CACHE_DIR")  # prompt embeddings + ONNX exports between starts
SUPPORTDESK_OCR_WORKERS = env("SUPPORTDESK_OCR_WORKERS")  # Tesseract readers per screenshot (2: both cores, one job)
SUPPORTDESK_OCR_CACHE_DIR = env("SUPPORTDESK_OCR_CACHE_DIR")  # OCR text by image content, shared by workers
SUPPORTDESK_OCR_LANG = env("SUPPORTDESK_OCR_LANG")  # Tesseract's languages; "rus" only if every screen is Russian
# Whole request may hold 5 screenshots of 10 MB plus text.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Django's own cap on files per request (default 100). The desk stops parsing at the first file past
# SUPPORTDESK_MAX_SCREENSHOTS anyway (uploads.ScreenshotCountLimit); this is the backstop for any other view.
DATA_UPLOAD_MAX_NUMBER_FILES = 20
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# DJANGO_LOG_FORMAT=json: one JSON object a line (python-json-logger) for a log collector; field names as the
# plain format's, plus whatever a call passes in ``extra``.
DJANGO_LOG_FORMAT = env("DJANGO_LOG_FORMAT").lower()
if DJANGO_LOG_FORMAT not in ("plain", "json"):
    raise ValueError("DJANGO_LOG_FORMAT must be 'plain' or 'json'")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": DJANGO_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL")},
    # axes logs every successful log-in at INFO; lockouts are WARNING.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Security: headers, CSP, caches, rate limits, login throttling ------------------------------
# The cache holds the rate-limit counters. One process: local memory is enough; several web
# processes must share counters, so production points SUPPORTDESK_CACHE_URL at Redis.
SUPPORTDESK_CACHE_URL = env("SUPPORTDESK_CACHE_URL")
SUPPORTDESK_METRICS_TOKEN = env("SUPPORTDESK_METRICS_TOKEN")
SUPPORTDESK_HEALTH_CLASSIFY_STALE_SECONDS = env("SUPPORTDESK_HEALTH_CLASSIFY_STALE_SECONDS")
if SUPPORTDESK_CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": SUPPORTDESK_CACHE_URL,
            # Fail fast: a Redis outage must not hang the submit form (the limiter then lets requests through).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "supportdesk"}}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): no inline script or style anywhere; templates load
# static/tickets/desk.{css,js}. A template that truly needs an inline block uses nonce="{{ request.csp_nonce }}".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # NONCE adds 'nonce-…' only on responses whose template used {{ request.csp_nonce }}.
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Which request header holds the visitor's IP. Empty = REMOTE_ADDR (no proxy). Behind one trusted
# reverse proxy that sets it, e.g. HTTP_X_REAL_IP. Never trust X-Forwarded-For without such a proxy.
SUPPORTDESK_CLIENT_IP_HEADER = env("SUPPORTDESK_CLIENT_IP_HEADER")
# "<count>/<second|minute|hour|day>"; an empty value switches a limit off.
SUPPORTDESK_RATE_LIMITS = {
    # New tickets (web form and API) per client IP.
    "ticket_create": env("SUPPORTDESK_SUBMIT_RATE"),
    # Student replies on a status page (web and API) per ticket token + client IP.
    "student_reply": env("SUPPORTDESK_REPLY_RATE"),
}

# django-axes: lock a username from an IP after repeated failed log-ins on /desk/login/ and /admin/login/.
AXES_ENABLED = env("SUPPORTDESK_AXES_ENABLED")
AXES_FAILURE_LIMIT = env("SUPPORTDESK_LOGIN_FAILURE_LIMIT")
AXES_COOLOFF_TIME = env("SUPPORTDESK_LOGIN_COOLOFF_MINUTES") / 60  # hours
# Username + IP: a guesser is stopped, but cannot lock an operator out from everywhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "tickets.ratelimit.client_ip"
AXES_VERBOSE = False

