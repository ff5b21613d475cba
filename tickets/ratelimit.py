"""A small fixed-window rate limiter on Django's cache, shared by the HTML views and the API.

Limits live in ``settings.SUPPORTDESK_RATE_LIMITS`` ("20/hour"; empty = off). Counters are keyed by
scope plus an identity (client IP, or ticket token digest + IP). With several web processes the
cache must be shared (Redis, see SUPPORTDESK_CACHE_URL), otherwise each process counts alone.

If the cache itself is down the limiter lets the request through (and logs): a Redis outage must
not stop students from reaching support.
"""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """'20/hour' → (20, 3600); None or '' → None (no limit)."""
    if not rate:
        return None
    count, _slash, period = str(rate).partition("/")
    seconds = PERIODS.get(period.strip().lower())
    if seconds is None or not count.strip().isdigit():
        raise ValueError(f"Bad rate {rate!r}: use '<count>/<second|minute|hour|day>'")
    return int(count), seconds


def client_ip(request) -> str:
    """The visitor's address: REMOTE_ADDR, or the header a trusted proxy sets (SUPPORTDESK_CLIENT_IP_HEADER)."""
    header = getattr(settings, "SUPPORTDESK_CLIENT_IP_HEADER", "")
    value = request.META.get(header, "") if header else ""
    if value:
        # "client, proxy1, proxy2" → the left-most address as written by our own proxy.
        return value.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def _window(scope: str, identity: str) -> tuple[int, int, int, str] | None:
    """(limit, period, now, cache key of the current window), or None when the scope has no limit."""
    parsed = parse_rate(settings.SUPPORTDESK_RATE_LIMITS.get(scope))
    if parsed is None:
        return None
    limit, period = parsed
    now = int(time.time())
    # The identity may contain a ticket token: only its digest goes into the cache key.
    return limit, period, now, f"rl:{scope}:{_digest(identity)}:{now // period}"


def _retry_after(period: int, now: int) -> int:
    return max(1, (now // period + 1) * period - now)


def check(scope: str, identity: str) -> Verdict:
    """Is ``identity`` still under the limit of ``scope``? Counts nothing (``hit`` does, once a request counts)."""
    window = _window(scope, identity)
    if window is None:
        return Verdict(True)
    limit, period, now, key = window
    try:
        count = cache.get(key, 0)
    except Exception:  # the cache is down: fail open, but say so
        logger.warning("Rate limiter cache unavailable; allowing %s", scope, exc_info=True)
        return Verdict(True)
    if count >= limit:
        return Verdict(False, retry_after=_retry_after(period, now))
    return Verdict(True)


def hit(scope: str, identity: str) -> Verdict:
    """Count one request of ``identity`` in ``scope``; allowed=False once the limit is passed."""
    window = _window(scope, identity)
    if window is None:
        return Verdict(True)
    limit, period, now, key = window
    try:
        if cache.add(key, 1, timeout=period + 1):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add() and incr()
                cache.set(key, 1, timeout=period + 1)
                count = 1
    except Exception:  # the cache is down: fail open, but say so
        logger.warning("Rate limiter cache unavailable; allowing %s", scope, exc_info=True)
        return Verdict(True)
    if count > limit:
        return Verdict(False, retry_after=_retry_after(period, now))
    return Verdict(True)


# New tickets count only when one is created (issue 8: a school behind one NAT ran out on refused and invalid
# submissions). ``ticket_create_check`` refuses once the budget is spent; ``ticket_create_count`` spends one.
# Two submissions racing past the check may both count: the budget can be passed by the number of requests in
# flight at once, never more.
def ticket_create_check(request) -> Verdict:
    return check("ticket_create", client_ip(request))


def ticket_create_count(request) -> Verdict:
    return hit("ticket_create", client_ip(request))


def student_reply_hit(request, token: str) -> Verdict:
    return hit("student_reply", f"{token}|{client_ip(request)}")


class _ScopeThrottle(BaseThrottle):
    """DRF adapter: the same counters as the HTML views, so form and API share one budget."""

    def check(self, request, view) -> Verdict:  # pragma: no cover - overridden
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        self.verdict = self.check(request, view)
        return self.verdict.allowed

    def wait(self):
        return self.verdict.retry_after


class TicketCreateThrottle(_ScopeThrottle):
    """Refuses once the budget is spent; the view counts a created ticket (ticket_create_count)."""

    def check(self, request, view) -> Verdict:
        return ticket_create_check(request)


class StudentReplyThrottle(_ScopeThrottle):
    def check(self, request, view) -> Verdict:
        return student_reply_hit(request, view.kwargs.get("token", ""))
