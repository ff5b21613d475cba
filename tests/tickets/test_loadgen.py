"""``manage.py generate_tickets N``: realistic load data written in bulk (COPY on PostgreSQL, executemany elsewhere).

The same tests run on PostgreSQL in a subprocess (the ``postgres`` test at the end), where the rows go through COPY.
"""
from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Min
from django.utils import timezone

from tests.factories import TicketFactory, operator
from tests.postgres import run_module_on_postgresql
from tickets import selectors
from tickets.models import Attachment, Delivery, Message, Prediction, Student, Ticket, TicketEvent, TicketSearchDocument, public_token_digest
from tickets.services.search_index import ticket_search_refresh



@pytest.fixture
def generated(db):
    out = StringIO()
    call_command("generate_tickets", "300", "--days", "60", "--chunk", "70", stdout=out)
    return out.getvalue()


def test_every_ticket_comes_with_its_rows(generated):
    assert "300 tickets in" in generated
    tickets = Ticket.objects.all()
    assert tickets.count() == 300
    assert set(tickets.values_list("status", flat=True)) >= {"closed", "resolved"}
    # Each ticket: the student's first message, one prediction, its audit trail from "created" on.
    assert not tickets.annotate(n=Count("messages")).filter(n=0).exists()
    assert Prediction.objects.values("ticket").distinct().count() == 300
    assert TicketEvent.objects.filter(kind="created").count() == 300 and TicketEvent.objects.filter(kind="predicted").count() == 300
    assert Attachment.objects.exists() and Delivery.objects.exists()
    # Replies from operators, each with a delivery to the student's address.
    replies = Message.objects.filter(author_kind="operator")
    assert replies.count() == Delivery.objects.count() > 0
    assert Student.objects.count() < 300  # some students come back


def test_ages_are_spread_and_open_tickets_are_recent(generated):
    now = timezone.now()
    oldest = Ticket.objects.aggregate(m=Min("created_at"))["m"]
    assert now - timedelta(days=61) < oldest < now - timedelta(days=40)
    open_tickets = Ticket.objects.filter(status__in=Ticket.OPEN_STATUSES)
    assert not open_tickets.filter(created_at__lt=now - timedelta(days=30)).exists()
    # Ids grow with creation time, as on a real desk (keyset pages and "newest first" rely on both).
    rows = list(Ticket.objects.order_by("id").values_list("created_at", flat=True))
    assert rows == sorted(rows)
    closed = Ticket.objects.filter(status="closed").first()
    assert closed.resolved_at is not None and closed.waiting_since is None


def test_rows_are_valid_for_the_desk(generated):
    ticket = Ticket.objects.filter(first_response_at__isnull=False).first()
    assert ticket.public_token_digest == public_token_digest(ticket.public_token)
    assert ticket.student.email.endswith("@students.example")
    prediction = ticket.predictions.get()
    assert set(prediction.scores) >= {"payment-problem", "course-problem"} and prediction.timings["total_task"] > 0


def test_ordinary_inserts_continue_after_the_generated_ids(generated):
    """The ids were assigned by the generator: PostgreSQL's sequences are moved past them."""
    ticket = TicketFactory()
    assert ticket.pk > Ticket.objects.exclude(pk=ticket.pk).order_by("-pk").values_list("pk", flat=True)[0]


def test_a_second_run_adds_to_the_first(generated):
    call_command("generate_tickets", "20", "--days", "5", stdout=StringIO())
    assert Ticket.objects.count() == 320


def test_bad_arguments_are_refused(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("generate_tickets", "0", stdout=StringIO())



@pytest.mark.postgres
@pytest.mark.slow
def test_the_same_on_postgresql():
    """This module's tests again with DATABASE_URL pointing at PostgreSQL: the rows go through COPY."""
    run_module_on_postgresql(__file__, "sd_loadgen")


def _document(ticket_id: int) -> tuple:
    row = TicketSearchDocument.objects.filter(ticket_id=ticket_id).values_list("people", "stems", "vector").get()
    return row[0], row[1], str(row[2]) if row[2] is not None else None


def test_every_ticket_gets_the_search_document_the_service_builds(generated):
    """Bulk-built (COPY + one INSERT ... SELECT on PostgreSQL, executemany on SQLite) equals ticket_search_refresh's."""
    assert TicketSearchDocument.objects.count() == 300
    with_ocr = Prediction.objects.exclude(ocr_text="").filter(error="").values_list("ticket_id", flat=True).first()
    failed = Prediction.objects.exclude(error="").values_list("ticket_id", flat=True).first()
    replied = Ticket.objects.filter(first_response_at__isnull=False).values_list("pk", flat=True).first()
    unanswered = Ticket.objects.filter(first_response_at__isnull=True).values_list("pk", flat=True).first()
    returning = Ticket.objects.values("student").annotate(n=Count("id")).filter(n__gt=1).order_by("student").values_list("student", flat=True).first()
    chosen = {pk for pk in (with_ocr, failed, replied, unanswered, Ticket.objects.filter(student=returning).values_list("pk", flat=True).first()) if pk}
    assert len(chosen) >= 4
    for ticket_id in chosen:
        bulk = _document(ticket_id)
        ticket_search_refresh(ticket_id)
        assert _document(ticket_id) == bulk, ticket_id
    document = TicketSearchDocument.objects.get(ticket_id=with_ocr)
    assert document.people == document.people.lower() and "@students.example" in document.people
    if connection.vendor == "postgresql":
        assert document.vector and not document.stems
    else:
        assert document.vector is None and " оплат" in TicketSearchDocument.objects.get(ticket_id=Ticket.objects.filter(queue__slug="payment", description__contains="оплат").values_list("pk", flat=True).first()).stems


def test_operators_search_finds_generated_tickets(generated):
    """By a word in another form than written and by the student's surname, with both selectors."""
    user = operator()
    paid = Ticket.objects.filter(description__contains="Не проходит оплата картой").first()
    found = selectors.ticket_search(user, "оплатой")
    assert found.filter(pk=paid.pk).exists()
    assert selectors.ticket_list(user, search="оплатой").filter(pk=paid.pk).exists()
    surname = paid.student.name.split()[1]  # "Анна Волкова"
    assert selectors.ticket_search(user, surname).filter(pk=paid.pk).exists()
    assert selectors.ticket_list(user, search=surname.lower()).filter(pk=paid.pk).exists()
    # And only the tickets that say it: a word no generated text contains finds nothing.
    assert not selectors.ticket_search(user, "метеорит").exists()


def test_the_search_indexes_are_built_again_as_they_were(generated):
    """PostgreSQL: the load drops the search documents' GIN indexes and builds them from their own definitions."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no GIN indexes; this runs in test_the_same_on_postgresql")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reloptions FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND i.indisvalid ORDER BY c.relname",
            [TicketSearchDocument._meta.db_table],
        )
        indexes = dict(cursor.fetchall())
    assert indexes["ticket_search_vector"] == ["fastupdate=off"]
    assert indexes["ticket_search_people_trgm"] == ["fastupdate=off"]
    found = selectors.ticket_search(operator(), Student.objects.values_list("name", flat=True).first().split()[-1])
    assert found.exists()
