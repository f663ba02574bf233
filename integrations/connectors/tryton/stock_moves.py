"""Done stock moves from Tryton since a cursor, as canonical movement events (issue 22):
plain dicts with the fields of `inventory.movement.v1` but the sequence number, which the
domain side gives per warehouse when it ingests them with source `erp` (this package
imports no domain app).

A move is classified by where it goes, in warehouse terms (a location belongs to the
warehouse it is under, through its parents):

- supplier → warehouse: a receipt (into the warehouse's input location);
- the warehouse's input location → elsewhere in the same warehouse: a put-away;
- lost and found → warehouse, or the reverse: an adjustment (an inventory's gain or
  loss, signed), reason "Tryton inventory";
- warehouse → supplier: a return to vendor; customer → warehouse: a customer return;
- warehouse A → a location outside every warehouse (the transit location of an internal
  shipment): a transfer out of A to the shipment's destination; transit → warehouse B:
  the transfer in at B from the shipment's origin; A → B directly: both.
  The transfer reference is the internal shipment's number.

The document reference names the shipment's type and number ("supplier shipment 12"):
each type of shipment numbers from 1 in Tryton. A return to vendor also carries what links
it to the supplier's purchase (its move's origin, `purchase.line,<id>`: the purchase's
Tryton id and number) and the return shipment's supplier (party code): the domain side
maps them to the portal PO, whose supplier then sees the return.

Other done moves (deliveries to customers, production, moves inside a warehouse) are no
movement kind the portal keeps, and are left out. A move's time is its `write_date` (when
it went done: Tryton keeps only a date in `effective_date`), naive UTC as Tryton's stamps.
"""

import datetime
from decimal import Decimal
from typing import Any

from integrations.connectors.tryton.client import TrytonClient
from integrations.connectors.tryton.effects import decimal as _decimal

MOVE_FIELDS = [
    "id",
    "product.code",
    "quantity",
    "unit.symbol",
    "from_location",
    "to_location",
    "shipment",
    "origin",
    "write_date",
    "create_date",
]
REASON_INVENTORY = "Tryton inventory"
SHIPMENT_LABELS = {
    "stock.shipment.in": "supplier shipment",
    "stock.shipment.in.return": "supplier return",
    "stock.shipment.out.return": "customer return",
    "stock.shipment.internal": "internal shipment",
}


class _Locations:
    """Every location's type and warehouse (by code: the nearest warehouse above it),
    and each warehouse's input location."""

    def __init__(self, client: TrytonClient) -> None:
        rows = client.search_read(
            "stock.location", [], ["id", "type", "code", "parent", "input_location"]
        )
        by_id = {row["id"]: row for row in rows}
        self.type = {row["id"]: row["type"] for row in rows}
        self.inputs = {row["input_location"] for row in rows if row.get("input_location")}
        self.warehouse: dict[int, str] = {}
        for row in rows:
            seen: set[int] = set()
            current: dict[str, Any] | None = row
            while current is not None and current["id"] not in seen:
                if current["type"] == "warehouse":
                    self.warehouse[row["id"]] = current["code"] or ""
                    break
                seen.add(current["id"])
                current = by_id.get(current.get("parent") or 0)


