"""What the services raise besides Django's ValidationError, and which errors mean "a backing service is down"."""
from __future__ import annotations

from django.db import InterfaceError, OperationalError
from redis.exceptions import RedisError


class ServiceUnavailable(Exception):
    """The database or the broker is down for a moment. Nothing was saved; the caller asks to retry."""

    retry_after = 60


def outage_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "a backing service is unreachable" (not a bug in our code).

    Only connection-level database errors: an IntegrityError or DataError would fail again on retry,
    so they stay real errors instead of a misleading "try again in a minute".
    """
    return (OperationalError, InterfaceError, ConnectionError, TimeoutError, RedisError)
