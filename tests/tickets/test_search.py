"""Operators' search (tickets.search, selectors.ticket_search): Cyrillic case folding on SQLite and on
PostgreSQL, "ё" = "е", every queue the operator may see and none other."""
from __future__ import annotations


import pytest

from tests.factories import AdminFactory, ClassifiedTicketFactory, operator, queue
from tests.postgres import run_script_on_postgresql
from tickets import selectors

pytestmark = pytest.mark.django_db

SEARCHES = {  # what an operator types → the tickets it must find
    "волков": ["volkov", "thanks"], "ВОЛКОВ": ["volkov", "thanks"], "петр": ["volkov"], "Пётр": ["volkov"],
    "урок": ["volkov"], "оплата": ["anna"], "ANNA@": ["anna"], "списание": [],
    # Russian word forms (tickets.search): another case of the same word, a prefix of a stem.
    "оплатой": ["anna"], "уроки": ["volkov"], "опл": ["anna"], "Волков спасибо": ["thanks"],
    # A part of an e-mail address or a name (people, trigram-indexed on PostgreSQL).
    "nna@exa": ["anna"], "олко": ["volkov"],
    # The screenshots' OCR text (written by services.prediction_record), and an operator's internal note.
    "сертификаты": ["thanks"], "возврата": ["anna"],
}


def _tickets():
    from types import SimpleNamespace

    from tickets import services

    tickets = {
        "volkov": ClassifiedTicketFactory(name="Пётр Волков", email="p@example.org", description="Не открывается УРОК",
                                          queue=queue("course"), label="course-problem"),
        "anna": ClassifiedTicketFactory(name="Anna", email="Anna@Example.org", description="Оплата не прошла"),
        "thanks": ClassifiedTicketFactory(name="Мария", email="m@example.org", description="Передайте волкову спасибо"),
    }
    ocr = SimpleNamespace(label="payment-problem", confidence=0.9, scores={}, signals={}, ocr_text="Ошибка: СЕРТИФИКАТА нет",
                          model_version="test", timings={}, embedding=None)
    services.prediction_record(ticket=tickets["thanks"], prediction=ocr)
    services.ticket_note(ticket=tickets["anna"], body="Проверить возврат в банке", actor=AdminFactory())
    return tickets


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
    assert {t.pk for t in selectors.ticket_search(both, "example.org")} == {t.pk for t in tickets.values()}
    assert [t.pk for t in selectors.ticket_search(payment_only, "урок")] == []
    course_only = operator("learner", queues=["course"])
    # Another queue's ticket is never found: not by its text, its OCR, its note, its student's name or e-mail.
    for query in ("оплата", "сертификат", "возврат", "anna", "anna@example.org", str(tickets["anna"].pk)):
        assert [t.pk for t in selectors.ticket_search(course_only, query)] == [], query
    # The queue page keeps its search inside the queue; ticket_list without a queue searches them all.
    assert [t.pk for t in selectors.ticket_list(both, queue_slug="payment", search="урок")] == []
    assert [t.pk for t in selectors.ticket_list(both, search="урок")] == [tickets["volkov"].pk]


def test_search_page_lists_matches_from_all_queues(client):
    tickets = _tickets()
    client.force_login(operator("finder"))
    body = client.get("/desk/search/", {"q": "урок"}).content.decode()
    assert f'data-ticket="{tickets["volkov"].pk}"' in body and f'data-ticket="{tickets["anna"].pk}"' not in body
    assert "Обучение" in body  # the queue column, by its name
    assert '<option value="relevance">Сначала самые подходящие</option>' in body and 'id="search-scope"' in body
    ordered = client.get("/desk/search/", {"q": "оплата", "order": "relevance"})
    assert ordered.status_code == 200 and f'data-ticket="{tickets["anna"].pk}"' in ordered.content.decode()


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
# Ranked: the name (weight A) before a mention in the text (B), in the selector and in the API's order=relevance.
expected = [tickets["volkov"].pk, tickets["thanks"].pk]
ranked = [t.pk for t in selectors.ticket_search(user, "волков")]
listed = [t.pk for t in selectors.ticket_list_filtered(user, {"q": "волков", "order": "relevance"})]
print("SEARCH ranked", "OK" if ranked == expected == listed else f"WRONG {ranked} {listed}")
# Migration 0016's backfill builds the same vectors (and the GIN and trigram indexes exist).
import importlib, types
from django.apps import apps
from tickets.models import TicketSearchDocument
before = {d.pk: (d.people, str(d.vector)) for d in TicketSearchDocument.objects.all()}
TicketSearchDocument.objects.all().delete()
importlib.import_module("tickets.migrations.0016_search_merge_macros").backfill_search_documents(apps, types.SimpleNamespace(connection=connection))
after = {d.pk: (d.people, str(d.vector)) for d in TicketSearchDocument.objects.all()}
with connection.cursor() as cursor:
    cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'tickets_ticketsearchdocument'")
    indexes = {row[0] for row in cursor.fetchall()}
