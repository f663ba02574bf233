"""The Tryton pull of done stock moves (issue 22): receipts, put-aways, inventories,
internal shipments and returns since the connector's cursor, ingested as movement events
with source `erp` through `movements_ingest`, like the WMS's.

The ERP's events have no sequence of their own: the pull numbers each warehouse's new
events after the highest `erp` number already stored there, in the order Tryton did them,
under the cursor's row lock (two pulls at once take turns), so the stream has no gap. A
move already stored (the cursor's overlap re-reads a few) is left out before numbering.
So is a move the ingest would refuse (`movements_check`, the ingest's own rules: an item,
unit or transfer warehouse the portal lacks, a quantity that does not convert exactly):
a refused number would be a gap holding the warehouse's later events until it timed out
as a false "sequence gap" case. It is reported, saying what to add, read again on every
pull (the cursor's retry ids) and numbered on the pull it goes in.

A return to vendor made against a purchase line of a PO the portal imported from this
Tryton (same Tryton id and number) names that PO in `document_ref`, as a WMS's return
does, so that the PO's supplier sees it among its returns; the Tryton return's own
reference moves to `reason`. Its return shipment's party, when it is a portal supplier's
(`Supplier.erp_vendor_id`, unique: one supplier at most), names that supplier in
`supplier_code`, so that a return without a portal PO (no purchase origin, or a purchase
the portal never imported) is still shown to the supplier the goods went back to
(`StockMovePull.by_party`). A return whose shipment goes to another supplier than the
PO's, or without a PO and without a portal supplier's party, stays unlinked
(`StockMovePull.unlinked`): no supplier sees it.
"""

import datetime
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max

from integrations.connectors.tryton import cursors
from integrations.connectors.tryton.stock_moves import fetch_done_stock_moves
from integrations.models import Channel, Connector, ErpPullCursor
from inventory.models import InventoryMovement, Warehouse
from inventory.services.movements import (
    BATCH_LIMIT,
    MovementInput,
    RowError,
    movements_check,
    movements_ingest,
)
from suppliers.erp.tryton import _tryton
from suppliers.models import PurchaseOrder, Supplier

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
    # Returns to vendor recorded without a portal PO (no supplier sees them), and why.
    unlinked: list[str] = field(default_factory=list)
    # Returns to vendor without a portal PO shown to the supplier their party names.
    by_party: list[str] = field(default_factory=list)


def _next_numbers(codes: set[str]) -> dict[str, int]:
    """Warehouse code → the next `erp` sequence number there."""
    heads = dict(
        InventoryMovement.objects.filter(source=SOURCE, warehouse__code__in=codes)
        .values("warehouse__code")
        .annotate(last=Max("sequence"))
        .values_list("warehouse__code", "last")
    )
    return {code: (heads.get(code) or 0) + 1 for code in codes}


