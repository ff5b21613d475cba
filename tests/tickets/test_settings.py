"""The settings scheme: environment only; SQLite tuned for concurrent web + worker writes."""
import sqlite3

from supportdesk.settings.database import database_from_url, sqlite_database


def test_sqlite_enables_wal_and_busy_timeout(tmp_path):
    config = sqlite_database(str(tmp_path / "db.sqlite3"))
    assert config["OPTIONS"]["timeout"] == 20
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    connection = sqlite3.connect(config["NAME"])
    connection.executescript(config["OPTIONS"]["init_command"])
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == 20000


def test_sqlite_connection_from_django_backend_uses_wal(tmp_path, django_db_blocker):
    from django.db.backends.sqlite3.base import DatabaseWrapper

    config = {**sqlite_database(str(tmp_path / "x.sqlite3")), "TIME_ZONE": None, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False,
              "AUTOCOMMIT": True, "ATOMIC_REQUESTS": False, "USER": "", "PASSWORD": "", "HOST": "", "PORT": "", "TEST": {}}
    wrapper = DatabaseWrapper(config, alias="wal-check")
    with django_db_blocker.unblock():
        try:
            with wrapper.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                assert cursor.fetchone()[0] == "wal"
                cursor.execute("PRAGMA busy_timeout")
                assert cursor.fetchone()[0] == 20000
        finally:
            wrapper.close()


def test_database_url_postgres():
    config = database_from_url("postgres://postgres:pw@127.0.0.1:5432/test?sslmode=disable", sqlite_default_path="x")
    assert (config["ENGINE"], config["NAME"], config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "django.db.backends.postgresql", "test", "postgres", "pw", "127.0.0.1", "5432",
    )
    assert config["OPTIONS"] == {"sslmode": "disable"}


def test_database_url_sqlite_paths():
    assert database_from_url("sqlite:///var/db.sqlite3", sqlite_default_path="d")["NAME"] == "var/db.sqlite3"
    assert database_from_url("sqlite:////abs/db.sqlite3", sqlite_default_path="d")["NAME"] == "/abs/db.sqlite3"
    assert database_from_url("sqlite://", sqlite_default_path="d")["NAME"] == "d"


def test_test_settings_use_fake_classifier_and_sync_tasks(settings):
    assert settings.SUPPORTDESK_TICKET_CLASSIFIER == "tests.fakes.fake_ticket_classifier"
    assert settings.Q_CLUSTER["sync"] is True
    assert settings.LANGUAGE_CODE == "ru"
