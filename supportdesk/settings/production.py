"""Production: secrets from the environment, secure cookies, HSTS."""
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .environment import env

DEBUG = False
# `manage.py collectstatic` writes hashed, compressed copies; WhiteNoise serves them with long caching.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Where a deployment has CLIP weights, production runs the image tower on ONNX Runtime fp32 unless
# SUPPORTDESK_CLIP_BACKEND says otherwise: the same embeddings as torch (cosine 1.0000, same top label on the bench's
# screenshots), a worker's cold start with the prompt embeddings on disk 1.1 s quiet / 2.1 s at load 2 instead of
# torch's 4.4 / 9.4 s (issue 13's target: 3 s), peak RSS 558 instead of 774 MB (`bench/classifier.py --clip-only`,
# README "Speed"). The export runs once per checkpoint (~15 s with the int8 copy) into SUPPORTDESK_CLIP_CACHE_DIR.
# int8 is faster still (0.5-1.1 s, 218 MB) but unvalidated on real weights, so it stays an opt-in.
SUPPORTDESK_CLIP_BACKEND = env("SUPPORTDESK_CLIP_BACKEND", default="onnx")
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env("DJANGO_SECURE_SSL_REDIRECT")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env("DJANGO_HSTS_SECONDS")
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
