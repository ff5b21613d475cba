"""PostgreSQL (and Redis) for the tests that need them: fresh databases, subprocesses with their own environment."""
from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_DSN = os.environ.get("SUPPORTDESK_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3")
PG_URL_BASE = os.environ.get("SUPPORTDESK_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("SUPPORTDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def postgres_admin():
    """An autocommit connection to the server's ``postgres`` database (to create and drop test databases); skips
    the test when PostgreSQL is unreachable."""
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect(PG_ADMIN_DSN, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable: {exc}")


@contextlib.contextmanager
def postgres_database(database_prefix: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database named ``<database_prefix>_<random>`` (so parallel runs never share one),
    dropped afterwards; skips when PostgreSQL is unreachable. Yields its name."""
    admin = postgres_admin()
    db_name = f"{database_prefix}_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{db_name}"')
    try:
        yield db_name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin.close()


def run_script_on_postgresql(script: str, database_prefix: str, media_root: Path, timeout: int = 180) -> subprocess.CompletedProcess:
    """Migrate a fresh PostgreSQL database and run ``script`` in ``manage.py shell`` on it, in a subprocess with the
    test settings and none of this process's environment; returns the shell's completed process."""
    with postgres_database(database_prefix) as db_name:
        env = {"DJANGO_SETTINGS_MODULE": "supportdesk.settings.test", "DATABASE_URL": f"{PG_URL_BASE}/{db_name}",
               "SUPPORTDESK_MEDIA_ROOT": str(media_root), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
        for args in (["migrate", "--noinput", "-v", "0"], ["shell", "-c", script]):
            result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
            assert result.returncode == 0, result.stderr[-3000:]
    return result


def run_module_on_postgresql(test_file: str, database_prefix: str) -> None:
    """Run ``test_file``'s tests not marked ``postgres`` with DATABASE_URL on PostgreSQL; skip when it is unreachable.

    pytest-django creates ``test_<database_prefix>_<random>``, so parallel runs and other helpers never share one.
    """
    postgres_admin().close()
    env = {**os.environ, "DATABASE_URL": f"{PG_URL_BASE}/{database_prefix}_{secrets.token_hex(4)}"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--create-db", "-m", "not postgres", test_file],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout


@contextlib.contextmanager
def postgres_redis_environment(media_root: Path, database_prefix: str, **overrides: str) -> Iterator[tuple[dict, str]]:
    """A subprocess environment on a fresh PostgreSQL database and the Redis broker; skips when either is unreachable.

    The database and the clusters' Redis lists are named ``<database_prefix>_<random>``, so runs never share them;
    both are dropped afterwards. ``overrides`` are extra variables (timings, workers, the classifier).
    Yields ``(env, database_name)``.
    """
    redis = pytest.importorskip("redis")
    queues = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        queues.ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        pytest.skip(f"Redis unreachable: {exc}")
    with postgres_database(database_prefix) as db_name:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "supportdesk.settings.test",
            "DATABASE_URL": f"{PG_URL_BASE}/{db_name}",
            "SUPPORTDESK_Q_BROKER": "redis",
            "REDIS_URL": REDIS_URL,
            "SUPPORTDESK_Q_NAME": db_name,  # the Redis lists are named after the clusters: ours alone
            "SUPPORTDESK_Q_CLASSIFY_NAME": f"{db_name}-classify",
            "SUPPORTDESK_Q_SYNC": "0",
            "SUPPORTDESK_MEDIA_ROOT": str(media_root),
            "PYTHONPATH": str(ROOT),
            **overrides,
        }
        try:
            yield env, db_name
        finally:
            for key in queues.keys(f"django_q:{db_name}*"):
                queues.delete(key)
