"""The Tryton pull of done stock moves (issue 22): receipts, put-aways, inventories,
internal shipments and returns since the connector's cursor, ingested as movement events
with source `erp` through `movements_ingest`, like the WMS's.

The ERP's events have no sequence of their own: the pull numbers each warehouse's new
events after the highest `erp` number already stored there, in the order Tryton did them,
under the cursor's row lock (two pulls at once take turns), so the stream has no gap. A
move already stored (the cursor's overlap re-reads a few) is left out before numbering.
A move of an item or unit the portal does not know is reported and left out before
numbering (a refused number would hold the warehouse's later events as a gap).
"""

import datetime
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from integrations.connectors.tryton import cursors
from integrations.connectors.tryton.stock_moves import fetch_done_stock_moves
from integrations.models import Channel, Connector, ErpPullCursor
from inventory.models import InventoryMovement, Item, UnitOfMeasure, Warehouse
from inventory.services.movements import BATCH_LIMIT, MovementInput, movements_ingest
from suppliers.erp.tryton import _tryton

logger = logging.getLogger(__name__)

STREAM = "stock_moves"
SOURCE = "erp"


@dataclass
class StockMovePull:
    read: int = 0
    recorded: int = 0
    applied: int = 0
    already: int = 0
    errors: list[str] = field(default_factory=list)


def _next_numbers(codes: set[str]) -> dict[str, int]:
    """Warehouse code → the next `erp` sequence number there."""
    heads = dict(
        InventoryMovement.objects.filter(source=SOURCE, warehouse__code__in=codes)
        .values("warehouse__code")
        .annotate(last=Max("sequence"))
        .values_list("warehouse__code", "last")
    )
    return {code: (heads.get(code) or 0) + 1 for code in codes}


@transaction.atomic
def tryton_stock_moves_pull(
    *, connector: Connector, now: datetime.datetime | None = None
) -> StockMovePull:
    """Pull the done stock moves changed since the cursor and ingest them; the cursor
    moves only when the whole pull went in (a ConnectorError leaves it)."""
    impl = _tryton(connector)
    cursors.cursor_for(connector, STREAM)
    cursor = ErpPullCursor.objects.select_for_update().get(connector=connector, stream=STREAM)
    since = cursors.since_for(cursor)
    codes = list(Warehouse.objects.order_by("code").values_list("code", flat=True))
    events, stamp = fetch_done_stock_moves(
        impl.client,
        warehouses=codes,
        since=since,
        uom_map=impl.uom_map,
        also_ids=[int(i) for i in cursor.retry_ids if str(i).isdigit()],
    )
    report = StockMovePull(read=len(events))
    stored = set(
        InventoryMovement.objects.filter(
            source=SOURCE, source_event_id__in=[e["source_event_id"] for e in events]
        ).values_list("source_event_id", flat=True)
    )
    new = [e for e in events if e["source_event_id"] not in stored]
    report.already = len(events) - len(new)
    # Refused before numbering, so that a refused row leaves no gap that would hold the
    # warehouse's later events: an item or unit the portal does not know.
    skus = set(Item.objects.filter(sku__in={e["sku"] for e in new}).values_list("sku", flat=True))
    units = set(
        UnitOfMeasure.objects.filter(code__in={e["uom"] or e["unit"] for e in new}).values_list(
            "code", flat=True
        )
    )
    refused: set[str] = set()
    for event in new:
        # Read again on every pull until the item or unit exists: never lost to the cursor.
        if event["sku"] not in skus:
            refused.add(_move_id(event["source_event_id"]))
            report.errors.append(
                f"{event['source_event_id']}: item {event['sku']} is not in the portal; add "
                "it (Items import), and the move goes in on the next pull."
            )
        elif (event["uom"] or event["unit"]) not in units:
            refused.add(_move_id(event["source_event_id"]))
            report.errors.append(
                f"{event['source_event_id']}: unit {event['unit']} is not in the portal; add "
                "it or map it in the connector's units, and the move goes in on the next pull."
            )
    new = [e for e in new if e["sku"] in skus and (e["uom"] or e["unit"]) in units]
    numbers = _next_numbers({e["warehouse"] for e in new})
    rows = []
    for event in new:
        sequence = numbers[event["warehouse"]]
        numbers[event["warehouse"]] = sequence + 1
        rows.append(
            MovementInput(
                source=SOURCE,
                source_event_id=event["source_event_id"],
                sequence=sequence,
                kind=event["kind"],
                occurred_at=event["occurred_at"],
                sku=event["sku"],
                warehouse=event["warehouse"],
                quantity=Decimal(event["quantity"]),
                uom=event["uom"] or event["unit"],
                reason=event["reason"],
                transfer_ref=event["transfer_ref"],
                counterpart_warehouse=event["counterpart_warehouse"],
                document_ref=event["document_ref"],
            )
        )
    for start in range(0, len(rows), BATCH_LIMIT):
        batch = rows[start : start + BATCH_LIMIT]
        result = movements_ingest(actor=None, rows=batch, channel=Channel.SYSTEM, now=now)
        report.recorded += result.recorded
        report.applied += result.applied
        report.errors += [
            f"{batch[e.row].source_event_id} ({batch[e.row].sku}): {e.field}: {e.message}"
            for e in result.errors
        ]
    if report.errors:
        logger.warning("Tryton stock moves refused: %s", "; ".join(report.errors[:20]))
    cursors.cursor_advance(cursor, stamp=stamp, read=len(events), retry_ids=sorted(refused))
    return report


def _move_id(source_event_id: str) -> str:
    """The Tryton stock.move id of an event id "stock.move:<id>[-suffix]"."""
    return re.match(r"stock\.move:(\d+)", source_event_id).group(1)  # type: ignore[union-attr]
