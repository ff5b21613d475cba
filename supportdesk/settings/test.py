"""pytest settings: fast hashing, in-memory e-mail, a fake classifier and tasks run inline."""
import tempfile

from .base import *  # noqa: F401,F403
from .base import Q_CLUSTER
from .environment import env

DEBUG = False
SECRET_KEY = "test-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A subprocess test (PostgreSQL + Redis + a real qcluster) shares one folder through the environment.
MEDIA_ROOT = env("SUPPORTDESK_MEDIA_ROOT", default="") or tempfile.mkdtemp(prefix="supportdesk-test-media-")
SUPPORTDESK_TICKET_CLASSIFIER = env("SUPPORTDESK_TICKET_CLASSIFIER", default="tests.fakes.fake_ticket_classifier")
# The FAQ layer without models: a keyword topic fake and a hashing sentence encoder.
SUPPORTDESK_MESSAGE_CLASSIFIER = env("SUPPORTDESK_MESSAGE_CLASSIFIER", default="tests.fakes.fake_classify_message")
SUPPORTDESK_FAQ_ENCODER = env("SUPPORTDESK_FAQ_ENCODER", default="tests.knowledge.fakes.counting_encoder")
# async_task runs the task in-process, so on_commit → task → routing happens within the test.
Q_CLUSTER = {**Q_CLUSTER, "sync": env("SUPPORTDESK_Q_SYNC", default=True)}
# Generous limits so ordinary tests never hit them; rate-limit tests override with a tiny limit.
SUPPORTDESK_RATE_LIMITS = {"ticket_create": "10000/hour", "student_reply": "10000/hour"}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "supportdesk-test"}}
LANGUAGE_CODE = "ru"
# No collectstatic before tests: WhiteNoise looks files up per request instead of scanning STATIC_ROOT at start.
WHITENOISE_AUTOREFRESH = True
