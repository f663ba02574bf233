"""The inbound figures of stock positions (open on POs, in transit on ASNs), recomputed
from the documents, in the item's base unit:

- open PO = confirmed − shipped, on the lines of POs open to ship: the open rest of the
  line's confirmed deliveries (schedule lines), which ASNs ship against oldest first or as
  the supplier picks (`schedule_lines.py`), so a position has no date and the line sum
  is the same figure without reading the schedule lines;
- in transit = shipped − arrived, on the lines of ASNs on their way, delivered or
  partially received, where arrived is everything a receipt counted (accepted goods and
  damaged ones: damaged goods are no longer coming either).

The services that change those documents (acknowledgments, PO changes from the ERP, ASNs,
receipts) call `inbound_positions_refresh_for` with the (item, warehouse) pairs they
touched, at their end and inside their transaction, so the figures are current when they
commit. Inside a batch scope (`integrations.services.batch_scope`: the EDI intake applying
a batch of sets in one transaction) the call only collects its pairs, and one refresh of
the batch's union runs at the batch's end, before the refresh of the read model
(`inbound_rows`) and inside the batch's transaction (the lock order is documented on
`inbound_positions_refresh_for`). The hourly `suppliers.refresh_inbound_positions` task
runs `inbound_positions_refresh`, the backstop for any other path (an admin edit, a bulk
load).
Both recompute from the documents rather than adding deltas: a figure cannot drift, and
running either twice changes nothing.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce
from django.utils import timezone

from integrations.errors import DomainError
from integrations.services.batch_scope import defer_to_batch
from inventory.models import Item, StockPosition, UnitOfMeasure
from inventory.services import conversion_ratios_to_base, convert_quantity
from inventory.services.uom import Ratio
from portal.access import Actor
from suppliers.models import AsnLine, PurchaseOrder, PurchaseOrderLine, ReceiptLine, Shipment

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
SAME_UNIT: Ratio = (Decimal(1), Decimal(1))
# ASNs whose goods count as in transit: on their way, or at the dock and not all counted.
MOVING = Shipment.INBOUND | {Shipment.Status.DELIVERED, Shipment.Status.PARTIALLY_RECEIVED}
# Pairs per targeted refresh when the backstop hands over positions it could not lock:
# keeps each statement's parameter list short (SQLite caps it).
CHUNK = 500

# Deferred refreshes at the end of a batch run in this order (`batch_scope`): the
# positions first, then the read model (its PO locks), as every service calls them.
BATCH_ORDER = 0

Pairs = set[tuple[int, int]]  # (item_id, warehouse_id)
Totals = dict[tuple[int, int], tuple[Decimal, Decimal]]  # pair → (open PO, in transit)


def inbound_pairs_for_purchase_orders(purchase_orders: Iterable[PurchaseOrder]) -> Pairs:
    """The positions the lines of these POs count in: (item, ship-to warehouse)."""
    return set(
        PurchaseOrderLine.objects.filter(
            purchase_order_id__in=[po.pk for po in purchase_orders]
        ).values_list("item_id", "purchase_order__ship_to_id")
    )


def inbound_pairs_for_shipment(shipment: Shipment) -> Pairs:
    """The positions the lines of this ASN count in: (item of the PO line, ship-to)."""
    return {
        (item_id, shipment.ship_to_id)
        for item_id in AsnLine.objects.filter(shipment=shipment).values_list(
            "po_line__item_id", flat=True
        )
    }


def inbound_positions_refresh_for(*, pairs: Pairs) -> int:
    """Recompute the open-PO and in-transit figures of exactly these positions from the
    documents (creating the missing ones), under row locks held until the caller's
    transaction ends. Returns the number of positions created or changed — 0 inside a
    batch scope, which refreshes the union of its pairs once, at its end.

    Lock order, at once or deferred: the caller's documents (PO, PO lines, ASN) first,
    then these positions in (item, warehouse) order, then (`refresh_inbound_rows`) the
    POs in primary-key order. A batch takes the positions of all its sets in one sorted
    pass after every set took its document locks, so it is one transaction following
    that order, like a web request: neither can hold a position the other waits for
    while waiting for one the other holds (both take them ascending), and neither takes
    a document lock after a position."""
    if not pairs:
        return 0
    if defer_to_batch("suppliers.inbound_positions", pairs, run=_refresh_union, order=BATCH_ORDER):
        return 0
    return _refresh(pairs)


def _refresh_union(pairs: Pairs) -> None:
    """A batch's deferred refresh: its pairs in (item, warehouse) order, a chunk at a
    time (the lock order holds across chunks)."""
    ordered = sorted(pairs)
    for start in range(0, len(ordered), CHUNK):
        _refresh(set(ordered[start : start + CHUNK]))


@transaction.atomic
def _refresh(pairs: Pairs) -> int:
    created = _ensure_positions(pairs)
    # Locked before the sums are taken: a concurrent service holding one of these rows
    # commits first, and the sums below (a new statement) then see its documents.
    positions = _locked(StockPosition.objects.filter(_scope(pairs, "item", "warehouse")))
    changed = _write(positions, _totals(pairs))
    return len(created | {(p.item_id, p.warehouse_id) for p in changed})


def inbound_positions_refresh(*, actor: Actor = None) -> int:
    """Recompute every position's inbound figures from the documents: the backstop that
    keeps positions right whatever path changed a document. Returns the number of
    positions created or changed.

    Positions that have a figure are locked (skipping those a service holds right now:
    that service is recomputing them) and written from one pass of sums grouped in SQL.
    Positions left over (new ones, and the skipped ones) are handed to the targeted
    refresh in small transactions of their own, after this one committed, so the
    backstop never waits for a row while holding others."""
    with transaction.atomic():
        held = _locked(
            StockPosition.objects.filter(Q(inbound_open_po__gt=0) | Q(inbound_in_transit__gt=0)),
            skip_locked=True,
        )
        with_figures = set(
            StockPosition.objects.filter(
                Q(inbound_open_po__gt=0) | Q(inbound_in_transit__gt=0)
            ).values_list("item_id", "warehouse_id")
        )
        totals = _totals(None)
        written = len(_write(held, totals))
    rest = sorted((set(totals) | with_figures) - set(held))
    for start in range(0, len(rest), CHUNK):
        written += _refresh(set(rest[start : start + CHUNK]))
    return written


# ---------------------------------------------------------------- shared steps


def _scope(pairs: Pairs, item: str, warehouse: str) -> Q:
    """These pairs exactly, as one condition per warehouse (a document ships to one)."""
    by_warehouse: dict[int, set[int]] = defaultdict(set)
    for item_id, warehouse_id in pairs:
        by_warehouse[warehouse_id].add(item_id)
    scope = Q()
    for warehouse_id, item_ids in sorted(by_warehouse.items()):
        scope |= Q(**{f"{warehouse}_id": warehouse_id, f"{item}_id__in": sorted(item_ids)})
    return scope


def _ensure_positions(pairs: Pairs) -> Pairs:
    """Create the missing positions (zero figures) so they can be locked. Inserted in
    (item, warehouse) order, like the locks: two services creating the same positions
    wait for each other instead of deadlocking, and the loser's insert does nothing."""
    existing = set(
        StockPosition.objects.filter(_scope(pairs, "item", "warehouse")).values_list(
            "item_id", "warehouse_id"
        )
    )
    missing = sorted(pairs - existing)
    StockPosition.objects.bulk_create(
        [StockPosition(item_id=item_id, warehouse_id=wh_id) for item_id, wh_id in missing],
        ignore_conflicts=True,
    )
    return set(missing)


