"""Running a test module again on PostgreSQL, in a pytest subprocess with a database of its own."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_module_on_postgresql(test_file: str, database_prefix: str) -> None:
    """Run ``test_file``'s tests not marked ``postgres`` with DATABASE_URL on PostgreSQL; skip when it is unreachable.

    pytest-django creates ``test_<database_prefix>_<random>``, so parallel runs and other helpers never share one.
    """
    psycopg = pytest.importorskip("psycopg")
    base = os.environ.get("SUPPORTDESK_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432")
    try:
        psycopg.connect(os.environ.get("SUPPORTDESK_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3")).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    env = {**os.environ, "DATABASE_URL": f"{base}/{database_prefix}_{secrets.token_hex(4)}"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--create-db", "-m", "not postgres", test_file],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
