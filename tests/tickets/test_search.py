"""Operators' search (tickets.search, selectors.ticket_search): Cyrillic case folding on SQLite and on
PostgreSQL, "ё" = "е", every queue the operator may see and none other."""
from __future__ import annotations

import secrets
import subprocess
import sys

import pytest

from tests.factories import AdminFactory, ClassifiedTicketFactory, operator, queue
from tests.tickets.test_postgres_redis import PG_URL_BASE, ROOT, _postgres_admin
from tickets import selectors

pytestmark = pytest.mark.django_db

SEARCHES = {  # what an operator types → the tickets it must find
    "волков": ["volkov"], "ВОЛКОВ": ["volkov"], "петр": ["volkov"], "Пётр": ["volkov"],
    "урок": ["volkov"], "оплата": ["anna"], "ANNA@": ["anna"], "списание": [],
}


def _tickets():
    return {
        "volkov": ClassifiedTicketFactory(name="Пётр Волков", email="p@example.org", description="Не открывается УРОК",
                                          queue=queue("course"), label="course-problem"),
        "anna": ClassifiedTicketFactory(name="Anna", email="Anna@Example.org", description="Оплата не прошла"),
    }


def test_search_is_case_insensitive_in_russian_on_sqlite():
    user = AdminFactory()
    tickets = _tickets()
    for query, expected in SEARCHES.items():
        found = sorted(ticket.pk for ticket in selectors.ticket_search(user, query))
        assert found == sorted(tickets[name].pk for name in expected), query


def test_search_covers_every_queue_the_operator_may_see_and_no_other():
    tickets = _tickets()
    both = operator("both", queues=["payment", "course"])
    payment_only = operator("payer", queues=["payment"])
    assert {t.pk for t in selectors.ticket_search(both, "о")} == {tickets["volkov"].pk, tickets["anna"].pk}
    assert [t.pk for t in selectors.ticket_search(payment_only, "волков")] == []
    # The queue page keeps its search inside the queue; ticket_list without a queue searches them all.
    assert [t.pk for t in selectors.ticket_list(both, queue_slug="payment", search="волков")] == []
    assert [t.pk for t in selectors.ticket_list(both, search="волков")] == [tickets["volkov"].pk]


def test_search_page_lists_matches_from_all_queues(client):
    tickets = _tickets()
    client.force_login(operator("finder"))
    body = client.get("/desk/search/", {"q": "волков"}).content.decode()
    assert f'data-ticket="{tickets["volkov"].pk}"' in body and f'data-ticket="{tickets["anna"].pk}"' not in body
    assert "Обучение" in body  # the queue column, by its name


SEARCH_ON_POSTGRES = """
from tests.factories import AdminFactory
from tests.tickets.test_search import SEARCHES, _tickets
from tickets import selectors
from django.db import connection
assert connection.vendor == "postgresql"
user = AdminFactory()
tickets = _tickets()
for query, expected in SEARCHES.items():
    found = sorted(t.pk for t in selectors.ticket_search(user, query))
    print("SEARCH", repr(query), "OK" if found == sorted(tickets[name].pk for name in expected) else f"WRONG {found}")
"""


@pytest.mark.postgres
def test_search_is_case_insensitive_in_russian_on_postgresql(tmp_path):
    admin = _postgres_admin()
    db_name = f"supportdesk_search_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{db_name}"')
    env = {"DJANGO_SETTINGS_MODULE": "supportdesk.settings.test", "DATABASE_URL": f"{PG_URL_BASE}/{db_name}",
           "SUPPORTDESK_MEDIA_ROOT": str(tmp_path), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    try:
        for args in (["migrate", "--noinput", "-v", "0"], ["shell", "-c", SEARCH_ON_POSTGRES]):
            result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
            assert result.returncode == 0, result.stderr[-3000:]
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin.close()
    lines = [line for line in result.stdout.splitlines() if line.startswith("SEARCH")]
    assert len(lines) == len(SEARCHES) and all(line.endswith("OK") for line in lines), lines