def _locked(
    positions: QuerySet[StockPosition], *, skip_locked: bool = False
) -> dict[tuple[int, int], StockPosition]:
    # Always in (item, warehouse) order, whoever locks: no deadlocks between services.
    rows = positions.select_for_update(skip_locked=skip_locked).order_by("item_id", "warehouse_id")
    return {(p.item_id, p.warehouse_id): p for p in rows}


def asn_line_arrived() -> CombinedExpression:
    """What of an ASN line arrived, as an annotation: AsnLine.received_qty counts the
    accepted goods; damaged ones arrived too."""
    damaged = Subquery(
        ReceiptLine.objects.filter(asn_line=OuterRef("pk"))
        .values("asn_line")
        .annotate(total=Sum("qty_damaged"))
        .values("total")
    )
    return F("received_qty") + Coalesce(
        damaged, Value(ZERO), output_field=DecimalField(max_digits=18, decimal_places=6)
    )


def _totals(pairs: Pairs | None) -> Totals:
    """Open PO and in transit per (item, warehouse) in the item's base unit, for these
    pairs (all when None). Sums are grouped in SQL by item, warehouse and unit, so Python
    converts one row per group, not per line; the query count does not grow with lines."""
    open_po = PurchaseOrderLine.objects.filter(
        purchase_order__status__in=PurchaseOrder.OPEN_TO_SHIP,
        confirmed_qty__gt=F("shipped_qty"),
    )
    arrived = asn_line_arrived()
    in_transit = (
        AsnLine.objects.filter(shipment__status__in=MOVING)
        .annotate(arrived=arrived)
        .filter(quantity_po_uom__gt=F("arrived"))
    )
    if pairs is not None:
        open_po = open_po.filter(_scope(pairs, "item", "purchase_order__ship_to"))
        in_transit = in_transit.filter(_scope(pairs, "po_line__item", "shipment__ship_to"))
    groups = [
        (0, r["item_id"], r["purchase_order__ship_to_id"], r["uom_id"], r["qty"])
        for r in open_po.values("item_id", "purchase_order__ship_to_id", "uom_id").annotate(
            qty=Sum(F("confirmed_qty") - F("shipped_qty"))
        )
    ] + [
        (1, r["po_line__item_id"], r["shipment__ship_to_id"], r["po_line__uom_id"], r["qty"])
        for r in in_transit.values(
            "po_line__item_id", "shipment__ship_to_id", "po_line__uom_id"
        ).annotate(qty=Sum(F("quantity_po_uom") - F("arrived")))
    ]
    items = Item.objects.select_related("base_uom").in_bulk({g[1] for g in groups})
    units = {item.base_uom_id: item.base_uom for item in items.values()}
    # Lines are mostly ordered in the item's base unit (ratio 1): only the other units
    # are read, with every one's conversion to its item's base unit in one query.
    converted = {(g[1], g[3]) for g in groups if g[3] != items[g[1]].base_uom_id}
    ratios: dict[tuple[int, int], Ratio | DomainError] = {}
    if converted:
        units |= UnitOfMeasure.objects.in_bulk({uom_id for _item_id, uom_id in converted})
        ratios = conversion_ratios_to_base({(items[i], units[u]) for i, u in converted})
    sums: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for figure, item_id, warehouse_id, uom_id, qty in groups:
        item = items[item_id]
        try:
            ratio = ratios.get((item_id, uom_id), SAME_UNIT)
            if isinstance(ratio, DomainError):
                raise ratio
            base = convert_quantity(
                quantity=qty, from_uom=units[uom_id], to_uom=item.base_uom, item=item, ratio=ratio
            )
        except DomainError as error:
            # Master data the portal lacks (no conversion from the PO's unit, or one
            # that is not exact) must not stop a supplier acknowledging or shipping:
            # the figure leaves this group out until the buyer adds the conversion.
            logger.warning(
                "Inbound figure of %s at warehouse #%s leaves out %s %s: %s",
                item.sku,
                warehouse_id,
                f"{Decimal(qty).normalize():f}",
                units[uom_id].code,
                error,
            )
            continue
        sums[(item_id, warehouse_id)][figure] += base
    return {key: (open_qty, moving_qty) for key, (open_qty, moving_qty) in sums.items()}


def _write(positions: dict[tuple[int, int], StockPosition], totals: Totals) -> list[StockPosition]:
    """Set each (locked) position to its totals, zero when it has none; one UPDATE for
    the ones that changed."""
    now = timezone.now()
    changed = []
    for key, position in positions.items():
        figures = totals.get(key, (ZERO, ZERO))
        if (position.inbound_open_po, position.inbound_in_transit) != figures:
            position.inbound_open_po, position.inbound_in_transit = figures
            position.updated_at = now  # bulk_update does not apply auto_now
            changed.append(position)
    StockPosition.objects.bulk_update(
        changed, ["inbound_open_po", "inbound_in_transit", "updated_at"], batch_size=1000
    )
    return changed
