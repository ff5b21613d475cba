"""knowledge.services, learning from operators' answers: offered phrasings, the one-click add and dismiss, the
audit rows, and the index that finds the entry by its learned phrasing afterwards."""
from __future__ import annotations

import pytest

from classifier import learned_phrasing
from knowledge.models import FaqEntry, FaqEntryEvent, FaqPhrasingOffer
from knowledge.selectors import faq_phrasing_offers
from knowledge.services import (
    faq_export, faq_import, faq_index_get, faq_phrasing_add, faq_phrasing_dismiss, faq_phrasing_offer,
)
from tests.factories import AdminFactory, FaqEntryFactory, FaqPhrasingOfferFactory

pytestmark = pytest.mark.django_db

QUESTION = "вылетает логин,\n войти в кабинет не выходит"


def test_an_offer_is_the_students_words_and_nothing_already_known_is_offered(imported):
    entry = FaqEntry.objects.get(external_id="forgot_pass")
    offer = faq_phrasing_offer(entry, QUESTION, ticket_id=7)
    assert (offer.text, offer.ticket_id, offer.status) == (learned_phrasing(QUESTION), 7, "offered")
    assert faq_phrasing_offer(entry, QUESTION) is None  # already waiting
    assert faq_phrasing_offer(entry, "  ") is None
    assert faq_phrasing_offer(entry, entry.question) is None  # the entry's own question
    assert list(faq_phrasing_offers(entry)) == [offer]


def test_add_learns_the_phrasing_writes_who_did_and_refreshes_the_index(imported, fake_faq_encoder):
    entry = FaqEntry.objects.get(external_id="forgot_pass")
    faq_index_get()
    offer = faq_phrasing_offer(entry, QUESTION, ticket_id=7)
    admin = AdminFactory()
    fake_faq_encoder.calls.clear()

    assert faq_phrasing_add(offer, admin) is not None

    entry.refresh_from_db()
    assert entry.learned_questions == [learned_phrasing(QUESTION)]
    assert entry.alt_questions == FaqEntry.objects.get(pk=entry.pk).alt_questions  # the school's own untouched
    event = FaqEntryEvent.objects.get()
    assert (event.entry, event.actor, event.kind, event.text, event.ticket_id) == (
        entry, admin, "phrasing_added", learned_phrasing(QUESTION), 7)
    assert not faq_phrasing_offers(entry).exists()
    index = faq_index_get()
    assert index.by_id["forgot_pass"].learned_questions == (learned_phrasing(QUESTION),)
    # the one changed entry re-embedded (its phrasings and answer), no other
    assert learned_phrasing(QUESTION) in fake_faq_encoder.calls
    others = FaqEntry.objects.exclude(pk=entry.pk).values_list("question", flat=True)
    assert not set(others) & set(fake_faq_encoder.calls)


def test_a_second_click_changes_nothing():
    offer = FaqPhrasingOfferFactory()
    admin = AdminFactory()
    assert faq_phrasing_add(offer.pk, admin) is not None
    assert faq_phrasing_add(offer.pk, admin) is None
    assert faq_phrasing_dismiss(offer.pk, admin) is None
    offer.entry.refresh_from_db()
    assert offer.entry.learned_questions == [offer.text]
    assert FaqEntryEvent.objects.count() == 1


def test_dismiss_keeps_the_entry_and_writes_who_did():
    offer = FaqPhrasingOfferFactory()
    admin = AdminFactory()
    faq_phrasing_dismiss(offer, admin)
    offer.refresh_from_db()
    offer.entry.refresh_from_db()
    assert offer.status == FaqPhrasingOffer.Status.DISMISSED and offer.entry.learned_questions == []
    assert FaqEntryEvent.objects.get().kind == "phrasing_dismissed"


def test_a_reimport_of_the_schools_faq_keeps_learned_phrasings(imported):
    entry = FaqEntry.objects.get(external_id="forgot_pass")
    faq_phrasing_add(faq_phrasing_offer(entry, QUESTION), AdminFactory())
    faq_import(imported.read_text(encoding="utf-8"))
    entry.refresh_from_db()
    assert entry.learned_questions == [learned_phrasing(QUESTION)]


def test_an_export_carries_learned_phrasings_into_another_desk(imported):
    entry = FaqEntry.objects.get(external_id="forgot_pass")
    faq_phrasing_add(faq_phrasing_offer(entry, QUESTION), AdminFactory())
    exported = faq_export()
    assert "learned_questions" in exported
    entry.learned_questions = ["как сменить пароль, если забыл"]  # the other desk learned one of its own
    entry.save()
    faq_import(exported)
    entry.refresh_from_db()
    assert entry.learned_questions == ["как сменить пароль, если забыл", learned_phrasing(QUESTION)]


def test_a_schools_own_faq_yaml_has_no_learned_key():
    entry = FaqEntryFactory()
    assert "learned_questions" not in faq_export()
    assert entry.to_record().to_dict().keys() == {"id", "topic", "question", "alt_questions", "answer"}
