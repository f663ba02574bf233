"""Writes of the integration layer that every app shares."""

import uuid
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Max
from django.utils import timezone

from integrations.models import AuditEntry, Channel, Event


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def audit_record(
    *,
    actor,
    channel: str,
    obj: models.Model,
    action: str,
    before: dict | None = None,
    after: dict | None = None,
    correlation_id: str = "",
) -> AuditEntry:
    """Write the audit entry of one state change; call it inside the change's transaction."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        occurred_at=timezone.now(),
        actor=actor if is_user else None,
        actor_label=str(actor) if actor is not None else "system",
        channel=Channel(channel),
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action=action,
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
        correlation_id=correlation_id,
    )


def publish(
    *,
    event_type: str,
    aggregate_type: str,
    aggregate_id: str | int,
    data: dict,
    actor=None,
    channel: str = Channel.SYSTEM,
    version: int = 1,
    correlation_id: str = "",
) -> Event:
    """Store a canonical event in the caller's transaction (the outbox): a rolled-back
    business change leaves no event. Callers hold a lock on the aggregate's row, which
    keeps `sequence` gap-free per aggregate; the unique constraint is the backstop."""
    last = Event.objects.filter(
        aggregate_type=aggregate_type, aggregate_id=str(aggregate_id)
    ).aggregate(last=Max("sequence"))["last"]
    return Event.objects.create(
        id=uuid.uuid4(),
        type=event_type,
        version=version,
        occurred_at=timezone.now(),
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        sequence=(last or 0) + 1,
        correlation_id=correlation_id or new_correlation_id(),
        source_channel=Channel(channel),
        source_actor=str(actor) if actor is not None else "system",
        data=_jsonable(data),
    )
