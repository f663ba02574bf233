"""The default cache (Redis in production), failing open.

Everything the portal keeps in the cache can be lost: API throttle counts, allauth's login
rate limits, the beat heartbeat. Losing Redis must therefore cost throttling accuracy and
speed, never availability (issue 18): every cache call that cannot reach Redis answers as
a cache miss, logs one warning per outage, and is counted (`counters()`, for a metrics
view). After a failure the cache stops trying for `RETRY_AFTER_SECONDS` (per process), so
an outage does not add a connection attempt to every request; `probe()` always tries, for
the readiness check.
"""

import logging
import threading
import time
from collections import Counter
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("portal.cache")

# What "Redis is unreachable" looks like; any other error is a bug and still raises.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

_lock = threading.Lock()
_counts: Counter[str] = Counter()
# Server location → monotonic time until which calls skip Redis (0: Redis is up).
_down_until: dict[str, float] = {}


def counters() -> dict[str, int]:
    """Cache calls answered without Redis since start: `errors` (tried and failed) and
    `skipped` (not tried during an outage)."""
    with _lock:
        return {"errors": _counts["errors"], "skipped": _counts["skipped"]}


class _KeptClientRedisCacheClient(RedisCacheClient):
    """Django's client makes a new `redis.Redis` for every cache call (~60 µs of CPU: its
    table of reply callbacks), half of a cache read's cost (issue 24: every signed-in
    page reads the cache several times). One per connection pool, kept: a `redis.Redis`
    is safe to share between threads (each command takes a pool connection)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        # django-stubs leaves out RedisCacheClient's private helpers.
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class FailOpenRedisCache(RedisCache):
    """Django's RedisCache, where an unreachable Redis is a miss instead of an exception.

    `RETRY_AFTER_SECONDS` (a top-level key of the CACHES entry, default 5) is how long
    calls skip Redis after a failure."""

    def __init__(self, server, params: dict) -> None:
        super().__init__(server, params)
        self._class = _KeptClientRedisCacheClient
        self._location = server if isinstance(server, str) else ",".join(server)
        self._retry_after = float(params.get("RETRY_AFTER_SECONDS", 5))

    # ------------------------------------------------------------ outage bookkeeping

    def _call(self, operation: str, fallback: Any, method, *args, **kwargs) -> Any:
        with _lock:
            down = _down_until.get(self._location, 0.0) > time.monotonic()
            if down:
                _counts["skipped"] += 1
        if down:
            return fallback
        try:
            result = method(*args, **kwargs)
        except UNREACHABLE as error:
            self._went_down(operation, error)
            return fallback
        self._came_back()
        return result

    def _went_down(self, operation: str, error: Exception) -> None:
        with _lock:
            _counts["errors"] += 1
            first = not _down_until.get(self._location)
            _down_until[self._location] = time.monotonic() + self._retry_after
        if first:
            logger.warning(
                "Redis cache unreachable (%s on %s: %s); serving without it, throttles and "
                "rate limits fail open until it is back.",
                error.__class__.__name__,
                operation,
                error,
            )

    def _came_back(self) -> None:
        with _lock:
            was_down = bool(_down_until.get(self._location))
            _down_until[self._location] = 0.0
        if was_down:
            logger.warning("Redis cache reachable again.")

    def probe(self) -> str | None:
        """None when Redis answers a PING now, else the error's name (never raises)."""
        try:
            # django-stubs leaves out RedisCache's private `_cache` (its RedisCacheClient).
            self._cache.get_client(write=True).ping()  # type: ignore[attr-defined]
        except UNREACHABLE as error:
            self._went_down("ping", error)
            return error.__class__.__name__
        self._came_back()
        return None

    # ------------------------------------------------------------ the cache API

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        # True: callers take `add` as a lock (allauth's rate limits do) and must not wait
        # for one that can never be had; failing open means letting them through.
        return self._call("add", True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None) -> Any:
        return self._call("get", default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        return self._call("set", None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._call("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None) -> bool:
        return self._call("delete", False, super().delete, key, version)

    def get_many(self, keys, version=None) -> dict:
        return self._call("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None) -> bool:
        return self._call("has_key", False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None) -> int:
        missing = object()
        result = self._call("incr", missing, super().incr, key, delta, version)
        if result is missing:
            # What the cache API says of a key it does not hold.
            raise ValueError(f"Key '{key}' not found (the cache is unreachable).")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        return self._call("set_many", list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None) -> None:
        return self._call("delete_many", None, super().delete_many, keys, version)

    # RedisCache.clear returns the client's bool; django-stubs types it as BaseCache's None.
    def clear(self) -> bool:  # type: ignore[override]
        return self._call("clear", False, super().clear)