print("SEARCH backfill", "OK" if before == after and {"ticket_search_vector", "ticket_search_people_trgm"} <= indexes else f"WRONG {indexes}")
# Ranked from the newest matches (tickets.search._newest_matches): the same tickets as the exact subquery over the
# list, for an operator of every queue (the first batch of documents fills it), of the queue of most of them (the
# second batch) and of a queue with fewer of them than a batch (neither: the subquery).
from tests.factories import ClassifiedTicketFactory, operator, queue
from tickets import search
from tickets.models import Ticket
search.RANKED_ROWS, search.CANDIDATE_BATCHES = 2, (3, 6)
slugs = ["payment", "course", "course", "course", "course", "payment", "course", "course", "course", "course", "payment", "course"]
made = [ClassifiedTicketFactory(name=f"Ирина Колесникова {n}", description="Вопрос", queue=queue(slug)).pk for n, slug in enumerate(slugs)]
def newest(user, slugs):
    visible = Ticket.objects.filter(pk__in=made, queue__slug__in=slugs).order_by("-pk").values_list("pk", flat=True)
    return list(visible[:3])
for user, visible in ((AdminFactory(), ["payment", "course"]), (operator("coursework", queues=["course"]), ["course"]),
                      (operator("payer", queues=["payment"]), ["payment"])):
    found = [t.pk for t in selectors.ticket_search(user, "колесникова")]
    print("SEARCH newest", visible, "OK" if sorted(found) == sorted(newest(user, visible)) and len(found) == 3 else f"WRONG {found}")
# The filter set's "best match first" ranks the newest matches of the list before its search (the other conditions,
# here a status, on the found ids alone): the same tickets as the newest-first list of the same filters. With ``q``
# and ``search`` both given and different, both conditions hold.
Ticket.objects.filter(pk__in=made[1::2]).update(status=Ticket.Status.WAITING)
admin = AdminFactory()
by_status = {"q": "колесникова", "status": "waiting"}
best = [t.pk for t in selectors.ticket_list_filtered(admin, {**by_status, "order": "relevance"})]
newest_first = [t.pk for t in selectors.ticket_list_filtered(admin, {**by_status, "order": "newest"})][:3]
both = {t.pk for t in selectors.ticket_list_filtered(admin, {"q": "колесникова", "search": "вопрос", "order": "relevance"})}
print("SEARCH filtered", "OK" if sorted(best) == sorted(newest_first) and len(best) == 3
      and set(best) <= set(made[1::2]) and len(both) == 3 and both <= set(made) else f"WRONG {best} {newest_first} {both}")
# Ranked in one read of the documents (ts_rank of the newest matches, then the tickets ordered by it): the same rows in
# the same order, with the same rank, as the query that ranked the tickets' own documents (the exact subquery of the
# newest matches, SearchRank of search_document.vector): ranks that differ (the name A, the text B, the word once or
# three times), equal ranks broken by the date, equal dates by the id; more matches than ranked (the newest 3 of 9)
# and fewer (all 9).
import datetime
from django.contrib.postgres.search import SearchRank
from django.db.models import F, Subquery
from django.utils import timezone
texts = [("Ольга Преображенская", "Вопрос"), ("Мария", "Преображенская просила перезвонить"), ("Ольга Преображенская", "Вопрос"),
         ("Мария", "Преображенская, Преображенская и ещё раз Преображенская"), ("Ольга Преображенская", "Преображенская снова"),
         ("Мария", "Преображенская просила перезвонить"), ("Ольга Преображенская", "Вопрос"), ("Мария", "Вопрос Преображенской"),
         ("Ольга Преображенская", "Вопрос")]
ranked_made = [ClassifiedTicketFactory(name=name, description=text, queue=queue(["payment", "course"][n % 2])).pk
               for n, (name, text) in enumerate(texts)]
moment = timezone.now() - datetime.timedelta(days=1)
Ticket.objects.filter(pk__in=ranked_made[-4:-1]).update(created_at=moment)  # ties on the date: the id decides
Ticket.objects.filter(pk=ranked_made[-1]).update(created_at=moment - datetime.timedelta(hours=1))  # newest id, older date
def ranked_before(user, query, rows):  # the ranking as the documents' vectors were read for it before
    from tickets.search import _query_words, _tsquery, ticket_matches
    matches = ticket_matches(Ticket.objects.filter(queue__in=selectors.operator_queues(user)), query)
    return [(t.pk, t.search_rank) for t in Ticket.objects.filter(pk__in=Subquery(matches.order_by("-pk").values("pk")[:rows]))
            .annotate(search_rank=SearchRank(F("search_document__vector"), _tsquery(_query_words(query))))
            .order_by(F("search_rank").desc(nulls_last=True), "-created_at", "-id")]
