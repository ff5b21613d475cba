"""Developer machine: DEBUG on, SQLite in var/ and the ORM broker unless the environment says otherwise."""
from .base import *  # noqa: F401,F403
from .base import VAR_DIR, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
VAR_DIR.mkdir(parents=True, exist_ok=True)
