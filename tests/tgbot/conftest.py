import io

import pytest
from PIL import Image, ImageDraw

from tests.tgbot.fake_bot_api import TOKEN, FakeBotApi


@pytest.fixture(autouse=True)
def _desk_test_defaults(fresh_classifier_cache, media_root):
    yield


@pytest.fixture(scope="session")
def bot_api():
    server = FakeBotApi().start()
    yield server
    server.close()


@pytest.fixture
def telegram(settings, bot_api):
    """The desk talking to the fake Bot API server; messages sent at once (no gather window) unless a test says."""
    from tgbot import api

    settings.SUPPORTDESK_TELEGRAM_TOKEN = TOKEN
    settings.SUPPORTDESK_TELEGRAM_API_URL = bot_api.base_url
    settings.SUPPORTDESK_TELEGRAM_GATHER_SECONDS = 0
    settings.SUPPORTDESK_TELEGRAM_GROUPS = ["-100500"]
    settings.SUPPORTDESK_TELEGRAM_OPERATORS_CHAT = ""
    api._username_for.cache_clear()
    if bot_api._runner is None:
        bot_api.start()
    with bot_api._lock:
        bot_api.calls.clear()
        bot_api._updates.clear()
    yield bot_api


@pytest.fixture
def faq(db, settings):
    from knowledge.services import faq_import, faq_index_reset
    from tests.tickets.conftest import SMALL_FAQ

    settings.SUPPORTDESK_FAQ_ENCODER = "tests.knowledge.fakes.counting_encoder"
    settings.SUPPORTDESK_MESSAGE_CLASSIFIER = "tests.fakes.fake_classify_message"
    faq_index_reset()
    faq_import(SMALL_FAQ)
    yield
    faq_index_reset()


def screenshot_png(width: int = 320, height: int = 200) -> bytes:
    image = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(image).text((10, 10), "Ошибка оплаты 402", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
