"""The FAQ's held-out check in Chromium, at desktop width and at a phone's 375 px: an entry's admin page shows its
line (what its phrasings find instead, the pair advice), and the entries list's filter keeps the flagged ones."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from knowledge.models import FaqCalibrationFit, FaqEntry
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def checked(desk):
    admin = desk.account_create(username="boss", password="boss-pass-123", role="admin")
    for external_id, question in (("reset_password", "Как сбросить пароль?"), ("change_email", "Как сменить почту?"),
                                  ("catalog", "Какие есть курсы?")):
        FaqEntry.objects.create(external_id=external_id, topic="profile", question=question,
                                alt_questions=["вариант"], answer="Ответ.")
    FaqCalibrationFit.objects.create(version="faqcal-test", fitted={}, entries=3, health={
        "entries": [{"id": "reset_password", "checked": 3, "found": 1, "instead": {"change_email": 2}},
                    {"id": "change_email", "checked": 2, "found": 1, "instead": {"reset_password": 1}},
                    {"id": "catalog", "checked": 2, "found": 2, "instead": {}}],
        "single_phrasing": []})
    return admin


def test_the_held_out_check_shows_on_the_entry_and_filters_the_list(checked, page_watch, live_server):
    page, watch = page_watch
    log_in(page, live_server, checked)

    page.goto(f"/admin/knowledge/faqentry/{FaqEntry.objects.get(external_id='reset_password').pk}/change/")
    line = page.locator(".field-held_out_check")
    expect(line).to_contain_text("эту запись находят 1 из 3")
    expect(line).to_contain_text("Вместо неё находятся: change_email (2)")
    expect(line).to_contain_text("Она и change_email находят друг друга")
    watch.shot("admin-faq-held-out-check")

    page.goto("/admin/knowledge/faqentry/")
    page.get_by_role("link", name="чаще находится другая запись").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("reset_password")
