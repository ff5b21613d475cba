"""Developer machine: DEBUG on, SQLite in var/ and the ORM broker unless the environment says otherwise."""
from .base import *  # noqa: F401,F403
from .base import VAR_DIR
from .environment import env

DEBUG = env("DJANGO_DEBUG", default=True)
VAR_DIR.mkdir(parents=True, exist_ok=True)
