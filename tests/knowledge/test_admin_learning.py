"""The FAQ entry's admin page: students' questions offered as learned phrasings, added or dismissed with one click
(buttons of the change form posting to their own URL); only POST, only with the right to change entries."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from knowledge.models import FaqEntryEvent, FaqPhrasingOffer
from tests.factories import AdminFactory, FaqPhrasingOfferFactory, UserFactory

pytestmark = pytest.mark.django_db


def _change(offer) -> str:
    return f"/admin/knowledge/faqentry/{offer.entry.pk}/change/"


def _decide(offer, decision: str) -> str:
    return f"/admin/knowledge/faqentry/{offer.entry.pk}/phrasings/{offer.pk}/{decision}/"


@pytest.fixture
def admin_user_(client):
    user = AdminFactory()
    client.force_login(user)
    return user


def test_the_change_page_lists_offers_with_add_and_dismiss(client, admin_user_):
    offer = FaqPhrasingOfferFactory(text="рассрочку не одобрили, можно частями?")
    page = client.get(_change(offer)).content.decode()
    assert "рассрочку не одобрили, можно частями?" in page
    assert f'formaction="{_decide(offer, "add")}"' in page and f'formaction="{_decide(offer, "dismiss")}"' in page
    assert "Предложенные формулировки" in page or "Offered phrasings" in page


def test_add_is_one_post_and_comes_back_to_the_entry(client, admin_user_):
    offer = FaqPhrasingOfferFactory()
    response = client.post(_decide(offer, "add"))
    assert response.status_code == 302 and response["Location"] == _change(offer)
    offer.entry.refresh_from_db()
    assert offer.entry.learned_questions == [offer.text]
    assert FaqEntryEvent.objects.get().actor == admin_user_
    again = client.post(_decide(offer, "dismiss"), follow=True)  # already decided: nothing changes
    assert again.status_code == 200 and FaqEntryEvent.objects.count() == 1


def test_dismiss(client, admin_user_):
    offer = FaqPhrasingOfferFactory()
    assert client.post(_decide(offer, "dismiss")).status_code == 302
    offer.refresh_from_db()
    assert offer.status == FaqPhrasingOffer.Status.DISMISSED


def test_a_get_or_an_unknown_decision_changes_nothing(client, admin_user_):
    offer = FaqPhrasingOfferFactory()
    assert client.get(_decide(offer, "add")).status_code == 405
    assert client.post(_decide(offer, "approve")).status_code == 404
    offer.refresh_from_db()
    assert offer.status == FaqPhrasingOffer.Status.OFFERED


def test_staff_who_may_only_view_entries_cannot_decide(client):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_faqentry"))
    client.force_login(user)
    offer = FaqPhrasingOfferFactory()
    assert client.post(_decide(offer, "add")).status_code == 403
    offer.refresh_from_db()
    assert offer.status == FaqPhrasingOffer.Status.OFFERED and not FaqEntryEvent.objects.exists()


def test_a_click_that_loses_the_race_is_told_it_was_already_decided(client, admin_user_, monkeypatch):
    """Another admin decided the offer between the page's check and the service's row lock: the service answers
    None, and the page says so instead of reporting a success with no text."""
    from knowledge import admin as knowledge_admin

    offer = FaqPhrasingOfferFactory()
    monkeypatch.setitem(knowledge_admin.PHRASING_DECISIONS, "add", lambda offer_id, actor: None)
    page = client.post(_decide(offer, "add"), follow=True).content.decode()
    assert "already decided" in page or "уже рассмотрена" in page
    assert "Added as a learned phrasing" not in page and "Добавлено как выученная формулировка" not in page
