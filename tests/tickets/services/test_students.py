"""A ticket's contact is a Student identity: matched by normalised e-mail on the web, optional on the model."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import AdminFactory
from tickets import selectors, services
from tickets.models import Student, Ticket

pytestmark = pytest.mark.django_db


def test_tickets_from_one_address_belong_to_one_student():
    first = services.ticket_create(name="Аня", email=" Anya@Example.ORG ", description="оплата")
    second = services.ticket_create(name="Анна Петрова", email="anya@example.org", description="урок")
    other = services.ticket_create(name="Боря", email="borya@example.org", description="пароль")
    assert first.student == second.student != other.student
    student = Student.objects.get(pk=first.student_id)
    assert (student.email, student.name) == ("anya@example.org", "Анна Петрова")  # the latest name
    assert [t.pk for t in student.tickets.order_by("pk")] == [first.pk, second.pk]  # "all tickets of this student"
    assert (first.name, first.email) == ("Аня", "anya@example.org")  # the ticket keeps the name it was sent with


def test_a_ticket_needs_a_student_or_an_address():
    with pytest.raises(ValidationError) as error:
        services.ticket_create(name="A", email="  ", description="x")
    assert "email" in error.value.message_dict
    assert Ticket.objects.count() == Student.objects.count() == 0


def test_web_form_and_api_still_require_an_email(client, api_client):
    web = client.post("/support/new/", {"name": "A", "description": "оплата"})
    api = api_client.post("/api/tickets/", {"name": "A", "description": "оплата"}, format="multipart")
    assert web.status_code == 400 and api.status_code == 400 and "email" in api.json()
    assert Ticket.objects.count() == 0


def test_the_api_keeps_its_email_field_and_adds_the_student(api_client):
    ticket = services.ticket_create(name="Аня", email="Anya@Example.org", description="оплата")
    api_client.force_authenticate(AdminFactory())
    row = api_client.get("/api/tickets/").json()["results"][0]
    assert (row["email"], row["student"]) == ("anya@example.org", ticket.student_id)
    assert api_client.get(f"/api/tickets/{ticket.pk}/").json()["email"] == "anya@example.org"


def test_operators_find_tickets_by_the_students_address_in_any_case():
    ticket = services.ticket_create(name="Аня", email="anya@example.org", description="оплата")
    admin = AdminFactory()
    assert list(selectors.ticket_list(admin, search="ANYA@example.org")) == [ticket]
    assert list(selectors.ticket_list(admin, search="Anya")) == [ticket]  # a part of it, as text


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_groups_existing_tickets_by_address():
    """Migrate back to the e-mail column, write tickets as the old code did, migrate forward.

    (Transactional: migrations cannot run inside the test's transaction. pytest-django runs such tests after
    the others, and an earlier one may have flushed the seeded rows: the queue is created if missing.)"""
    executor = MigrationExecutor(connection)
    executor.migrate([("tickets", "0008_label_examples")])
    old = executor.loader.project_state([("tickets", "0008_label_examples")]).apps
    Queue, OldTicket = old.get_model("tickets", "Queue"), old.get_model("tickets", "Ticket")
    triage, _created = Queue.objects.get_or_create(slug="triage", defaults={"name": "Разбор"})
    rows = [("Аня", "Anya@Example.org"), ("Анна", " anya@example.org"), ("Боря", "borya@example.org")]
    ids = [OldTicket.objects.create(name=name, email=email, queue=triage, public_token_digest=f"d{n}").pk for n, (name, email) in enumerate(rows)]

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    tickets = {t.pk: t for t in Ticket.objects.select_related("student").filter(pk__in=ids)}
    anya, anna, borya = (tickets[pk].student for pk in ids)
    assert anya == anna != borya
    assert (anya.email, anya.name) == ("anya@example.org", "Анна")  # named after the newest ticket
    assert Student.objects.count() == 2
