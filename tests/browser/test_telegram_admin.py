"""The Telegram channel's admin in Chromium, at desktop width and at 375 px: allowing a group the bot was added to,
following a Telegram account to all of its student's requests, and "Try again now" on a bot message that failed."""
from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tgbot.models import TelegramGroup, TelegramOutgoing
from tgbot.services import account_for_user
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def telegram_admin(desk):
    admin = desk.account_create(username="boss", password="boss-pass-123", role="admin")
    account = account_for_user({"id": 4242, "first_name": "Аня", "username": "anya_k"}, private_chat_id=4242)
    desk.ticket_create(name=account.display_name, description="Не проходит оплата", student=account.student,
                       source=Ticket.Source.TELEGRAM)
    TelegramGroup.objects.create(chat_id=-100777, title="Студенты потока")
    TelegramOutgoing.objects.create(key="update-1", chat_id=4242, text="Здравствуйте!", status="failed", attempts=8,
                                    last_error="DeliveryFailed: network down", next_attempt_at=timezone.now())
    return admin


def test_allow_a_group_open_a_students_requests_and_retry_a_bot_message(telegram_admin, page_watch, live_server):
    page, watch = page_watch
    log_in(page, live_server, telegram_admin)

    page.goto("/admin/tgbot/telegramgroup/")
    page.locator("input[name=form-0-is_allowed]").check()
    with page.expect_navigation():
        page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_have_count(1)
    assert TelegramGroup.objects.get(chat_id=-100777).is_allowed
    watch.shot("admin-telegram-groups")

    page.goto("/admin/tgbot/telegramaccount/")
    expect(page.locator("#result_list")).to_contain_text("Аня (@anya_k)")
    with page.expect_navigation():
        page.get_by_role("link", name="все обращения").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("Аня (@anya_k)")

    page.goto("/admin/tgbot/telegramoutgoing/")
    page.locator("#action-toggle").check()
    page.select_option("select[name=action]", "retry_now")
    with page.expect_navigation():
        page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("1 сообщение снова в очереди")
    watch.shot("admin-telegram-outgoing")
