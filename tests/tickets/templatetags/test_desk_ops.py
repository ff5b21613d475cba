"""The list rows' SLA badge, built in Python, says exactly what the badge's template says."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from tests.tickets.test_sla import HOUR, _ticket, targets  # noqa: F401 (the fixture)
from tickets.models import Ticket
from tickets.templatetags.desk_ops import sla_badge, sla_badge_row

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["ru", "en"])
def test_row_badge_is_the_templates_badge(targets, language):  # noqa: F811
    tickets = [
        _ticket(age=10 * timedelta(minutes=1)),  # reply due soon-ish
        _ticket(age=2 * HOUR),  # reply overdue
        _ticket(age=3 * HOUR, responded_after=2 * HOUR),  # a missed first reply, resolution still running
        _ticket(age=10 * HOUR, responded_after=HOUR / 2),  # resolution overdue
        _ticket(age=HOUR, status=Ticket.Status.CLOSED, responded_after=HOUR / 4, resolved_after=HOUR / 2),  # done
        _ticket(age=HOUR, slug="course"),  # no targets
    ]
    with translation.override(language):
        for ticket in tickets:
            expected = render_to_string("operator/_sla_badge.html", sla_badge(ticket)).strip()
            assert str(sla_badge_row(ticket)).strip() == expected
    assert any("data-sla" in str(sla_badge_row(ticket)) for ticket in tickets)
