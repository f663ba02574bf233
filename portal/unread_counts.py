"""A per-user count kept exact between the writes that change it (issue 24): the header's
unread-notification badge, which every signed-in page shows, was a COUNT on each page.

Each user has a *version* in the shared cache: a random token that every write changing
that user's count replaces (`changed`), at once and again when the transaction commits,
so a reader that counted between the write and its commit (the old rows, under the
at-once token) cannot keep its count. A reader reads the token first, then counts, and
keeps the count in its process under that token: the next page of the same user costs one
cache round trip and no query until the token changes. Tokens, not counters: a cache that
lost a key (Redis restarted, evicted) starts from a new token, never from one an old count
was kept under.

Bounds: the counts are kept only when the cache is shared by every process of the portal
(`REDIS_URL` set; `NOTIFICATION_COUNT_CACHE_SECONDS` overrides, 0 turns it off) — a
process-local cache cannot tell the other gunicorn workers of a change. Without a token
(Redis unreachable) every page counts. A change made while Redis was unreachable (its new
token lost) is seen at the latest after `NOTIFICATION_COUNT_CACHE_SECONDS` (default 300),
the age at which a kept count is read again anyway.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

# Users kept per process (least recently used dropped first); an entry is a few dozen bytes.
MAX_USERS = 4096


def cache_seconds() -> float:
    """How long a kept count may be used without its token changing; 0: not kept."""
    seconds = getattr(settings, "NOTIFICATION_COUNT_CACHE_SECONDS", None)
    if seconds is None:
        return 300.0 if getattr(settings, "REDIS_URL", "") else 0.0
    return float(seconds)


class UnreadCounts:
    """`count(user_id)` kept per process under the user's version (module docstring)."""

    def __init__(self, count: Callable[[int], int], *, prefix: str = "portal.unread") -> None:
        self._count = count
        self._prefix = prefix
        self._lock = threading.Lock()
        # user id → (token, monotonic time counted, count)
        self._kept: OrderedDict[int, tuple[str, float, int]] = OrderedDict()

    def _key(self, user_id: int) -> str:
        return f"{self._prefix}:{user_id}"

    def get(self, user_id: int) -> int:
        """The user's count: exact (a write is seen by the next read after it)."""
        seconds = cache_seconds()
        if seconds <= 0:
            return self._count(user_id)
        key = self._key(user_id)
        token = cache.get(key)
        if token is None:
            # No version yet (first read, a flushed or restarted Redis): make one; when
            # another process made it first, read theirs.
            token = uuid.uuid4().hex
            if not cache.add(key, token, None):
                token = cache.get(key)
        if not isinstance(token, str):
            return self._count(user_id)  # Redis unreachable: count
        with self._lock:
            kept = self._kept.get(user_id)
            if kept is not None and kept[0] == token and time.monotonic() - kept[1] <= seconds:
                self._kept.move_to_end(user_id)
                return kept[2]
        # Counted after the token was read: a write after this read replaces the token.
        count = self._count(user_id)
        with self._lock:
            self._kept[user_id] = (token, time.monotonic(), count)
            self._kept.move_to_end(user_id)
            while len(self._kept) > MAX_USERS:
                self._kept.popitem(last=False)
        return count

    def changed(self, user_ids: Iterable[int]) -> None:
        """These users' counts changed (or may have): replace their versions at once and
        again on commit. Every writer of what is counted calls it."""
        ids = set(user_ids)
        if not ids or cache_seconds() <= 0:
            return
        keys = [self._key(user_id) for user_id in ids]
        with self._lock:
            for user_id in ids:
                self._kept.pop(user_id, None)
        self._replace(keys)
        transaction.on_commit(lambda: self._replace(keys))

    def forget_all(self) -> None:
        """Drop every count kept by this process (tests)."""
        with self._lock:
            self._kept.clear()

    @staticmethod
    def _replace(keys: list[str]) -> None:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, None)
