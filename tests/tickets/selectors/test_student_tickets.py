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


def test_near_identical_text_of_another_contact_within_a_day_in_my_queues_only():
    from datetime import timedelta

    from tickets.models import Ticket

    olga = operator("olga", queues=["payment"])
    current = ClassifiedTicketFactory(email="anna@example.org", description="Списали деньги дважды за курс Python")
    twin = ClassifiedTicketFactory(email="anna.work@example.org", description="Списали деньги дважды за курс Python!")
    late = ClassifiedTicketFactory(email="anna.home@example.org", description="Списали деньги дважды за курс Python")
    Ticket.objects.filter(pk=late.pk).update(created_at=current.created_at + timedelta(days=1, minutes=5))
    hidden = ClassifiedTicketFactory(email="anna.tg@example.org", queue=queue("course"), description="Списали деньги дважды за курс Python")
    unlike = ClassifiedTicketFactory(email="boris@example.org", description="Не пришёл сертификат об окончании")
    found = {d.ticket.pk: d for d in selectors.likely_duplicates(olga, current)}
    assert set(found) == {twin.pk}
    assert found[twin.pk].other_contact and found[twin.pk].near_identical and found[twin.pk].similarity >= 90
    assert late.pk not in found and hidden.pk not in found and unlike.pk not in found
    # An operator of both queues is shown the course ticket too; the late one stays out (more than a day apart).
    both = operator("both", queues=["payment", "course"])
    assert {d.ticket.pk for d in selectors.likely_duplicates(both, current)} == {twin.pk, hidden.pk}


def test_another_contacts_suggestion_on_the_ticket_page_names_both_contacts(client):
    olga = operator("olga", queues=["payment"])
    current = ClassifiedTicketFactory(name="Анна", email="anna@example.org", description="Не проходит оплата картой Visa")
    twin = ClassifiedTicketFactory(name="Анна К.", email="anna.work@example.org", description="Не проходит оплата картой Visa")
    client.force_login(olga)
    page = client.get(reverse("operator:ticket", kwargs={"ticket_id": current.pk})).content.decode()
    item = page[page.index(f'<li data-ticket="{twin.pk}">'):]
    item = item[:item.index("</li>")]
    assert "anna@example.org" in item and "anna.work@example.org" in item and 'name="same_person"' in item