def _as_input(event: dict[str, Any], sequence: int) -> MovementInput:
    return MovementInput(
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


def _refusal(event: dict[str, Any], error: RowError) -> str:
    """The refusal of a move as the operator reads it: what to add so that it goes in."""
    eid = event["source_event_id"]
    then = "and the move goes in on the next pull."
    if error.field == "sku":
        return f"{eid}: item {event['sku']} is not in the portal; add it (Items import), {then}"
    if error.field == "uom":
        return (
            f"{eid}: unit {event['unit']} is not in the portal; add it or map it in the "
            f"connector's units, {then}"
        )
    if error.field in ("warehouse", "counterpart_warehouse"):
        code = event[error.field]
        return f"{eid}: warehouse {code} is not in the portal; add it, {then}"
    # The ingest's own words (a conversion says which one to add); read again until in.
    return f"{eid} ({event['sku']}): {error.field}: {error.message} It is read again on every pull."


def _link_returns(
    events: list[dict[str, Any]], *, prefix: str, report: StockMovePull
) -> list[dict[str, Any]]:
    """Returns to vendor against a purchase the portal imported: `document_ref` the PO's
    number, the Tryton return's reference in `reason`; and `supplier_code` the portal
    supplier the return shipment's party is (two queries)."""
    returns = [e for e in events if e["kind"] == InventoryMovement.Kind.RETURN_TO_VENDOR]
    wanted = {(e["purchase_erp_id"], prefix + e["purchase_number"]) for e in returns}
    orders = {
        (po.erp_id, po.number): po
        for po in PurchaseOrder.objects.filter(
            erp_id__in={erp_id for erp_id, _ in wanted if erp_id},
            number__in={number for _, number in wanted},
        ).select_related("supplier")
    }
    parties = {e["supplier_party"] for e in returns if e["supplier_party"]}
    suppliers = dict(
        Supplier.objects.filter(erp_vendor_id__in=parties).values_list("erp_vendor_id", "code")
    )
    linked = []
    for event in events:
        if event["kind"] != InventoryMovement.Kind.RETURN_TO_VENDOR:
            linked.append(event)
            continue
        po = orders.get((event["purchase_erp_id"], prefix + event["purchase_number"]))
        party = event["supplier_party"]
        named = f"{event['source_event_id']} ({event['document_ref']})"
        if po is not None and party and party != po.supplier.erp_vendor_id:
            # Shown to nobody rather than to a supplier the goods did not go back to.
            report.unlinked.append(
                f"{named}: returned to party {party}, but PO {po.number} is "
                f"{po.supplier.code}'s; no supplier sees it."
            )
        elif po is not None:
            event = {
                **event,
                "document_ref": po.number,
                "reason": event["document_ref"],
                "supplier_code": suppliers.get(party, ""),
            }
        elif party in suppliers:
            event = {**event, "supplier_code": suppliers[party]}
            report.by_party.append(
                f"{named}: no purchase line of a portal PO is its origin in Tryton; shown to "
                f"{suppliers[party]}, the supplier of its return shipment's party {party}."
            )
        elif party:
            report.unlinked.append(
                f"{named}: no purchase line of a portal PO is its origin in Tryton and its "
                f"return shipment's party {party} is no portal supplier's ERP vendor id; no "
                "supplier sees it."
            )
        else:
            report.unlinked.append(
                f"{named}: no purchase line of a portal PO is its origin in Tryton; no "
                "supplier sees it."
            )
        linked.append(event)
    return linked


def _name_suppliers(events: list[dict[str, Any]]) -> None:
    """Write `supplier_code` on the returns just stored: the ingest's set-based apply
    keeps the contract's columns only, and the code is no field of the contract (a WMS
    names no supplier party). Same transaction: never seen without it. One UPDATE per
    supplier named."""
    by_code: dict[str, list[str]] = {}
    for event in events:
        if event.get("supplier_code"):
            by_code.setdefault(event["supplier_code"], []).append(event["source_event_id"])
    for code, ids in sorted(by_code.items()):
        InventoryMovement.objects.filter(
            source=SOURCE, kind=InventoryMovement.Kind.RETURN_TO_VENDOR, source_event_id__in=ids
        ).update(supplier_code=code)


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
    new = _link_returns(new, prefix=impl.prefix, report=report)
    # Checked by the ingest's rules before numbering (any valid number will do here), so
    # that a refused event takes no number: a gap would hold the warehouse's later events.
    refused: set[str] = set()
    errors = movements_check([_as_input(event, 1) for event in new])
    for error in errors:
        event = new[error.row]
        refused.add(_move_id(event["source_event_id"]))  # read again on every pull
        report.errors.append(_refusal(event, error))
    failed = {error.row for error in errors}
    new = [event for index, event in enumerate(new) if index not in failed]
    numbers = _next_numbers({e["warehouse"] for e in new})
    rows = []
    for event in new:
        sequence = numbers[event["warehouse"]]
        numbers[event["warehouse"]] = sequence + 1
        rows.append(_as_input(event, sequence))
    for start in range(0, len(rows), BATCH_LIMIT):
        batch = rows[start : start + BATCH_LIMIT]
        result = movements_ingest(actor=None, rows=batch, channel=Channel.SYSTEM, now=now)
        report.recorded += result.recorded
        report.applied += result.applied
        for error in result.errors:
            # Checked above, so only a change since (in this transaction's time) lands
            # here: its number is a gap, but the move is read again, never lost.
            row = batch[error.row]
            refused.add(_move_id(row.source_event_id))
            report.errors.append(
                f"{row.source_event_id} ({row.sku}): {error.field}: {error.message}"
            )
    _name_suppliers(new)
    if report.errors:
        logger.warning("Tryton stock moves refused: %s", "; ".join(report.errors[:20]))
    if report.unlinked:
        logger.info("Tryton returns not linked to a PO: %s", "; ".join(report.unlinked[:20]))
    cursors.cursor_advance(cursor, stamp=stamp, read=len(events), retry_ids=sorted(refused))
    return report


def _move_id(source_event_id: str) -> str:
    """The Tryton stock.move id of an event id "stock.move:<id>[-suffix]"."""
    return re.match(r"stock\.move:(\d+)", source_event_id).group(1)  # type: ignore[union-attr]
