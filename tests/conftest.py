import os

import pytest
from rest_framework.test import APIClient

from tests.factories import AdminFactory, operator


@pytest.fixture
def fresh_classifier_cache():
    """Each test starts without a cached classifier (the cache is per process)."""
    from tickets.classification import reset_classifier_cache

    reset_classifier_cache()
    yield
    reset_classifier_cache()


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """``run(function, *args)``: call it and run what it queued with ``transaction.on_commit`` (tasks, sends)."""
    def call(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)
    return call


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def operator_user(db):
    return operator("olga")


@pytest.fixture
def admin_user(db):
    return AdminFactory(username="boss")


@pytest.fixture
def operator_client(client, operator_user):
    client.force_login(operator_user)
    return client


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture(scope="session")
def tiny_clip_dir(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from classifier.fitting.random_clip import TINY, write_random_clip

    return write_random_clip(str(tmp_path_factory.mktemp("tiny-clip")), TINY)
