"""Sessions in PostgreSQL, read through the cache (issue 24), with a short cache lifetime.

Django's `cached_db` engine writes every session to the database and the cache, and reads
the cache first: a signed-in request no longer costs a session query. The database stays
the record (issue 18): with Redis unreachable the fail-open cache answers a miss and the
session is read from the database, so nobody is signed out by an outage.

What `cached_db` alone would get wrong: a session changed or ended (logout) while Redis is
unreachable leaves the copy Redis had before, and that copy comes back to life with Redis,
for as long as the session's own lifetime (two weeks). Here a cached copy lives at most
`SESSION_CACHE_SECONDS` (default 300): after that it is read again from the database. So
a logout during an outage holds for everyone within that bound; with Redis up it holds at
once (the logout deletes the cached copy). `SESSION_CACHE_SECONDS = 0` turns the cache off
(every request reads the database, as before).

The same cache round trip reads the generation of the signed-in users' rows kept per
process (`portal.auth_cache`): a signed-in request then needs no query at all.
"""

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db

from portal import auth_cache


class SessionStore(cached_db.SessionStore):
    cache_key_prefix = "portal.sessions."

    def _cache_seconds(self, expiry_age: int) -> int:
        return max(0, min(expiry_age, settings.SESSION_CACHE_SECONDS))

    def load(self) -> dict[str, Any]:
        if settings.SESSION_CACHE_SECONDS <= 0:
            auth_cache.no_generation()
            return self._load_from_database()
        try:
            data = auth_cache.read_with_session(self.cache_key)
        except Exception:  # noqa: BLE001 - Django's own: a key the backend refuses is a miss
            auth_cache.no_generation()
            data = None
        if data is not None:
            return data
        return self._load_from_database(cache=True)

    def _load_from_database(self, *, cache: bool = False) -> dict[str, Any]:
        stored = self._get_session_from_db()  # type: ignore[attr-defined]
        if not stored:
            return {}
        data: dict[str, Any] = self.decode(stored.session_data)
        if cache:
            seconds = self._cache_seconds(self.get_expiry_age(expiry=stored.expire_date))
            self._cache.set(self.cache_key, data, seconds)  # type: ignore[attr-defined]
        return data

    def save(self, must_create: bool = False) -> None:
        # The database first (the record); then the cache, whose failure is a miss later.
        super(cached_db.SessionStore, self).save(must_create)
        if settings.SESSION_CACHE_SECONDS > 0:
            seconds = self._cache_seconds(self.get_expiry_age())
            self._cache.set(self.cache_key, self._session, seconds)  # type: ignore[attr-defined]
