"""Builders for the movement tests: events as a channel hands them to the service."""

import datetime
from decimal import Decimal

from inventory.models import LivePosition
from inventory.services.movements import MovementBatchResult, MovementInput, movements_ingest

T0 = datetime.datetime(2026, 3, 3, 8, 0, tzinfo=datetime.UTC)


def at(minutes: int) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def event(
    sequence: int,
    kind: str,
    quantity: str | int,
    *,
    sku: str = "A",
    warehouse: str = "DC1",
    source: str = "wms:DC1",
    minute: int | None = None,
    uom: str = "EA",
    **extra: str,
) -> MovementInput:
    """Event number `sequence` of `source`, occurring `minute` minutes after T0 (by
    default its sequence number: the stream's own order)."""
    return MovementInput(
        source=source,
        source_event_id=extra.pop("event_id", f"{source}-{sequence}"),
        sequence=sequence,
        kind=kind,
        occurred_at=at(sequence if minute is None else minute),
        sku=sku,
        warehouse=warehouse,
        quantity=Decimal(quantity),
        uom=uom,
        **extra,
    )


def send(*events: MovementInput, minute: int = 500, **kwargs) -> MovementBatchResult:
    """Ingest a batch received `minute` minutes after T0."""
    return movements_ingest(actor=None, rows=list(events), now=at(minute), **kwargs)


def figures(sku: str = "A", warehouse: str = "DC1") -> dict[str, Decimal]:
    position = LivePosition.objects.filter(item__sku=sku, warehouse__code=warehouse).first()
    if position is None:
        return {}
    return {
        "received": position.received,
        "quality_hold": position.quality_hold,
        "available": position.available,
        "in_transit": position.in_transit,
    }


def expect(received=0, quality_hold=0, available=0, in_transit=0) -> dict[str, Decimal]:
    return {
        "received": Decimal(received),
        "quality_hold": Decimal(quality_hold),
        "available": Decimal(available),
        "in_transit": Decimal(in_transit),
    }
