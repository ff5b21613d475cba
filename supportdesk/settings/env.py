"""Tiny helpers that read settings from the environment (no extra dependency such as dj-database-url)."""
from __future__ import annotations

import os
from urllib.parse import parse_qsl, unquote, urlparse


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def database_from_url(url: str, *, sqlite_default_path: str) -> dict:
    """Turn ``DATABASE_URL`` into a Django DATABASES entry.

    Supported: ``sqlite:///relative/path.sqlite3``, ``sqlite:////absolute/path.sqlite3``
    (``sqlite://`` alone = the default path)
    and ``postgres://user:password@host:port/name?sslmode=...``.
    """
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "sqlite":
        # As dj-database-url: sqlite:///relative.sqlite3, sqlite:////absolute/path.sqlite3
        path = unquote(parsed.path[1:]) or sqlite_default_path
        return sqlite_database(path)
    if scheme in {"postgres", "postgresql", "pgsql"}:
        options = dict(parse_qsl(parsed.query))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "postgres",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": env_int("SUPPORTDESK_DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ValueError(f"Unsupported DATABASE_URL scheme: {scheme!r} (use sqlite:// or postgres://)")


def sqlite_database(path: str) -> dict:
    """SQLite tuned for a web process and a django-q2 cluster writing at the same time.

    WAL lets readers proceed while one writer writes; IMMEDIATE transactions take the write lock up
    front so two writers queue on ``timeout`` instead of failing with "database is locked" mid-way.
    """
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=20000;"
                "PRAGMA foreign_keys=ON;"
            ),
        },
    }
