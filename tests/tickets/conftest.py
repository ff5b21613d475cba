import pytest


@pytest.fixture(autouse=True)
def _desk_test_defaults(fresh_classifier_cache, media_root):
    """Every desk test: a fresh per-process classifier cache and its own MEDIA_ROOT."""
    yield
