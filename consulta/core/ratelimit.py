"""Attempts counted atomically, before what they attempt is checked.

Flask-Limiter's ``deduct_when`` counts a request after it ran: 40 log-ins sent at once
all pass the check before the first failure is counted, and more guesses get through
than the limit allows. Here an attempt takes its place first (one atomic increment in
the limiter's storage, Redis in production), and only then is the password checked; a
success gives the place back, so only failures use up the limit.

When the storage does not answer (Redis down), each process counts on its own
meanwhile, and says so in the log: a limit per worker is weaker, but nobody is locked
out of the site because a cache is down.
"""

import logging
import time

from flask import current_app
from limits import parse
from limits.storage import MemoryStorage
from werkzeug.exceptions import TooManyRequests

from consulta.extensions import limiter

log = logging.getLogger(__name__)

#: Per-process counters, used only while the shared storage does not answer.
_fallback = MemoryStorage()
#: Seconds between two log lines saying the storage does not answer.
LOG_EVERY = 60
_last_logged = [0.0]


def _storage():
    try:
        return limiter.storage
    except Exception:  # not initialised (an app without rate limits)
        return _fallback


def _incr(key, expiry, amount=1):
    try:
        return _storage().incr(key, expiry, amount=amount)
    except Exception as error:
        if time.monotonic() - _last_logged[0] > LOG_EVERY:
            _last_logged[0] = time.monotonic()
            log.error("rate-limit storage unavailable, counting per process meanwhile: %s",
                      error)
        return _fallback.incr(key, expiry, amount=amount)


def _seconds_left(key, item):
    try:
        expires = _storage().get_expiry(key)
    except Exception:
        expires = _fallback.get_expiry(key)
    return max(1, int(expires - time.time()) + 1) if expires else item.get_expiry()


def refuse(attempts):
    """Answer 429 with Retry-After (raised)."""
    raise TooManyRequests(retry_after=attempts.retry_after)


class Attempts:
    """The places an attempt took, to give back if it succeeds."""

    def __init__(self):
        self._taken = []
        self.allowed = True
        #: Seconds until a refused attempt may be made again.
        self.retry_after = None

    def take(self, name, limit, key):
        """Take a place in ``limit`` ("10 per 15 minutes") for ``key``; False (and this
        attempt refused) when the limit is used up."""
        item = parse(limit)
        prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
        storage_key = f"{prefix}consulta-attempts/{name}/{key}"
        count = _incr(storage_key, item.get_expiry())
        self._taken.append((storage_key, item.get_expiry()))
        if count > item.amount:
            self.allowed = False
            self.retry_after = max(self.retry_after or 0, _seconds_left(storage_key, item))
        return count <= item.amount

    def give_back(self):
        """The attempt succeeded: it does not count towards the limits."""
        for storage_key, expiry in self._taken:
            _incr(storage_key, expiry, amount=-1)
        self._taken.clear()


def reset_attempts():
    """Forget every per-process count, and when the storage failure was logged (tests)."""
    _fallback.reset()
    _last_logged[0] = 0.0
