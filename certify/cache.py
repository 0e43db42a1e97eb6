"""A Redis cache that survives a Redis outage: errors are logged and read as a cache miss.

Django's ``RedisCache`` raises ``redis.exceptions.ConnectionError`` from every call while
Redis is down, and nothing in the project needs the cache to be right, only fast: it holds
rate-limit counters (django-ratelimit, allauth), the status-list tokens, debounce and
"already sent" marks. So a Redis outage (issue 10, "Redis stopped during an exam") must not
turn candidates' autosaves, submissions or the verification pages into 500s.

:class:`ResilientRedisCache` (settings ``CACHES["default"]["BACKEND"]`` when ``REDIS_URL`` is
set) catches ``redis.exceptions.RedisError`` and ``OSError`` in every operation and answers as
if the key were absent and nothing could be stored:

==============================  ==================================================
``get``                         the default
``get_many``                    ``{}``
``has_key``, ``touch``          ``False``
``add``                         ``True`` (the key was absent; stored nowhere)
``set``, ``set_many``           nothing stored (``set_many`` returns every key as failed)
``delete``, ``delete_many``     ``False`` / nothing
``incr``, ``decr``              ``ValueError`` (Django's answer for a missing key)
``clear``                       nothing
==============================  ==================================================

Consequences, decided on purpose:

- **Rate limits fail open** while Redis is down: django-ratelimit's ``cache.add`` succeeds, so
  every count is 1 (``RATELIMIT_FAIL_OPEN`` is also set, for the window where ``add`` worked and
  ``incr`` did not). Verification pages and the API stay up; the access-code and sign-in
  limits are off for the outage (sign-in still has the account lock-out in the database).
- ``cache.add`` used as a once-only mark (``exams.notifications``, ``reports.receivers``)
  answers "first time": a notification may be sent twice, none is lost; a report refresh may
  run twice.

A circuit breaker keeps an outage cheap: after an error, the next ``BREAKER_SECONDS``
(default 5 s, ``OPTIONS["breaker_seconds"]``) of calls in this process skip Redis at once
instead of each waiting for a refused or timed-out connection. One warning is logged per
opening of the breaker, not one per call. Set ``socket_connect_timeout`` and
``socket_timeout`` in ``OPTIONS`` (settings do) so that a Redis that hangs, rather than
refuses, costs at most that long.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 5.0


class CacheUnavailable(Exception):
    """Raised inside :class:`ResilientRedisCache` while its breaker is open (never escapes it)."""


def _redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.RedisError, OSError, CacheUnavailable)


class ResilientRedisCache(RedisCache):
    """``RedisCache`` whose failures are logged and read as a miss (see the module docstring)."""

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.breaker_seconds = float(options.pop("breaker_seconds", BREAKER_SECONDS))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._errors = _redis_errors()
        self._open_until = 0.0
        self._lock = threading.Lock()

    # --- the breaker ------------------------------------------------------------------------

    def _guard(self) -> None:
        if time.monotonic() < self._open_until:
            raise CacheUnavailable("the cache breaker is open")

    def _failed(self, operation: str, error: BaseException) -> None:
        if isinstance(error, CacheUnavailable):
            return
        with self._lock:
            was_closed = time.monotonic() >= self._open_until
            self._open_until = time.monotonic() + self.breaker_seconds
        if was_closed:
            logger.warning(
                "Cache unavailable (%s: %s: %s); treating it as a miss for %.0f s",
                operation,
                type(error).__name__,
                error,
                self.breaker_seconds,
            )

    def _call(self, operation: str, fallback, function, *args, **kwargs):
        try:
            self._guard()
            return function(*args, **kwargs)
        except self._errors as error:
            self._failed(operation, error)
            return fallback() if callable(fallback) else fallback

    # --- the cache API ----------------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call("set", None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", dict, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._call("incr", missing, super().incr, key, delta, version)
        if value is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", lambda: list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self._call("delete_many", None, super().delete_many, keys, version)

    def clear(self):
        return self._call("clear", False, super().clear)
