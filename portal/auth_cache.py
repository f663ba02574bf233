"""The signed-in user's row kept in the process between requests, invalidated exactly
(issue 24: a bare signed-in view at ≥ 40 % of the anonymous one).

`portal.auth_backends` reads user + supplier membership + supplier + group names in one
query. Repeating that query on every request of the same user was most of what a
signed-in request cost beyond the session. Here the row (as the database sent it) is kept
per process, keyed by the user's pk and the *generation*: a random token in the cache
(`GENERATION_KEY`) that is replaced whenever anything in such a row changes. The session
store reads the generation together with the session, in the same `get_many` round trip
(`portal.sessions`), so a cached row costs no extra round trip and no query.

What replaces the generation (`changed`, connected in `PortalConfig.ready`): saving or
deleting a user, a group, a supplier membership or a supplier, adding or removing a user's
groups, and the services that change those rows with `QuerySet.update()` (which sends no
signal). A supplier saved with the values the database has (`saving` reads them first)
keeps it: a token replaced for nothing makes every signed-in user's next request read its
row again. So "a changed group, membership, supplier status or password takes effect on
the next request" holds as before. It is replaced twice: at once, and again when the
transaction commits, so a request that read the row between the change and its commit
(the old row, under the new token) cannot keep it.

Tokens, not counters: a cache that lost the key (Redis restarted, evicted) starts from a
new random token, never from a value an old row was stored under. Bounds: without a
generation (Redis unreachable, or `SESSION_CACHE_SECONDS = 0`) every request reads the
database, as before; a change made while Redis was unreachable (its new token lost) is
seen at the latest after `AUTH_USER_CACHE_SECONDS` (default 60), the age at which a kept
row is read again anyway; `AUTH_USER_CACHE_SECONDS = 0` turns this off, and is the default
without `REDIS_URL`: a process-local cache cannot carry a new generation to the other
processes (gunicorn workers) of the portal.

Each request gets its own model instances built from the kept row: nothing a view sets on
`request.user` reaches another request.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.exceptions import ValidationError
from django.db import transaction

GENERATION_KEY = "portal.auth.generation"
# Users kept per process (least recently used dropped first): a gunicorn worker serves
# far fewer people at a time; each row is a tuple of a few dozen columns.
MAX_USERS = 4096

# The generation read with this request's session and when, taken (once) by the backend.
_generation: ContextVar[tuple[str, float] | None] = ContextVar(
    "portal_auth_generation", default=None
)
# A generation older than this is not used: a session loaded outside a request (a shell, a
# task) must not lend an old token to a `get_user` much later in the same context.
FRESH_SECONDS = 5.0
_lock = threading.Lock()
# (database alias, user pk) → (generation, monotonic time stored, row).
_rows: OrderedDict[tuple[str, Any], tuple[str, float, tuple[Any, ...]]] = OrderedDict()


def _cache() -> BaseCache:
    return caches[settings.SESSION_CACHE_ALIAS]


def _max_age() -> float:
    return float(getattr(settings, "AUTH_USER_CACHE_SECONDS", 0))


def read_with_session(session_cache_key: str) -> Any:
    """The cached session data (None when missing) for `session_cache_key`, reading the
    generation in the same round trip and keeping it for this request's `get_user`."""
    found = _cache().get_many([session_cache_key, GENERATION_KEY])
    generation = found.get(GENERATION_KEY)
    data = found.get(session_cache_key)
    if generation is None and data is not None and _max_age() > 0:
        # No token yet (first start, a flushed or restarted Redis): make one. When another
        # process made it first, this request does without.
        token = uuid.uuid4().hex
        generation = token if _cache().add(GENERATION_KEY, token, None) else None
    _generation.set((generation, time.monotonic()) if isinstance(generation, str) else None)
    return data


def no_generation() -> None:
    """This request's user is read from the database (the session came without one)."""
    _generation.set(None)


def take_generation() -> str | None:
    """The generation read with this request's session, once: a second `get_user` in the
    same request, or one outside a request, reads the database."""
    read = _generation.get()
    if read is None:
        return None
    _generation.set(None)
    generation, read_at = read
    return generation if time.monotonic() - read_at <= FRESH_SECONDS else None


def kept_row(alias: str, pk: Any, generation: str) -> tuple[Any, ...] | None:
    """The row kept for the user under `generation`, unless older than the bound."""
    max_age = _max_age()
    if max_age <= 0:
        return None
    key = (alias, pk)
    with _lock:
        entry = _rows.get(key)
        if entry is None:
            return None
        kept_generation, stored_at, row = entry
        if kept_generation != generation or time.monotonic() - stored_at > max_age:
            del _rows[key]
            return None
        _rows.move_to_end(key)
    return row


def keep_row(alias: str, pk: Any, generation: str, row: tuple[Any, ...]) -> None:
    """Keep the row just read from the database under the generation read before it."""
    if _max_age() <= 0:
        return
    with _lock:
        _rows[(alias, pk)] = (generation, time.monotonic(), row)
        _rows.move_to_end((alias, pk))
        while len(_rows) > MAX_USERS:
            _rows.popitem(last=False)


def forget_all() -> None:
    """Drop every row kept by this process (tests; a process that wants a clean start)."""
    with _lock:
        _rows.clear()


def _new_generation() -> None:
    _cache().set(GENERATION_KEY, uuid.uuid4().hex, None)


# Set by `saving` on an instance whose save leaves the kept row as it was.
_ROW_UNCHANGED = "_auth_cache_row_unchanged"


def _same(field: Any, stored: Any, value: Any) -> bool:
    try:
        return field.to_python(value) == stored
    except ValidationError:
        return False  # the save itself will say what is wrong


def saving(
    sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **_: Any
) -> None:
    """pre_save of a supplier: whether the save leaves every column the kept row holds
    (all the supplier's columns: `portal.auth_backends` reads them all) as the database
    has it, read by primary key. Such a save (the same values saved again) must not
    replace the generation, which makes every signed-in user's next request read its row;
    any other does, in `changed`."""
    instance.__dict__[_ROW_UNCHANGED] = False
    if raw or instance._state.adding or instance.pk is None:
        return
    fields = [
        field
        for field in sender._meta.concrete_fields
        if update_fields is None or field.name in update_fields or field.attname in update_fields
    ]
    if any(getattr(field, "auto_now", False) for field in fields):
        return  # its value is set after this signal, always anew
    stored = (
        sender._base_manager.filter(pk=instance.pk)
        .values_list(*(field.attname for field in fields))
        .first()
    )
    instance.__dict__[_ROW_UNCHANGED] = stored is not None and all(
        _same(field, value, getattr(instance, field.attname))
        for field, value in zip(fields, stored, strict=True)
    )


def changed(**signal_arguments: Any) -> None:
    """A user, group, membership or supplier row changed: every kept row is stale.

    A signal receiver (any arguments) and the call the services make after an `update()`
    of those tables. The process's own rows are dropped at once too (the next request of
    this worker needs no round trip to notice). Not for the post_save of a save that
    `saving` found to change nothing."""
    instance = signal_arguments.get("instance")
    if signal_arguments.get("created") is False and instance.__dict__.pop(_ROW_UNCHANGED, False):
        return
    forget_all()
    _new_generation()
    transaction.on_commit(_new_generation)
