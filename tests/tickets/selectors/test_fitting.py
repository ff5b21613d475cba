"""confirmed_labels: which operator actions confirm a label for the desk's refit (``manage.py classifier_fit``)."""
from __future__ import annotations

import pytest

from tests.factories import ClassifiedTicketFactory, PredictionFactory, operator
from tickets import selectors, services
from tickets.models import Intent, Ticket

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


def test_finished_tickets_nobody_labelled_are_counted():
    ivan, still_open = operator("ivan"), _unsure_ticket()
    services.ticket_set_status(ticket=_unsure_ticket(), status=Ticket.Status.RESOLVED, actor=ivan)
    services.ticket_set_status(ticket=_unsure_ticket(), status=Ticket.Status.CLOSED, actor=ivan)
    services.ticket_close_out_of_scope(ticket=_unsure_ticket(), actor=ivan)  # labelled "other": seen by the fit
    assert still_open.status != Ticket.Status.CLOSED and selectors.unlabelled_finished_count() == 2


def test_an_unsure_ticket_an_operator_marked_other_confirms_other():
    ticket, ivan = _unsure_ticket(), operator("ivan")
    services.label_override(ticket=ticket, label="other", actor=ivan)
    services.ticket_set_status(ticket=ticket, status=Ticket.Status.CLOSED, actor=ivan)
    assert [label for _, label in selectors.confirmed_labels()] == ["other"]


def test_an_unsure_ticket_closed_as_not_a_support_request_confirms_other():
    # The ticket page's one click (services.ticket_close_out_of_scope): what the refit needs from triage.
    kept, closed = _unsure_ticket(), _unsure_ticket()
    services.ticket_set_status(ticket=kept, status=Ticket.Status.CLOSED, actor=operator("ivan"))
    services.ticket_close_out_of_scope(ticket=closed, actor=operator("petr"))
    assert selectors.confirmed_labels() == [({"ocr_semantic": {"other": 0.3}}, "other")]


def test_the_close_is_offered_until_the_ticket_is_closed_or_labelled_out_of_scope():
    open_unsure, ivan = _unsure_ticket(), operator("ivan")
    assert selectors.out_of_scope_intent().name == "other"
    assert selectors.out_of_scope_close_offered(open_unsure)
    services.label_override(ticket=open_unsure, label="other", actor=ivan)
    assert not selectors.out_of_scope_close_offered(Ticket.objects.get(pk=open_unsure.pk))
    closed_unsure = _unsure_ticket()
    services.ticket_set_status(ticket=closed_unsure, status=Ticket.Status.CLOSED, actor=ivan)
    assert not selectors.out_of_scope_close_offered(Ticket.objects.get(pk=closed_unsure.pk))
    routed = ClassifiedTicketFactory(status=Ticket.Status.RESOLVED)  # payment-problem, resolved: still offered
    assert selectors.out_of_scope_close_offered(routed)
    Intent.objects.filter(in_scope=False).update(is_active=False)  # nothing to label it with
    assert selectors.out_of_scope_intent() is None and not selectors.out_of_scope_close_offered(routed)
