"""Migration 0016 builds the search document of every existing ticket (its messages, notes and OCR text included)."""
from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from tests.factories import AdminFactory, ClassifiedTicketFactory
from tickets import selectors, services
from tickets.models import TicketSearchDocument

pytestmark = pytest.mark.django_db

migration = importlib.import_module("tickets.migrations.0016_search_merge_macros")


def test_backfill_builds_every_document_as_the_services_do():
    admin = AdminFactory()
    tickets = [ClassifiedTicketFactory(description=f"Оплата номер {i}") for i in range(3)]
    services.ticket_note(ticket=tickets[0], body="Проверить возврат", actor=admin)
    ocr = SimpleNamespace(label="", confidence=0.1, scores={}, signals={}, ocr_text="Сертификат не выдан", model_version="t", timings={}, embedding=None)
    services.prediction_record(ticket=tickets[1], prediction=ocr)
    built = {d.pk: (d.people, d.stems) for d in TicketSearchDocument.objects.all()}
    TicketSearchDocument.objects.all().delete()
    assert list(selectors.ticket_search(admin, "оплатой")) == []
    # The backfill reads only the editor's connection (SQLite refuses a real schema editor inside the test's transaction).
    migration.backfill_search_documents(apps, SimpleNamespace(connection=connection))
    assert {d.pk: (d.people, d.stems) for d in TicketSearchDocument.objects.all()} == built
    assert {t.pk for t in selectors.ticket_search(admin, "оплатой")} == {t.pk for t in tickets}
    assert [t.pk for t in selectors.ticket_search(admin, "возврата")] == [tickets[0].pk]
    assert [t.pk for t in selectors.ticket_search(admin, "сертификаты")] == [tickets[1].pk]
