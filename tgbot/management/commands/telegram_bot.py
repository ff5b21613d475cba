"""``python manage.py telegram_bot``: the Telegram bot by long polling (one process; scripts/desk starts it when
SUPPORTDESK_TELEGRAM_TOKEN is set)."""
from __future__ import annotations

import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tgbot import api
from tgbot.bot import polling_run


class Command(BaseCommand):
    help = "Run the Telegram bot (long polling) until interrupted."

    def handle(self, *args, **options):
        if not api.is_configured():
            raise CommandError("SUPPORTDESK_TELEGRAM_TOKEN is not set.")
        asyncio.run(self._run())

    async def _run(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        bot = api.bot_create()
        try:
            me = await bot.get_me()
            await bot.delete_webhook(drop_pending_updates=False)  # polling and a webhook exclude each other
            self.stdout.write(f"Telegram bot @{me.username}: polling {settings.SUPPORTDESK_TELEGRAM_API_URL}")
            await polling_run(bot, stop=stop)
        finally:
            await bot.session.close()
