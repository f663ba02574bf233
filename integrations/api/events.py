"""The events feed for pull consumers: `GET /api/v1/events?after=<cursor>`.

Events come in (occurred_at, id) order; the cursor is the position of the last event
returned. Which events a key may see is decided by the caller (`visible` queryset): a
supplier's key sees its own documents' events only, so the owning app filters them.
"""

import base64
import binascii
import datetime
import uuid
from typing import Any

from django.db.models import Q, QuerySet
from rest_framework import exceptions, serializers

from integrations.models import Event

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


def encode_cursor(event: Event) -> str:
    raw = f"{event.occurred_at.isoformat()}|{event.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime.datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        occurred, _, event_id = base64.urlsafe_b64decode(padded).decode().partition("|")
        return datetime.datetime.fromisoformat(occurred), uuid.UUID(event_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise exceptions.ValidationError(
            {"after": ["Not a cursor from this feed: pass the next_cursor of the last page."]}
        ) from None


def events_after(visible: QuerySet[Event], *, after: str | None, limit: int) -> list[Event]:
    queryset = visible.order_by("occurred_at", "id")
    if after:
        occurred_at, event_id = decode_cursor(after)
        queryset = queryset.filter(
            Q(occurred_at__gt=occurred_at) | Q(occurred_at=occurred_at, id__gt=event_id)
        )
    return list(queryset[:limit])


class EventsQuerySerializer(serializers.Serializer[Any]):
    after = serializers.CharField(required=False, help_text="next_cursor of the previous page.")
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT
    )
    type = serializers.CharField(required=False, help_text="Only events of this type.")


class EventSourceOutput(serializers.Serializer[Any]):
    channel = serializers.CharField()
    actor = serializers.CharField()


class EventAggregateOutput(serializers.Serializer[Any]):
    type = serializers.CharField()
    id = serializers.CharField()


class EventOutput(serializers.Serializer[Any]):
    """The canonical envelope (DESIGN §5); `data` follows the JSON Schema of type+version."""

    id = serializers.UUIDField()
    type = serializers.CharField()
    version = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    aggregate = EventAggregateOutput()
    sequence = serializers.IntegerField()
    correlation_id = serializers.CharField()
    # Declared fields named like Field.source and Serializer.data: django-stubs sees them
    # shadow those attributes; at run time the metaclass takes them out of the class.
    source = EventSourceOutput()  # type: ignore[assignment]
    data = serializers.JSONField()  # type: ignore[assignment]
    schema_url = serializers.CharField(help_text="The JSON Schema of this type and version.")


class EventsPageOutput(serializers.Serializer[Any]):
    results = EventOutput(many=True)
    next_cursor = serializers.CharField(
        allow_null=True,
        help_text="Pass as `after` for the next page (the same cursor when nothing is new).",
    )


def events_page(events: list[Event], *, after: str | None) -> dict[str, Any]:
    return {
        "results": [
            {
                **event.envelope(),
                "schema_url": f"/api/v1/event-schemas/{event.type}.v{event.version}.json",
            }
            for event in events
        ],
        # An empty page hands the same cursor back: poll again with it later.
        "next_cursor": encode_cursor(events[-1]) if events else after,
    }