orders, users = [], (AdminFactory(), operator("payer2", queues=["payment"]))
for rows, batches in ((2, (3, 6)), (500, (501, 4008))):
    search.RANKED_ROWS, search.CANDIDATE_BATCHES = rows, batches
    for user in users:
        for query in ("преображенская", "Преображенская перезвонить"):
            now = [(t.pk, t.search_rank) for t in selectors.ticket_search(user, query)]
            listed = [(t.pk, t.search_rank) for t in selectors.ticket_list_filtered(user, {"q": query, "order": "relevance"})]
            orders.append((now == listed == ranked_before(user, query, rows + 1), len(now), len({rank for _pk, rank in now})))
print("SEARCH order", "OK" if all(same for same, _n, _ranks in orders) and max(ranks for _s, _n, ranks in orders) >= 3
      and {n for _s, n, _r in orders} >= {3, 9} else f"WRONG {orders}")
# Migration 0022: the GIN indexes without a pending list; unapplied, PostgreSQL's default again.
from django.core.management import call_command
def gin_options():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reloptions FROM pg_class WHERE relname IN ('ticket_search_people_trgm', 'ticket_search_vector') ORDER BY 1")
        return cursor.fetchall()
def addresses():  # the documents' lexemes that are e-mail addresses, and their weights
    with connection.cursor() as cursor:
        cursor.execute("SELECT d.ticket_id, u.lexeme, u.weights FROM tickets_ticketsearchdocument d, unnest(d.vector) u "
                       "WHERE strpos(u.lexeme, '@') > 0 ORDER BY 1, 2")
        return cursor.fetchall()
applied, applied_addresses = gin_options(), addresses()
call_command("migrate", "tickets", "0021", verbosity=0)
unapplied, unapplied_addresses = gin_options(), addresses()
old_found = {query: sorted(t.pk for t in selectors.ticket_search(user, query)) for query in SEARCHES}
call_command("migrate", "tickets", verbosity=0)
off = [("ticket_search_people_trgm", ["fastupdate=off"]), ("ticket_search_vector", ["fastupdate=off"])]
print("SEARCH gin", "OK" if applied == off == gin_options() and [options for _name, options in unapplied] == [None, None] else f"WRONG {applied} {unapplied}")
# 0022 takes the addresses out of the vectors (the services no longer write them) and puts them back, weighted A;
# the same tickets are found on either side.
emails = {ticket.pk: ticket.student.email.lower() for ticket in Ticket.objects.filter(pk__in=[t.pk for t in tickets.values()])}
expected_addresses = sorted((pk, email, ["A"]) for pk, email in emails.items())
back = [row for row in unapplied_addresses if row[0] in emails]
new_found = {query: sorted(t.pk for t in selectors.ticket_search(user, query)) for query in SEARCHES}
print("SEARCH addresses", "OK" if applied_addresses == [] == addresses() and back == expected_addresses and old_found == new_found
      else f"WRONG {applied_addresses} {back} {expected_addresses}")
"""


@pytest.mark.postgres
def test_search_is_case_insensitive_in_russian_on_postgresql(tmp_path):
    result = run_script_on_postgresql(SEARCH_ON_POSTGRES, "supportdesk_search", tmp_path)
    lines = [line for line in result.stdout.splitlines() if line.startswith("SEARCH")]
    assert len(lines) == len(SEARCHES) + 9 and all(line.endswith("OK") for line in lines), lines


def test_api_q_searches_every_visible_queue_and_orders_by_relevance(client):
    tickets = _tickets()
    client.force_login(operator("api-finder", queues=["payment"]))
    found = client.get("/api/tickets/", {"q": "оплатой"}).json()
    assert [row["id"] for row in found["results"]] == [tickets["anna"].pk]
    by_relevance = client.get("/api/tickets/", {"q": "волков", "order": "relevance"}).json()
    assert [row["id"] for row in by_relevance["results"]] == [tickets["thanks"].pk]  # volkov's queue is not theirs
    assert client.get("/api/tickets/", {"q": "x" * 201}).status_code == 400


def test_every_writing_service_keeps_the_document_current():
    from tickets import services
    from tickets.models import TicketSearchDocument

    ticket = services.ticket_create(name="Ольга", email="olga@example.org", description="Не пришёл чек")
    assert TicketSearchDocument.objects.filter(ticket=ticket).exists()
    user = AdminFactory()
    services.ticket_student_reply(ticket=ticket, body="Деньги списали дважды")
    services.ticket_reply(ticket=ticket, body="Проверяем платёжную систему", actor=user)
    for query in ("чеком", "списали", "платежной", "ольга", "olga@"):
        assert [t.pk for t in selectors.ticket_search(user, query)] == [ticket.pk], query
