"""selectors.student_history: the same student's other tickets on the ticket page — those in the operator's queues
listed, the others only counted."""
from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ClassifiedTicketFactory, operator, queue
from tickets import selectors

pytestmark = pytest.mark.django_db


def test_history_lists_visible_tickets_and_counts_the_others(client):
    olga = operator("olga", queues=["payment"])
    current = ClassifiedTicketFactory(email="anna@example.org")
    older = ClassifiedTicketFactory(email="anna@example.org", description="старая заявка")
    hidden = ClassifiedTicketFactory(email="anna@example.org", queue=queue("course"), description="секретный текст курса")
    ClassifiedTicketFactory(email="other@example.org")
    history = selectors.student_history(olga, current)
    assert [t.pk for t in history.visible] == [older.pk] and (history.visible_total, history.hidden_count) == (1, 1)
    client.force_login(olga)
    page = client.get(reverse("operator:ticket", kwargs={"ticket_id": current.pk})).content.decode()
    assert f'<li data-ticket="{older.pk}">' in page and 'id="student-history-hidden"' in page
    assert f"#{hidden.pk}" not in page and "секретный текст курса" not in page
    # An operator of both queues sees both.
    both = operator("both", queues=["payment", "course"])
    assert {t.pk for t in selectors.student_history(both, current).visible} == {older.pk, hidden.pk}
