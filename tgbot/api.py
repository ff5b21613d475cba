"""The Bot API as the desk's synchronous code needs it: aiogram's client, one short-lived session per call.

The desk's senders (the outbox task, the bot process's sender, the webhook view) are synchronous; each call runs
aiogram's coroutine in its own event loop (``asyncio.run``; ~2 ms of overhead against a local server, nothing
against Telegram's round trip). The base URL is SUPPORTDESK_TELEGRAM_API_URL (``TelegramAPIServer.from_base``):
Telegram, a self-hosted Bot API server, or the test suite's fake on 127.0.0.1.

Failures become ``tickets.channels.DeliveryFailed``: permanent when retrying cannot help (the user blocked the
bot, the chat does not exist), otherwise retried by the outbox with backoff.
"""
from __future__ import annotations

import asyncio
import functools
from typing import Awaitable, Callable, TypeVar

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramNotFound, TelegramUnauthorizedError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from django.conf import settings

from tickets.channels import DeliveryFailed

T = TypeVar("T")
# Telegram refuses longer texts (4096 UTF-16 units); a long answer goes out in several messages.
MESSAGE_CHARS = 4000
# Seconds a Bot API call may take before it counts as failed (retried by the outbox).
REQUEST_TIMEOUT = 20


def is_configured() -> bool:
    return bool(settings.SUPPORTDESK_TELEGRAM_TOKEN)


def bot_create() -> Bot:
    """A Bot talking to SUPPORTDESK_TELEGRAM_API_URL (the caller closes ``bot.session``)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.SUPPORTDESK_TELEGRAM_API_URL))
    return Bot(settings.SUPPORTDESK_TELEGRAM_TOKEN, session=session)


def api_run(call: Callable[[Bot], Awaitable[T]]) -> T:
    """Run ``call(bot)`` to completion from synchronous code, failures as DeliveryFailed."""
    async def run() -> T:
        bot = bot_create()
        try:
            return await call(bot)
        finally:
            await bot.session.close()

    if not is_configured():
        raise DeliveryFailed("SUPPORTDESK_TELEGRAM_TOKEN is not set")
    try:
        return asyncio.run(run())
    except (TelegramForbiddenError, TelegramNotFound, TelegramUnauthorizedError) as exc:
        raise DeliveryFailed(f"Telegram refused: {exc}", permanent=True) from exc
    except TelegramBadRequest as exc:
        raise DeliveryFailed(f"Telegram refused the request: {exc}", permanent=True) from exc
    except DeliveryFailed:
        raise
    except Exception as exc:  # network down, timeouts, 5xx, flood control: the outbox tries again later
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc


def keyboard(buttons: list[list[dict]] | None) -> InlineKeyboardMarkup | None:
    """Rows of {"text", "callback_data"} or {"text", "url"} → an inline keyboard."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(**button) for button in row] for row in buttons])


def text_chunks(text: str, size: int = MESSAGE_CHARS) -> list[str]:
    """Split a long text at line breaks (or hard at ``size``) into messages Telegram accepts."""
    text = text.strip() or "…"
    chunks: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    chunks.append(text)
    return chunks


def message_send(chat_id: int | str, text: str, *, buttons: list[list[dict]] | None = None,
                 reply_to_message_id: int | None = None) -> list[int]:
    """Send ``text`` as plain text (no markup: students' and FAQ words are never parsed); buttons on the last part."""
    chunks = text_chunks(text)

    async def call(bot: Bot) -> list[int]:
        sent = []
        for number, chunk in enumerate(chunks, start=1):
            last = number == len(chunks)
            message = await bot.send_message(
                chat_id=chat_id, text=chunk, reply_markup=keyboard(buttons) if last else None,
                reply_to_message_id=reply_to_message_id if number == 1 else None,
            )
            sent.append(message.message_id)
        return sent

    return api_run(call)


def callback_answer(callback_query_id: str, text: str = "") -> None:
    """Stop the button's spinner (best effort: a lost answer only leaves a spinner for a few seconds)."""
    try:
        api_run(lambda bot: bot.answer_callback_query(callback_query_id, text=text[:200] or None))
    except DeliveryFailed:
        pass


def file_download(file_id: str, *, max_bytes: int) -> bytes:
    """getFile, then the file's bytes; larger than ``max_bytes`` → DeliveryFailed before downloading."""
    async def call(bot: Bot) -> bytes:
        file = await bot.get_file(file_id)
        if file.file_size and file.file_size > max_bytes:
            raise DeliveryFailed("too large", permanent=True)
        buffer = await bot.download_file(file.file_path)
        return buffer.read()

    return api_run(call)


@functools.lru_cache(maxsize=4)
def _username_for(token: str, api_url: str) -> str:
    return api_run(lambda bot: bot.get_me()).username or ""


def bot_username() -> str:
    """The bot's @username for deep links (asked once per process and token)."""
    return _username_for(settings.SUPPORTDESK_TELEGRAM_TOKEN, settings.SUPPORTDESK_TELEGRAM_API_URL)
