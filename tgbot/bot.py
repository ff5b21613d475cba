"""The bot process: aiogram's long polling feeding every update to ``update_receive`` (and the webhook's parser).

aiogram does the Bot API work (getUpdates with offsets, parsing, sessions, retries on network errors); an outer
middleware hands each update, as Bot API JSON, to the desk's synchronous services in a worker thread
(asgiref ``sync_to_async``), so polling and the webhook view share one code path. A second loop flushes the
students' gathered messages every second and sends what the outbox has due (the django-q2 schedule does the same
every minute when no bot process runs).
"""
from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from asgiref.sync import sync_to_async
from django.db import close_old_connections

from . import services

logger = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
FLUSH_EVERY_SECONDS = 1.0
SWEEP_EVERY_SECONDS = 30.0


def update_json(update: Update) -> dict:
    """aiogram's Update back to the Bot API's JSON (``from``, not ``from_user``)."""
    return update.model_dump(mode="json", exclude_none=True, by_alias=True)


def _receive(data: dict) -> str:
    close_old_connections()
    return services.update_receive(data)


# aiogram confirms an update to Telegram (the next getUpdates offset) whether or not it was handled, so a
# transient failure (the database locked or restarting) is retried here: after 1, 2, 4 and 8 s, 15 s in all.
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0)


async def _outer(handler, update: Update, data: dict):
    payload = update_json(update)
    for attempt, delay in enumerate((*RETRY_DELAYS, None), start=1):
        try:
            outcome = await sync_to_async(_receive, thread_sensitive=True)(payload)
            logger.info("Telegram update %s: %s", update.update_id, outcome)
            return None  # nothing else handles updates
        except Exception:
            if delay is None:
                logger.exception("Telegram update %s failed %s times; given up", update.update_id, attempt)
                return None
            logger.warning("Telegram update %s failed (attempt %s), retrying in %s s", update.update_id, attempt, delay, exc_info=True)
            await asyncio.sleep(delay)
    return None


def dispatcher_create() -> Dispatcher:
    dispatcher = Dispatcher()
    dispatcher.update.outer_middleware(_outer)
    return dispatcher


def _housekeeping(sweep: bool) -> None:
    close_old_connections()
    services.pending_flush()
    if sweep:
        services.outgoing_due_enqueue()


async def housekeeping_loop(stop: asyncio.Event) -> None:
    ticks = 0
    while not stop.is_set():
        ticks += 1
        try:
            await sync_to_async(_housekeeping, thread_sensitive=True)(ticks % int(SWEEP_EVERY_SECONDS / FLUSH_EVERY_SECONDS) == 1)
        except Exception:
            logger.exception("Telegram housekeeping failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=FLUSH_EVERY_SECONDS)
        except asyncio.TimeoutError:
            pass


async def polling_run(bot: Bot, *, stop: asyncio.Event | None = None) -> None:
    """Poll until cancelled (or ``stop`` is set): the updates, and the housekeeping beside them."""
    stop = stop or asyncio.Event()
    dispatcher = dispatcher_create()
    housekeeping = asyncio.create_task(housekeeping_loop(stop))
    polling = asyncio.create_task(dispatcher.start_polling(bot, allowed_updates=ALLOWED_UPDATES, handle_signals=False, close_bot_session=False))
    try:
        await stop.wait()
    finally:
        stop.set()
        try:
            await dispatcher.stop_polling()
        except RuntimeError:  # polling had not started (or already ended)
            polling.cancel()
        await asyncio.gather(housekeeping, polling, return_exceptions=True)
