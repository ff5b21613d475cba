"""confirmed_labels: which operator actions confirm a label for the desk's refit (``manage.py classifier_fit``)."""
from __future__ import annotations

import pytest

from tests.factories import ClassifiedTicketFactory, PredictionFactory, operator
from tickets import selectors, services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _unsure_ticket():
    ticket = ClassifiedTicketFactory(label="", confidence=None)
    PredictionFactory(ticket=ticket, label="", signals={"ocr_semantic": {"other": 0.3}})
    return ticket


def test_an_unsure_ticket_resolved_in_triage_without_a_label_confirms_nothing():
    # Resolving says nothing of what the ticket was: a school question answered in triage is resolved the same way.
    ivan = operator("ivan")
    services.ticket_set_status(ticket=_unsure_ticket(), status=Ticket.Status.RESOLVED, actor=ivan)
    services.ticket_set_status(ticket=_unsure_ticket(), status=Ticket.Status.CLOSED, actor=ivan)
    assert selectors.confirmed_labels() == []


def test_an_unsure_ticket_an_operator_marked_other_confirms_other():
    ticket, ivan = _unsure_ticket(), operator("ivan")
    services.label_override(ticket=ticket, label="other", actor=ivan)
    services.ticket_set_status(ticket=ticket, status=Ticket.Status.CLOSED, actor=ivan)
    assert [label for _, label in selectors.confirmed_labels()] == ["other"]
