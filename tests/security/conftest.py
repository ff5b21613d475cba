import pytest

from .corpus import LIMIT_BYTES, MAX_PIXELS


@pytest.fixture
def desk(db, settings, media_root, fresh_classifier_cache):
    """The desk with the fake classifier, a private MEDIA_ROOT and a 64 KiB screenshot limit."""
    settings.SUPPORTDESK_MAX_UPLOAD_BYTES = LIMIT_BYTES
    settings.SUPPORTDESK_MAX_IMAGE_PIXELS = MAX_PIXELS
    assert settings.SUPPORTDESK_TICKET_CLASSIFIER == "tests.fakes.fake_ticket_classifier"
    return settings
