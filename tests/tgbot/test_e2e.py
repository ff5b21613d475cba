"""End to end: the real bot process (aiogram long polling, tgbot.bot.polling_run) against the fake Bot API server on
127.0.0.1 named by SUPPORTDESK_TELEGRAM_API_URL; tasks run inline (sync cluster), so what the desk does after
each commit happens before the fake server is asked.
"""
import asyncio
import time
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.urls import reverse
from django.utils import timezone

from tests.factories import operator
from tests.tgbot.conftest import screenshot_png
from tests.tgbot.fake_bot_api import group_update, private_update
from tickets.models import Delivery, Ticket
from tickets.services import deliveries_sweep

pytestmark = pytest.mark.django_db(transaction=True)
GROUP = -100500


@pytest.fixture
def bot_process(telegram, transactional_db):
    """Seeded desk; ``bot_process`` runs a scenario beside ``python manage.py telegram_bot``'s polling loop.

    The loop runs under asgiref's ``async_to_sync``, so the services it calls through ``sync_to_async`` run in this
    (the test's) thread on its database connection: SQLite's in-memory test database is not shared between threads.
    """
    from tickets import services

    services.desk_seed()  # transactional tests flush tables: the default queues again
    return telegram


def with_bot(scenario) -> None:
    """Run ``scenario()`` (async) while the bot polls the fake server; stop the bot afterwards."""
    from tgbot import api
    from tgbot.bot import polling_run

    async def main():
        stop = asyncio.Event()
        bot = api.bot_create()
        polling = asyncio.create_task(polling_run(bot, stop=stop))
        try:
            await scenario()
        finally:
            stop.set()
            await polling
            await bot.session.close()

    async_to_sync(main)()


async def until(predicate, timeout: float = 15.0) -> None:
    """Wait until ``predicate()`` (synchronous, may query the database) is true."""
    check = sync_to_async(predicate)
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def test_a_screenshot_becomes_a_routed_ticket_and_the_operator_reply_reaches_the_chat(bot_process, client):
    api = bot_process
    api.add_file("e2e-shot", screenshot_png())
    state = {}

    async def scenario():
        api.push_update(private_update(9001, 701, text="Списали деньги, оплата не прошла", document="e2e-shot"))
        await until(lambda: Ticket.objects.filter(attachments__isnull=False, queue__slug="payment").exists() and api.sent_to(701))
        state["ticket"] = ticket = await sync_to_async(Ticket.objects.get)()
        user = await sync_to_async(operator)("olga")
        await sync_to_async(client.force_login)(user)
        url = reverse("operator:ticket_reply", kwargs={"ticket_id": ticket.pk})
        state["response"] = await sync_to_async(client.post)(url, {"body": "Деньги вернутся в течение трёх дней."})
        await until(lambda: any("Деньги вернутся" in call["text"] for call in api.sent_to(701)))

    with_bot(scenario)
    ticket = state["ticket"]
    assert ticket.source == Ticket.Source.TELEGRAM and ticket.queue.slug == "payment"
    assert ticket.attachments.count() == 1 and ticket.student.email == ""
    assert f"№{ticket.pk}" in api.sent_to(701)[0]["text"]
    assert state["response"].status_code == 302
    assert not api.sent("forwardMessage")


def test_the_same_update_delivered_twice_makes_one_ticket(bot_process):
    api = bot_process
    update = private_update(9010, 702, text="Не открывается урок")

    async def scenario():
        api.push_update(update)
        api.push_update(update)
        await until(lambda: Ticket.objects.exists() and api.sent_to(702))
        api.push_update(private_update(9011, 702, text="/status"))
        await until(lambda: len(api.sent_to(702)) == 2)

    with_bot(scenario)
    assert Ticket.objects.count() == 1
    assert sum("принято" in call["text"] for call in api.sent_to(702)) == 1


def test_group_faq_question_is_answered_in_its_thread_and_chatter_is_left_alone(bot_process, faq):
    from tgbot.models import TelegramUpdate

    api = bot_process

    async def scenario():
        api.push_update(group_update(9020, GROUP, 703, "кто смотрел вчера футбол? какая погода"))
        api.push_update(group_update(9021, GROUP, 704, "Забыл пароль от личного кабинета, как восстановить?"))
        await until(lambda: api.sent_to(GROUP) and TelegramUpdate.objects.count() == 2)

    with_bot(scenario)
    answer = api.sent_to(GROUP)
    assert len(answer) == 1 and "Забыли пароль" in answer[0]["text"]
    replied_to = answer[0].get("reply_to_message_id") or answer[0].get("reply_parameters", {}).get("message_id")
    assert int(replied_to) == TelegramUpdate.objects.get(update_id=9021).message_id
    assert TelegramUpdate.objects.get(update_id=9020).status == TelegramUpdate.Status.IGNORED
    assert Ticket.objects.count() == 0


def test_a_reply_sent_while_telegram_is_down_arrives_when_it_is_back(bot_process):
    from tickets import services

    api = bot_process
    state = {}

    def reply_while_down():
        ticket = Ticket.objects.get()
        services.ticket_reply(ticket=ticket, body="Сбросили пароль, попробуйте снова.", actor=operator("ivan"))
        state["delivery"] = delivery = Delivery.objects.get(ticket=ticket, kind=Delivery.Kind.REPLY, channel="telegram")
        state["while_down"] = (delivery.status, delivery.last_error)
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))  # backoff over

    async def scenario():
        api.push_update(private_update(9030, 705, text="Не могу войти в аккаунт"))
        await until(lambda: api.sent_to(705))
        api.stop()
        try:
            await sync_to_async(reply_while_down)()
        finally:
            api.start()
        state["swept"] = await sync_to_async(deliveries_sweep)()
        await until(lambda: any("Сбросили пароль" in call["text"] for call in api.sent_to(705)))

    with_bot(scenario)
    status, error = state["while_down"]
    assert status == Delivery.Status.PENDING and "Connect" in error
    assert state["swept"] == 1
    state["delivery"].refresh_from_db()
    assert state["delivery"].status == Delivery.Status.SENT
