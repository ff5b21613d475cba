"""An admin in Chromium, at desktop width and at 375 px: the model-quality page, the Django admin's intents
(lists one per line), FAQ entries, label examples and the bulk actions; an operator who opens the
quality page gets a page saying why."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from knowledge.models import FaqEntry
from tests.browser.conftest import log_in
from tickets.models import Intent, LabelExample, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin_desk(desk, faq):
    admin = desk.account_create(username="boss", password="boss-pass-123", role="admin")
    payment = desk.ticket_create(name="Анна", email="anna@example.org", description="Не проходит оплата картой", screenshots=[])
    unsure = desk.ticket_create(name="Борис", email="boris@example.org", description="Здравствуйте, у меня вопрос", screenshots=[])
    desk.label_override(ticket=Ticket.objects.get(pk=payment.pk), label="course-problem", actor=admin, reason="про урок")
    desk.label_override(ticket=Ticket.objects.get(pk=unsure.pk), label="profile-problem", actor=admin)
    return admin


def test_quality_page(admin_desk, page_watch, live_server):
    page, watch = page_watch
    log_in(page, live_server, admin_desk)
    page.goto("/desk/quality/")
    expect(page.locator("#q-corrected")).to_have_text("100%")
    rows = page.locator("#confusion tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#confusion")).to_contain_text("Проблема с оплатой")
    expect(page.locator("#confusion")).to_contain_text("Не уверен")
    page.select_option("#bucket", "day")
    page.fill("#days", "7")
    with page.expect_navigation():
        page.click("#quality-filters button")
    expect(page.locator("#timeline tbody tr")).to_have_count(1)
    watch.shot("quality")


def test_operator_on_the_quality_page_is_told_why(desk, page_watch, live_server):
    page, watch = page_watch
    log_in(page, live_server, desk.account_create(username="olga", password="op-pass-123", role="operator"))
    with watch.expect_status(403, r"/desk/quality/$"):
        page.goto("/desk/quality/")
    expect(page.locator("h1")).to_have_text("Нет доступа")
    page.click("main a")
    expect(page.locator("a[data-queue]")).to_have_count(4)


def _run_action(page, action: str) -> None:
    page.locator("#action-toggle").check()
    page.select_option("select[name=action]", action)
    with page.expect_navigation():
        page.click("button[name=index]")


def test_admin_intents_faq_label_examples_and_bulk_actions(admin_desk, page_watch, live_server):
    page, watch = page_watch
    log_in(page, live_server, admin_desk)
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    watch.shot("admin-index")

    # Intents: the lists are text, one item per line.
    page.goto("/admin/tickets/intent/")
    page.get_by_role("link", name="payment-problem").click()
    keywords = page.locator("textarea[name=keywords]")
    assert not keywords.input_value().startswith("[")
    keywords.fill(keywords.input_value() + "\nквитанц")
    watch.shot("admin-intent")
    with page.expect_navigation():
        page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_have_count(1)
    assert Intent.objects.get(name="payment-problem").keywords[-1] == "квитанц"

    # FAQ entries: edit one (its alternative questions one per line too); export the selection as faq.yaml.
    page.goto("/admin/knowledge/faqentry/")
    page.get_by_role("link", name="installments").click()
    page.fill("textarea[name=answer]", "Да, выберите «Оплата по месяцам» при оформлении заказа. Без переплаты.")
    alt_questions = page.locator("textarea[name=alt_questions]")
    expect(alt_questions).to_have_value("Есть ли рассрочка?")
    alt_questions.fill(alt_questions.input_value() + "\nМожно оплатить по частям?")
    with page.expect_navigation():
        page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_have_count(1)
    assert FaqEntry.objects.get(external_id="installments").alt_questions == ["Есть ли рассрочка?", "Можно оплатить по частям?"]
    page.locator("#action-toggle").check()
    page.select_option("select[name=action]", "export_yaml")
    with page.expect_download() as download:
        page.click("button[name=index]")
    assert "Без переплаты" in Path(download.value.path()).read_text(encoding="utf-8")

    # Label examples: stop using them all at once.
    page.goto("/admin/tickets/labelexample/")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    _run_action(page, "deactivate")
    assert not LabelExample.objects.filter(is_active=True).exists()
    watch.shot("admin-label-examples")

    # Tickets: classify the selected ones again.
    page.goto("/admin/tickets/ticket/")
    _run_action(page, "reclassify")
    expect(page.locator(".messagelist")).to_contain_text("2")
