"""Counts (any small value computed from the database) kept exact between the writes that
change them, under a *version* in the shared cache (issue 24).

One helper for every such count (the PO lists', the unread badge's, the inbound
schedule's): each *scope* (a supplier's purchase orders, every purchase order, ...) has a version in
the shared cache, a random token that every writer of what the scope counts replaces
(`changed`), at once and again when its transaction commits. A reader reads the token
first, then counts, and stores the count under that token, in the shared cache (for the
other processes) and in its own process (the next read costs one cache round trip and no
query until the token changes). A count taken before a commit can therefore only be stored
under a token the commit replaces. Tokens, not counters: a cache that lost a key (Redis
restarted, evicted) starts from a new token, never from one an old count was kept under.

Bounds: counts are kept only when the cache is shared by every process of the portal
(`REDIS_URL` set; the scope's setting overrides, 0 turns it off): a process-local cache
cannot tell the other gunicorn workers of a change. Without a token (Redis unreachable)
every read counts. A change made while Redis was unreachable (its new token lost) is seen
at the latest after the setting's seconds (default 300), the age at which a kept count is
counted again anyway. Inside a transaction of its own (not a test's wrapper) a read always
counts and stores nothing: it may see its own uncommitted writes, which a rollback would
leave behind under the token its writes made.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction

T = TypeVar("T")

# Counts kept per process (least recently used dropped first).
MAX_KEPT = 4096
DEFAULT_SECONDS = 300.0


def in_own_transaction(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether this connection is inside an atomic block that is not a test's wrapper."""
    blocks = connections[using].atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


class VersionedCounts:
    """Values computed by the caller, kept under their scope's version (module docstring).
    `setting` names the Django setting of the seconds a kept count may live (0: off)."""

    def __init__(self, prefix: str, *, setting: str) -> None:
        self._prefix = prefix
        self._setting = setting
        self._lock = threading.Lock()
        # (scope, part) → (token, wall time counted, value)
        self._kept: OrderedDict[tuple[str, str], tuple[str, float, Any]] = OrderedDict()

    def cache_seconds(self) -> float:
        """How long a kept count may be used without its token changing; 0: not kept."""
        seconds = getattr(settings, self._setting, None)
        if seconds is None:
            return DEFAULT_SECONDS if getattr(settings, "REDIS_URL", "") else 0.0
        return float(seconds)

    def version_key(self, scope: str) -> str:
        return f"{self._prefix}:{_database()}:version:{scope}"

    def _value_key(self, scope: str, token: str, part: str) -> str:
        digest = hashlib.sha256(part.encode()).hexdigest()[:32]
        return f"{self._prefix}:{_database()}:value:{scope}:{token}:{digest}"

    def _token(self, scope: str) -> str | None:
        key = self.version_key(scope)
        token = cache.get(key)
        if token is None:
            # No version yet (first read, a flushed or restarted Redis): make one; when
            # another process made it first, read theirs.
            token = uuid.uuid4().hex
            if not cache.add(key, token, None):
                token = cache.get(key)
        return token if isinstance(token, str) else None

    def get(
        self,
        scope: str,
        part: str,
        compute: Callable[[], T],
        *,
        still_valid: Callable[[T], bool] | None = None,
        using: str = DEFAULT_DB_ALIAS,
    ) -> T:
        """`compute()` for (`scope`, `part`), or the value kept for them under the scope's
        current version (and accepted by `still_valid`, for values that also age with the
        clock): exact, a write is seen by the next read after it."""
        values = self.get_many(scope, {part: compute}, still_valid=still_valid, using=using)
        value: T = values[part]
        return value

    def get_many(
        self,
        scope: str,
        computes: dict[str, Callable[[], Any]],
        *,
        still_valid: Callable[[Any], bool] | None = None,
        using: str = DEFAULT_DB_ALIAS,
    ) -> dict[str, Any]:
        """`get` of several parts of one scope ({part: compute}), reading its version once."""
        seconds = self.cache_seconds()
        if seconds <= 0 or in_own_transaction(using):
            return {part: compute() for part, compute in computes.items()}
        token = self._token(scope)
        if token is None:
            # Redis unreachable: count
            return {part: compute() for part, compute in computes.items()}
        return {
            part: self._kept_or_counted(scope, part, compute, token, seconds, still_valid)
            for part, compute in computes.items()
        }

    def _kept_or_counted(
        self,
        scope: str,
        part: str,
        compute: Callable[[], Any],
        token: str,
        seconds: float,
        still_valid: Callable[[Any], bool] | None,
    ) -> Any:
        now = time.time()
        kept_key = (scope, part)
        with self._lock:
            kept = self._kept.get(kept_key)
        if (
            kept is not None
            and kept[0] == token
            and now - kept[1] <= seconds
            and (still_valid is None or still_valid(kept[2]))
        ):
            with self._lock:
                if kept_key in self._kept:
                    self._kept.move_to_end(kept_key)
            return kept[2]
        value_key = self._value_key(scope, token, part)
        shared = cache.get(value_key)
        if (
            isinstance(shared, tuple)
            and len(shared) == 2
            and now - shared[0] <= seconds
            and (still_valid is None or still_valid(shared[1]))
        ):
            counted_at, value = shared
        else:
            # Counted after the token was read: a write after that read replaced it.
            counted_at, value = now, compute()
            cache.set(value_key, (counted_at, value), timeout=seconds)
        with self._lock:
            self._kept[kept_key] = (token, counted_at, value)
            self._kept.move_to_end(kept_key)
            while len(self._kept) > MAX_KEPT:
                self._kept.popitem(last=False)
        return value

    def changed(self, scopes: Iterable[str]) -> None:
        """What these scopes count changed (or may have): replace their versions at once
        and again on commit. Every writer of what is counted calls it."""
        keys = sorted({self.version_key(scope) for scope in scopes})
        if not keys or self.cache_seconds() <= 0:
            return
        _replace(keys)
        transaction.on_commit(lambda: _replace(keys))

    def forget_all(self) -> None:
        """Drop every count kept by this process (tests)."""
        with self._lock:
            self._kept.clear()


@functools.cache
def _database() -> str:
    # The database counted, in every key: a Redis shared by two databases (a staging copy,
    # benchmarks and tests on one server) must never hand one database's counts to the
    # other, whose rows have the same ids.
    settings_dict = connections[DEFAULT_DB_ALIAS].settings_dict
    name = (
        f"{settings_dict.get('HOST', '')}:{settings_dict.get('PORT', '')}/{settings_dict['NAME']}"
    )
    return hashlib.sha256(name.encode()).hexdigest()[:12]


def _replace(keys: list[str]) -> None:
    cache.set_many({key: uuid.uuid4().hex for key in keys}, None)
