"""DATABASE_URL → Django's DATABASES entry (dj-database-url), with SQLite tuned for the desk."""
from __future__ import annotations

import dj_database_url


def database_from_url(url: str, *, sqlite_default_path: str, conn_max_age: int = 60) -> dict:
    """Turn ``DATABASE_URL`` into a Django DATABASES entry.

    ``sqlite:///relative/path.sqlite3``, ``sqlite:////absolute/path.sqlite3`` (``sqlite://`` alone = the
    default path, not an in-memory database), ``postgres://user:password@host:port/name?sslmode=...``
    and whatever else dj-database-url parses. PostgreSQL connections are kept ``conn_max_age`` seconds
    and health-checked before reuse.
    """
    config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        name = config["NAME"]
        return sqlite_database(sqlite_default_path if name in ("", ":memory:") else name)
    config["PORT"] = str(config.get("PORT") or "")
    return config


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
