"""Learning from operators' answers in Chromium, at desktop width and at a phone's 390 px: an operator's reply
inserted from an FAQ entry offers the student's question on that entry's admin page, and one click adds it as a
learned phrasing (another dismisses the next one)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from knowledge.models import FaqEntry, FaqEntryEvent, FaqPhrasingOffer
from tests.browser.conftest import VIEWPORTS, log_in
from tickets.models import Message, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "рассрочку не одобрили(( а можно как-то по другому платить частями"
OTHER = "мой платёж от 12-го не дошёл, проверьте пожалуйста"


@pytest.fixture(params=["desktop", "phone390"])
def viewport(request, monkeypatch) -> str:
    """Desktop width and 390 px (the brief's phone; the suite's other tests use 375)."""
    monkeypatch.setitem(VIEWPORTS, "phone390", {"width": 390, "height": 844})
    return request.param


@pytest.fixture
def answered(desk, faq):
    admin = desk.account_create(username="boss", password="boss-pass-123", role="admin")
    entry = FaqEntry.objects.get(external_id="installments")
    for text in (QUESTION, OTHER):
        ticket = desk.ticket_create(name="Аня", description=text, email="anya@example.org", source=Ticket.Source.WEB)
        if not ticket.messages.filter(author_kind=Message.Author.STUDENT).exists():
            Message.objects.create(ticket=ticket, author_kind=Message.Author.STUDENT, body=text)
        desk.ticket_reply(ticket=ticket, body=entry.answer, actor=admin, faq_entry=entry)
    return admin, entry


def test_one_click_adds_the_students_question_and_another_dismisses(answered, page_watch, live_server):
    admin, entry = answered
    page, watch = page_watch
    log_in(page, live_server, admin)

    page.goto(f"/admin/knowledge/faqentry/{entry.pk}/change/")
    offers = page.locator(".faq-offer")
    expect(offers).to_have_count(2)
    expect(offers.first).to_contain_text(QUESTION)
    watch.shot("admin-faq-offers")

    with page.expect_navigation():
        offers.filter(has_text=QUESTION).locator("button[data-decision=add]").click()
    expect(page.locator(".messagelist .success")).to_have_count(1)
    expect(page.locator(".faq-offer")).to_have_count(1)
    expect(page.locator("textarea[name=learned_questions]")).to_have_value(QUESTION)

    with page.expect_navigation():
        page.locator(".faq-offer button[data-decision=dismiss]").click()
    expect(page.locator(".faq-offer")).to_have_count(0)

    entry.refresh_from_db()
    assert entry.learned_questions == [QUESTION]
    assert list(FaqPhrasingOffer.objects.order_by("pk").values_list("status", flat=True)) == ["added", "dismissed"]
    assert list(FaqEntryEvent.objects.order_by("pk").values_list("actor__username", "kind", "text")) == [
        ("boss", "phrasing_added", QUESTION), ("boss", "phrasing_dismissed", OTHER)]
