"""In-process subscribers to what the services announce: every published event, and the
few things worth telling people that are not events for other systems (a reminder sent,
a dispute message). The outbox carries events to connectors; this carries them to code in
the same process — the portal's notifications — without the services knowing who listens.

Subscribers run in the announcing transaction, so what they write rolls back with the
change; anything slow (e-mail) they must leave to after commit. They are registered at
start-up (an `AppConfig.ready()`), which keeps `integrations` free of imports of the apps.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Notice:
    type: str
    aggregate_type: str
    aggregate_id: str
    data: Mapping[str, Any] = field(default_factory=dict)


Subscriber = Callable[[Notice], None]

_subscribers: list[Subscriber] = []


def subscribe(handler: Subscriber) -> None:
    """Call `handler` with every notice from now on (once, however often registered)."""
    if handler not in _subscribers:
        _subscribers.append(handler)


def unsubscribe(handler: Subscriber) -> None:
    if handler in _subscribers:
        _subscribers.remove(handler)


def announce(
    type: str, aggregate_type: str, aggregate_id: str | int, data: Mapping[str, Any] | None = None
) -> None:
    """Tell every subscriber, in the caller's transaction."""
    notice = Notice(type, aggregate_type, str(aggregate_id), data or {})
    for handler in tuple(_subscribers):
        handler(notice)


# --- who wants a service's detailed e-mail now ---------------------------------------
# A few services e-mail the people concerned themselves, with details a notification
# does not carry (a decision's lines, a reminder). Whether a person wants that e-mail now
# or in the daily digest is the portal's preference; the portal registers the filter here,
# so the services ask without importing the portal.

RecipientFilter = Callable[[str, list[str]], list[str]]

_recipient_filters: list[RecipientFilter] = []


def filter_recipients(handler: RecipientFilter) -> None:
    """Register `handler(kind, emails) -> emails` (once, however often registered)."""
    if handler not in _recipient_filters:
        _recipient_filters.append(handler)


def recipients_now(kind: str, emails: list[str]) -> list[str]:
    """The addresses, of `emails`, that want a `kind` e-mail now (all when nobody filters)."""
    for handler in tuple(_recipient_filters):
        emails = handler(kind, emails)
    return emails
