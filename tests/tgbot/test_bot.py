"""The bot process's glue (tgbot.bot): updates as Bot API JSON, transient failures retried, the rest logged."""
import asyncio

from aiogram.types import Update

from tests.tgbot.fake_bot_api import private_update
from tgbot import bot


def test_an_update_reaches_the_services_as_bot_api_json_and_a_transient_failure_is_retried(monkeypatch):
    calls = []

    def receive(data):
        calls.append(data)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return "pending"

    monkeypatch.setattr(bot, "_receive", receive)
    monkeypatch.setattr(bot, "RETRY_DELAYS", (0.01, 0.01))
    raw = private_update(77, 1234, text="Не проходит оплата")
    asyncio.run(bot._outer(None, Update.model_validate(raw), {}))
    assert len(calls) == 2
    assert calls[1]["message"]["from"]["id"] == 1234 and calls[1]["message"]["text"] == "Не проходит оплата"
    assert "from_user" not in calls[1]["message"]


def test_an_update_that_keeps_failing_is_given_up_after_the_retries(monkeypatch, caplog):
    calls = []
    monkeypatch.setattr(bot, "_receive", lambda data: calls.append(data) or (_ for _ in ()).throw(RuntimeError("down")))
    monkeypatch.setattr(bot, "RETRY_DELAYS", (0.01, 0.01))
    asyncio.run(bot._outer(None, Update.model_validate(private_update(78, 1234, text="x")), {}))
    assert len(calls) == 3
    assert "given up" in caplog.text
