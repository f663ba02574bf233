"""Audit entries and the outbox's front door, `publish()`."""

import logging
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Max
from django.utils import timezone
from kombu.exceptions import OperationalError

from integrations.contracts import validate_envelope
from integrations.correlation import current_correlation_id
from integrations.models import AuditEntry, Channel, Connector, Delivery, Event
from integrations.services.notices import announce
from integrations.worker import task_named
from portal.access import Actor, actor_user

logger = logging.getLogger(__name__)

_M = TypeVar("_M", bound=models.Model)


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
    actor: Actor,
    channel: str,
    obj: models.Model,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    correlation_id: str = "",
) -> AuditEntry:
    """Write the audit entry of one state change; call it inside the change's transaction."""
    return AuditEntry.objects.create(
        occurred_at=timezone.now(),
        actor=actor_user(actor),
        actor_label=str(actor) if actor is not None else "system",
        channel=Channel(channel),
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action=action,
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
        correlation_id=correlation_id or current_correlation_id(),
    )


def audit_update(
    *,
    actor: Actor,
    channel: str,
    obj: _M,
    values: Mapping[str, Any],
    snapshot: Callable[[_M], dict[str, Any]],
) -> list[str]:
    """Set `values` on `obj`, save the fields that changed and audit them (before and
    after of those fields only, as `snapshot` renders them). Nothing changed: nothing is
    saved or written. Returns the changed names; call it inside the change's transaction."""
    before = snapshot(obj)
    for name, value in values.items():
        setattr(obj, name, value)
    after = snapshot(obj)
    changed = [name for name in after if after[name] != before[name]]
    if changed:
        obj.save(update_fields=[name for name in values if name in changed])
        audit_record(
            actor=actor,
            channel=channel,
            obj=obj,
            action="updated",
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    return changed


def publish(
    *,
    event_type: str,
    aggregate_type: str,
    aggregate_id: str | int,
    data: dict[str, Any],
    actor: Actor = None,
    channel: str = Channel.SYSTEM,
    version: int = 1,
    correlation_id: str = "",
) -> Event:
    """Store a canonical event and one delivery per subscribed connector in the caller's
    transaction (the outbox): a rolled-back business change leaves neither.

    The envelope is validated against `integrations/schemas/<type>.v<version>.json` first;
    an unknown type or a payload that breaks its contract raises `EventContractError`.
    Callers hold a lock on the aggregate's row, which keeps `sequence` gap-free per
    aggregate; the unique constraint is the backstop. After commit, one Celery task per
    delivery starts dispatch; if the broker is unreachable the beat sweeper catches up.
    """
    aggregate_id = str(aggregate_id)
    last = Event.objects.filter(aggregate_type=aggregate_type, aggregate_id=aggregate_id).aggregate(
        last=Max("sequence")
    )["last"]
    event = Event(
        id=uuid.uuid4(),
        type=event_type,
        version=version,
        occurred_at=timezone.now(),
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        sequence=(last or 0) + 1,
        correlation_id=correlation_id or current_correlation_id() or new_correlation_id(),
        source_channel=Channel(channel),
        source_actor=str(actor) if actor is not None else "system",
        data=_jsonable(data),
    )
    validate_envelope(event.envelope())
    event.save(force_insert=True)
    announce(event.type, event.aggregate_type, event.aggregate_id, event.data)
    deliveries = _create_deliveries(event)
    pending = [d for d in deliveries if d.status == Delivery.Status.PENDING]
    if pending:
        _enqueue_on_commit(pending)
    return event


def _enqueue_on_commit(deliveries: list[Delivery]) -> None:
    """After commit, one task per connector that got a delivery: each task drains its
    connector's whole queue, so in a transaction publishing one event this is one task per
    delivery, and a bulk import of thousands of events does not queue thousands of tasks
    that would find nothing left to do. The first callback to run after commit sends them
    all; the others find the list empty. Tasks are idempotent, so an id left over from a
    rolled-back savepoint only costs a no-op (the sweeper sends what it left waiting)."""
    connection = transaction.get_connection()
    pending = connection.__dict__.get("_outbox_pending")
    if pending is None or not any(
        isinstance(callback, _OutboxFlush) for _ids, callback, _robust in connection.run_on_commit
    ):
        # No flush of ours is still waiting: what is there was left by a transaction that
        # rolled back (its callbacks were dropped), and its ids name no delivery.
        pending = connection.__dict__["_outbox_pending"] = {}
    for delivery in deliveries:
        # The newest id per connector: an older one may belong to a rolled-back savepoint.
        pending[delivery.connector_id] = delivery.pk

    transaction.on_commit(_OutboxFlush(connection), robust=True)


class _OutboxFlush:
    """The after-commit callback that queues what `_enqueue_on_commit` collected on the
    connection; its class tells a pending flush of ours among the connection's callbacks."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    def __call__(self) -> None:
        batch = self.connection.__dict__.pop("_outbox_pending", {})
        if batch:
            enqueue_deliveries(list(batch.values()))


def _create_deliveries(event: Event) -> list[Delivery]:
    connectors = [
        connector
        for connector in Connector.objects.filter(enabled=True).only("id", "event_types")
        if connector.subscribes_to(event.type)
    ]
    if not connectors:
        return []
    aggregate_key = f"{event.aggregate_type}:{event.aggregate_id}"
    # A document whose earlier delivery is dead stays held back (per-document order).
    held = set(
        Delivery.objects.filter(
            connector__in=connectors,
            aggregate_key=aggregate_key,
            status__in=(Delivery.Status.DEAD, Delivery.Status.BLOCKED),
        ).values_list("connector_id", flat=True)
    )
    now = event.occurred_at
    return Delivery.objects.bulk_create(
        Delivery(
            event=event,
            connector=connector,
            aggregate_key=aggregate_key,
            sequence=event.sequence,
            status=Delivery.Status.BLOCKED if connector.pk in held else Delivery.Status.PENDING,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        for connector in connectors
    )


def enqueue_deliveries(delivery_ids: list[int]) -> int:
    """Queue one dispatch task per delivery; returns how many were queued. Runs after
    commit. A broker outage is not an error here: the deliveries are safely stored and
    the sweeper sends them, so we log and move on instead of failing the user's request."""
    deliver = task_named("integrations.deliver")
    app = deliver.app
    if app.conf.task_always_eager:  # the embedded demo: deliver in-process, now
        for delivery_id in delivery_ids:
            deliver.apply_async((delivery_id,))
        return len(delivery_ids)
    queued = 0
    try:
        # No connection retries and retry=False: a broker outage costs the user's request
        # a refused connection (milliseconds), not kombu's default back-off (seconds).
        with app.connection_for_write(transport_options={"max_retries": 0}) as connection:
            for delivery_id in delivery_ids:
                # celery-types omits `connection`, which Celery.send_task takes and uses.
                deliver.apply_async(  # type: ignore[call-arg]
                    (delivery_id,), connection=connection, retry=False
                )
                queued += 1
    except OperationalError as error:
        logger.warning(
            "Broker unreachable, %d deliveries left to the sweeper: %s",
            len(delivery_ids) - queued,
            error,
        )
    return queued
