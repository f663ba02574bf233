"""The header's unread-notification badge, kept exact between the writes that change it
(issue 24): every signed-in page shows it, and it was a COUNT on each page.

Each user is a scope of `integrations/versioned_counts.py`: a version in the shared cache
that every write changing that user's count replaces (`changed`), at once and again when
its transaction commits; a reader takes the version first, then counts, and keeps the
count under it. The next page of the same user costs one cache round trip and no query
until the version changes. Kept only when the cache is shared by every process of the
portal (`REDIS_URL`; `NOTIFICATION_COUNT_CACHE_SECONDS` overrides, 0 turns it off); with
Redis unreachable every page counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from integrations.versioned_counts import VersionedCounts

_PART = "unread"


class UnreadCounts:
    """`count(user_id)`, kept per user under the user's version (module docstring)."""

    def __init__(self, count: Callable[[int], int], *, prefix: str = "portal.unread") -> None:
        self._count = count
        self.counts = VersionedCounts(prefix, setting="NOTIFICATION_COUNT_CACHE_SECONDS")

    @staticmethod
    def scope(user_id: int) -> str:
        return str(user_id)

    def get(self, user_id: int) -> int:
        """The user's count: exact (a write is seen by the next read after it)."""
        return int(self.counts.get(self.scope(user_id), _PART, lambda: self._count(user_id)))

    def changed(self, user_ids: Iterable[int]) -> None:
        """These users' counts changed (or may have): replace their versions at once and
        again on commit. Every writer of what is counted calls it."""
        self.counts.changed(self.scope(user_id) for user_id in set(user_ids))

    def forget_all(self) -> None:
        """Drop every count kept by this process (tests)."""
        self.counts.forget_all()