def _shipment_documents(
    client: TrytonClient, moves: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """ "model,id" → the shipment's number and, for an internal one, its two ends."""
    by_model: dict[str, set[int]] = {}
    for move in moves:
        if move.get("shipment"):
            model, _, ident = move["shipment"].partition(",")
            by_model.setdefault(model, set()).add(int(ident))
    documents: dict[str, dict[str, Any]] = {}
    for model, ids in by_model.items():
        fields = ["id", "number"]
        if model == "stock.shipment.internal":
            fields += ["from_location", "to_location"]
        elif model == "stock.shipment.in.return":
            fields += ["supplier.code"]
        for row in client.read(model, sorted(ids), fields):
            documents[f"{model},{row['id']}"] = row
    return documents


def _purchases_of(
    client: TrytonClient, moves: list[dict[str, Any]], places: _Locations
) -> dict[int, tuple[str, str]]:
    """Purchase line id → (the purchase's Tryton id, its number), for the moves to a
    supplier (returns to vendor) made against a purchase line."""
    line_ids = sorted(
        {
            int(move["origin"].partition(",")[2])
            for move in moves
            if places.type.get(move["to_location"]) == "supplier"
            and (move.get("origin") or "").startswith("purchase.line,")
        }
    )
    if not line_ids:
        return {}
    purchase_of = {
        row["id"]: row["purchase"] for row in client.read("purchase.line", line_ids, ["purchase"])
    }
    numbers = {
        row["id"]: row["number"] or ""
        for row in client.read("purchase.purchase", sorted(set(purchase_of.values())), ["number"])
    }
    return {line: (str(purchase), numbers[purchase]) for line, purchase in purchase_of.items()}


def fetch_done_stock_moves(
    client: TrytonClient,
    *,
    warehouses: list[str],
    since: datetime.datetime | None,
    uom_map: dict[str, str],
    also_ids: list[int] | None = None,
) -> tuple[list[dict[str, Any]], datetime.datetime | None]:
    """The done moves changed since `since` (naive UTC; None: all), and the moves
    `also_ids` a previous pull refused, that touch one of `warehouses` (codes), as events
    oldest first, and the newest stamp read (the cursor's next position)."""
    domain: list[Any] = [("state", "=", "done")]
    if since is not None:
        domain.append(
            [
                "OR",
                ("write_date", ">", since),
                ("create_date", ">", since),
                ("id", "in", also_ids or []),
            ]
        )
    moves = client.search_read("stock.move", domain, MOVE_FIELDS, order=[["id", "ASC"]])
    stamp: datetime.datetime | None = None
    for move in moves:
        moved = move.get("write_date") or move.get("create_date")
        if moved and (stamp is None or moved > stamp):
            stamp = moved
    if not moves:
        return [], stamp
    places = _Locations(client)
    documents = _shipment_documents(client, moves)
    purchases = _purchases_of(client, moves, places)
    wanted = set(warehouses)
    events = []
    for move in moves:
        for event in _events(move, places, documents, purchases, uom_map):
            if event["warehouse"] in wanted:
                events.append(event)
    events.sort(key=lambda e: (e["occurred_at"], e["source_event_id"]))
    return events, stamp


def _events(
    move: dict[str, Any],
    places: _Locations,
    documents: dict[str, dict[str, Any]],
    purchases: dict[int, tuple[str, str]],
    uom_map: dict[str, str],
) -> list[dict[str, Any]]:
    source, target = move["from_location"], move["to_location"]
    from_type, to_type = places.type.get(source), places.type.get(target)
    from_wh, to_wh = places.warehouse.get(source, ""), places.warehouse.get(target, "")
    document = documents.get(move.get("shipment") or "", {})
    number = document.get("number") or ""
    # Each shipment type numbers from 1: the reference names the type.
    label = SHIPMENT_LABELS.get((move.get("shipment") or "").partition(",")[0], "")
    reference = f"{label} {number}" if label and number else ""
    quantity: Decimal = _decimal(move["quantity"])
    symbol = (move.get("unit.") or {}).get("symbol") or ""
    at = move.get("write_date") or move.get("create_date")
    base = {
        "occurred_at": at.replace(tzinfo=datetime.UTC) if at is not None else None,
        "sku": (move.get("product.") or {}).get("code") or "",
        "quantity": quantity,
        "unit": symbol,
        "uom": uom_map.get(symbol),
        "document_ref": reference,
    }

    def event(kind: str, warehouse: str, suffix: str = "", **extra: Any) -> dict[str, Any]:
        return {
            **base,
            "source_event_id": f"stock.move:{move['id']}{suffix}",
            "kind": kind,
            "warehouse": warehouse,
            "counterpart_warehouse": "",
            "transfer_ref": "",
            "reason": "",
            "purchase_erp_id": "",
            "purchase_number": "",
            "supplier_party": "",
            **extra,
        }

    if to_wh and from_type == "supplier":
        return [event("receipt", to_wh)]
    if from_wh and to_type == "supplier":
        origin, _, line = (move.get("origin") or "").partition(",")
        purchase_id, purchase_number = (
            purchases.get(int(line), ("", "")) if origin == "purchase.line" else ("", "")
        )
        return [
            event(
                "return_to_vendor",
                from_wh,
                purchase_erp_id=purchase_id,
                purchase_number=purchase_number,
                supplier_party=(document.get("supplier.") or {}).get("code") or "",
            )
        ]
    if to_wh and from_type == "customer":
        return [event("customer_return", to_wh)]
    if to_wh and from_type == "lost_found":
        return [event("adjustment", to_wh, reason=REASON_INVENTORY)]
    if from_wh and to_type == "lost_found":
        return [event("adjustment", from_wh, reason=REASON_INVENTORY, quantity=-quantity)]
    if from_wh and from_wh == to_wh:
        return [event("put_away", to_wh)] if source in places.inputs else []
    internal = (move.get("shipment") or "").startswith("stock.shipment.internal,")
    if not internal:
        return []
    origin = places.warehouse.get(document.get("from_location") or 0, "")
    destination = places.warehouse.get(document.get("to_location") or 0, "")
    result = []
    if from_wh and from_wh != to_wh and destination and destination != from_wh:
        result.append(
            event(
                "transfer_out",
                from_wh,
                ":out" if to_wh else "",
                counterpart_warehouse=destination,
                transfer_ref=number,
            )
        )
    if to_wh and to_wh != from_wh and origin and origin != to_wh:
        result.append(
            event(
                "transfer_in",
                to_wh,
                ":in" if from_wh else "",
                counterpart_warehouse=origin,
                transfer_ref=number,
            )
        )
    return result
