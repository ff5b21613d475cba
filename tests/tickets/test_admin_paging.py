"""The admin lists' plain action checkbox is Django's, markup for markup."""
from __future__ import annotations

import pytest
from django.contrib import admin as django_admin
from django.utils import translation

from tests.factories import ClassifiedTicketFactory
from tickets.admin import TicketAdmin
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["ru", "en"])
def test_action_checkbox_is_djangos(language):
    ticket = ClassifiedTicketFactory(name='Анна "<b>" & Co')
    ours = TicketAdmin(Ticket, django_admin.site)
    with translation.override(language):
        assert str(ours.action_checkbox(ticket)) == str(django_admin.ModelAdmin.action_checkbox(ours, ticket))
    assert "&lt;b&gt;" in str(ours.action_checkbox(ticket))
