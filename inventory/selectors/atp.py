"""Live positions and available to promise per item × warehouse, as of now (issue 22):
every figure with the source it comes from and the time it is as of.

- The source of record. Each warehouse's figures follow one source family, the one its
  live positions follow (`Warehouse.positions_family`: its WMS or its ERP; see
  `inventory.services.positions_source`), and every figure's source says which. The other
  family's movements are in the ledger, marked "recorded, not counted".
- On hand by status. The basis is the latest of: the position's latest cycle count, the
  latest full snapshot of the warehouse's source of record (the other source's when it
  has none). From a count, the figures are the live position's (`LivePosition`: count
  + movements after it). From a snapshot,
  on hand is the snapshot's line plus the on-hand effect of that source's movements
  applied since it (receipts, customer returns and transfers in add; returns to vendor
  and transfers out take off; adjustments are signed); received (awaiting put-away) and
  quality hold are the live position's sums, and available is the rest.
- Allocated: the allocation feed's figure on the live position (the order system's or
  the ERP's absolute figure as of its time, `inventory.services.allocations`). The feed
  wins over the portal's manual `StockPosition.allocated` whenever it has reported: it
  is the record of the orders themselves, re-stated as of each time, where a manual
  figure is a stop-gap nobody re-states (adding both would count the orders twice). The
  manual figure serves only a position no feed has reported; with neither the figure is
  0 with the source "no allocation source" (nothing is invented).
- In transit between warehouses: transfers out to this warehouse (by transfer reference)
  without their matching transfer in, from the ledger: both legs of the family this
  warehouse follows, as its live `in_transit`.
- Inbound from suppliers: what the registered providers report, dated: confirmed
  deliveries (schedule lines) not shipped yet, by their date, and goods shipped on ASNs
  and not received, by the ASN's expected delivery. Inventory may not import suppliers,
  so suppliers registers the provider at start-up (`suppliers/apps.py`), as it does for
  reconciliation's evidence (`inventory.services.in_flight`).
- ATP on a date = available + received − allocated + transfers in transit (from +7 d:
  a transfer carries no arrival date) + supplier inbound due by that date (an overdue
  delivery counts from today). Quality hold is never promised.

A fixed number of queries per call, whatever the number of warehouses or movements.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from inventory.models import (
    InventoryMovement,
    InventorySnapshot,
    InventorySnapshotLine,
    Item,
    LivePosition,
    StockPosition,
    Warehouse,
)

Kind = InventoryMovement.Kind
ZERO = Decimal(0)
# The ATP buckets: days after today.
# The labels are msgids, translated when a bucket is built (the API stays English).
BUCKETS: tuple[tuple[str, int], ...] = (
    (gettext_noop("today"), 0),
    (gettext_noop("+7 d"), 7),
    (gettext_noop("+14 d"), 14),
    (gettext_noop("+28 d"), 28),
)
# From when goods in transit between warehouses are promised: a transfer has no ETA.
TRANSFER_LEAD_DAYS = 7
# The on-hand effect of each movement kind (sign of its base quantity); put-away and
# quality hold/release only move goods between statuses, a cycle count is a basis.
ON_HAND_SIGN: dict[str, int] = {
    Kind.RECEIPT: 1,
    Kind.CUSTOMER_RETURN: 1,
    Kind.TRANSFER_IN: 1,
    Kind.ADJUSTMENT: 1,  # signed already
    Kind.RETURN_TO_VENDOR: -1,
    Kind.TRANSFER_OUT: -1,
}
NO_ALLOCATION_SOURCE = gettext_noop("no allocation source")
FAMILY_LABELS = {"wms": "WMS", "erp": "ERP"}


# ---------------------------------------------------------------- inbound providers


@dataclass(frozen=True)
class ScheduledInbound:
    """Goods a supplier is to deliver to a warehouse on a date, in the item's base unit."""

    item_id: int
    warehouse_id: int
    date: datetime.date
    quantity: Decimal
    kind: str  # "schedule_line" (confirmed, not shipped) or "asn" (shipped, not received)
    document_ref: str  # e.g. "PO-1 line 2" or "ACME:ASN-1"
    supplier_id: int


# (item ids, warehouse ids or None for all, supplier id or None for all) → rows
InboundProvider = Callable[
    [Sequence[int], Sequence[int] | None, int | None], Iterable[ScheduledInbound]
]
_PROVIDERS: list[InboundProvider] = []


def scheduled_inbound_provider_register(provider: InboundProvider) -> None:
    """Add a source of dated supplier inbound (registering again is a no-op)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def scheduled_inbound(
    *,
    item_ids: Sequence[int],
    warehouse_ids: Sequence[int] | None = None,
    supplier_id: int | None = None,
) -> list[ScheduledInbound]:
    """Every provider's dated inbound for these items (and warehouses, and one supplier
    when given), by date."""
    if not item_ids:
        return []
    rows = [
        row
        for provider in _PROVIDERS
        for row in provider(item_ids, warehouse_ids, supplier_id)
        if row.quantity
    ]
    return sorted(rows, key=lambda row: (row.date, row.kind, row.document_ref))


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figure:
    quantity: Decimal
    source: str
    as_of: datetime.datetime | None


@dataclass(frozen=True)
class OpenTransfer:
    transfer_ref: str
    origin_code: str
    quantity: Decimal
    shipped_at: datetime.datetime


@dataclass(frozen=True)
class AtpBucket:
    label: str
    date: datetime.date
    quantity: Decimal


@dataclass
class WarehousePosition:
    warehouse: Warehouse
    received: Figure
    quality_hold: Figure
    available: Figure
    on_hand: Figure
    allocated: Figure
    in_transit: Figure
    inbound: Figure
    basis: str  # "cycle_count", "wms_snapshot", "erp_snapshot" or "movements"
    basis_at: datetime.datetime | None
    follows: str  # "wms" or "erp": the source family of its movements that counts
    open_transfers: list[OpenTransfer] = field(default_factory=list)
    inbound_lines: list[ScheduledInbound] = field(default_factory=list)
    atp: list[AtpBucket] = field(default_factory=list)


@dataclass
class ItemPositions:
    item: Item
    as_of: datetime.datetime
    warehouses: list[WarehousePosition]


def _latest_full_snapshots(
    warehouse_ids: Sequence[int],
) -> dict[tuple[int, str], InventorySnapshot]:
    """(warehouse id, source) → the latest usable full snapshot."""
    rows = (
        InventorySnapshot.objects.filter(warehouse_id__in=warehouse_ids, partial=False)
        .exclude(status=InventorySnapshot.Status.FAILED)
        .order_by("warehouse_id", "source", "-taken_at", "-id")
        .only("id", "warehouse_id", "source", "taken_at")
    )
    latest: dict[tuple[int, str], InventorySnapshot] = {}
    for snapshot in rows:
        latest.setdefault((snapshot.warehouse_id, snapshot.source), snapshot)
    return latest


def _since(
    item: Item, bases: dict[int, tuple[datetime.datetime, str]]
) -> dict[int, tuple[Decimal, int, datetime.datetime | None]]:
    """Per warehouse, the on-hand effect of the movements applied after its basis
    snapshot (time, source), of that snapshot's source only: the WMS's events on a WMS
    count, the ERP's on an ERP one, so that one receipt both report counts once:
    (quantity, movement count, latest occurred-at). One grouped query."""
    scope = Q()
    for warehouse_id, (basis_at, source) in bases.items():
        scope |= Q(_family(source), warehouse_id=warehouse_id, occurred_at__gt=basis_at)
    totals: dict[int, tuple[Decimal, int, datetime.datetime | None]] = {}
    if not bases:
        return totals
    rows = (
        InventoryMovement.objects.filter(scope, item=item, applied=True, kind__in=ON_HAND_SIGN)
        .values("warehouse_id", "kind")
        .annotate(total=Sum("base_quantity"), n=Count("id"), latest=Max("occurred_at"))
    )
    for row in rows:
        quantity, count, latest = totals.get(row["warehouse_id"], (ZERO, 0, None))
        latest = max(filter(None, (latest, row["latest"])), default=None)
        totals[row["warehouse_id"]] = (
            quantity + ON_HAND_SIGN[row["kind"]] * row["total"],
            count + row["n"],
            latest,
        )
    return totals


def _family(family: str) -> Q:
    """The movements of one source family ("erp", or "wms" for every `wms:…` source)."""
    return Q(source="erp") if family == "erp" else Q(source__startswith="wms:")


def open_transfers(
    *, item: Item, warehouse_ids: Sequence[int], families: dict[int, str] | None = None
) -> dict[int, list[OpenTransfer]]:
    """Per destination warehouse, the transfers out of this item to it whose transfer in
    has not (fully) arrived: by transfer reference, from the applied ledger, both legs
    of the family the destination's positions follow (`families`, warehouse id →
    family; read when not given)."""
    if families is None:
        families = {
            wh.pk: wh.positions_family for wh in Warehouse.objects.filter(pk__in=warehouse_ids)
        }
    scope = Q(pk__in=[])
    for family in ("erp", "wms"):
        ids = [wh_id for wh_id in warehouse_ids if families.get(wh_id) == family]
        if ids:
            legs_to = Q(kind=Kind.TRANSFER_OUT, counterpart_warehouse_id__in=ids)
            scope |= _family(family) & (legs_to | Q(kind=Kind.TRANSFER_IN, warehouse_id__in=ids))
    rows = (
        InventoryMovement.objects.filter(item=item, applied=True)
        .filter(scope)
        .values_list(
            "kind",
            "transfer_ref",
            "warehouse_id",
            "warehouse__code",
            "counterpart_warehouse_id",
            "counterpart_warehouse__code",
            "base_quantity",
            "occurred_at",
        )
    )
    # (destination, origin, reference) → [shipped, arrived, origin code, first shipped]
    legs: dict[tuple[int, int | None, str], list] = {}
    for kind, ref, wh_id, wh_code, other_id, other_code, quantity, at in rows:
        if kind == Kind.TRANSFER_OUT:
            key, origin_code = (other_id, wh_id, ref), wh_code
        else:
            key, origin_code = (wh_id, other_id, ref), other_code or ""
        leg = legs.setdefault(key, [ZERO, ZERO, origin_code, None])
        if kind == Kind.TRANSFER_OUT:
            leg[0] += quantity
            leg[3] = at if leg[3] is None else min(leg[3], at)
        else:
            leg[1] += quantity
    result: dict[int, list[OpenTransfer]] = defaultdict(list)
    for (destination, _origin, ref), (shipped, arrived, code, first) in sorted(
        legs.items(), key=lambda pair: (pair[0][0], pair[0][2])
    ):
        if shipped > arrived and first is not None:
            result[destination].append(OpenTransfer(ref, code, shipped - arrived, first))
    return result


def _warehouses(warehouse_code: str) -> QuerySet[Warehouse]:
    if warehouse_code:
        return Warehouse.objects.filter(code=warehouse_code)
    return Warehouse.objects.filter(is_active=True)


def item_positions(
    *, item: Item, warehouse_code: str = "", now: datetime.datetime | None = None
) -> ItemPositions:
    """The item's figures in one warehouse (by code) or in every active warehouse that
    has any figure for it, as of `now`."""
    now = now or timezone.now()
    warehouses = {wh.pk: wh for wh in _warehouses(warehouse_code).order_by("code")}
    ids = list(warehouses)
    live = {p.warehouse_id: p for p in LivePosition.objects.filter(item=item, warehouse_id__in=ids)}
    portal = {
        p.warehouse_id: p for p in StockPosition.objects.filter(item=item, warehouse_id__in=ids)
    }
    snapshots = _latest_full_snapshots(ids)
    lines = dict(
        InventorySnapshotLine.objects.filter(
            item=item, snapshot_id__in=[s.pk for s in snapshots.values()]
        ).values_list("snapshot_id", "quantity")
    )
    families = {wh_id: warehouse.positions_family for wh_id, warehouse in warehouses.items()}
    bases: dict[int, tuple[str, datetime.datetime | None, Decimal, str]] = {}
    for wh_id in ids:
        bases[wh_id] = _basis(live.get(wh_id), snapshots, wh_id, lines, families[wh_id])
    since = _since(
        item,
        {
            wh_id: (at, kind.removesuffix("_snapshot"))
            for wh_id, (kind, at, _q, _s) in bases.items()
            if at is not None and kind.endswith("snapshot")
        },
    )
    transfers = open_transfers(item=item, warehouse_ids=ids, families=families)
    inbound: dict[int, list[ScheduledInbound]] = defaultdict(list)
    for row in scheduled_inbound(item_ids=[item.pk], warehouse_ids=ids):
        inbound[row.warehouse_id].append(row)
    result = []
    for wh_id, warehouse in warehouses.items():
        has_any = (
            wh_id in live
            or wh_id in portal
            or bases[wh_id][0].endswith("snapshot")
            or transfers.get(wh_id)
            or inbound.get(wh_id)
        )
        if not has_any and not warehouse_code:
            continue
        result.append(
            _position(
                warehouse,
                now=now,
                live=live.get(wh_id),
                portal=portal.get(wh_id),
                basis=bases[wh_id],
                since=since.get(wh_id),
                transfers=transfers.get(wh_id, []),
                inbound=inbound.get(wh_id, []),
            )
        )
    return ItemPositions(item=item, as_of=now, warehouses=result)


def _basis(
    position: LivePosition | None,
    snapshots: dict[tuple[int, str], InventorySnapshot],
    warehouse_id: int,
    lines: dict[int, Decimal],
    family: str,
) -> tuple[str, datetime.datetime | None, Decimal, str]:
    """(kind, time, on-hand quantity at that time, source text) of a position's basis:
    a snapshot of the warehouse's source of record (`family`) first."""
    other = "erp" if family == "wms" else "wms"
    snapshot = snapshots.get((warehouse_id, family)) or snapshots.get((warehouse_id, other))
    counted_at = position.counted_at if position is not None else None
    if (
        position is not None
        and counted_at is not None
        and (snapshot is None or counted_at >= snapshot.taken_at)
    ):
        source = gettext("cycle count (%(source)s) at %(time)s") % {
            "source": position.counted_source,
            "time": f"{counted_at:%Y-%m-%d %H:%M}",
        }
        return "cycle_count", counted_at, position.counted_qty or ZERO, source
    if snapshot is not None:
        # A full snapshot without the item says it had none.
        quantity = lines.get(snapshot.pk, ZERO)
        label = "WMS" if snapshot.source == "wms" else "ERP"
        source = gettext("%(source)s snapshot at %(time)s") % {
            "source": label,
            "time": f"{snapshot.taken_at:%Y-%m-%d %H:%M}",
        }
        return f"{snapshot.source}_snapshot", snapshot.taken_at, quantity, source
    return (
        "movements",
        None,
        ZERO,
        gettext("%(family)s movements (no snapshot or count yet)")
        % {"family": FAMILY_LABELS[family]},
    )


def _position(
    warehouse: Warehouse,
    *,
    now: datetime.datetime,
    live: LivePosition | None,
    portal: StockPosition | None,
    basis: tuple[str, datetime.datetime | None, Decimal, str],
    since: tuple[Decimal, int, datetime.datetime | None] | None,
    transfers: list[OpenTransfer],
    inbound: list[ScheduledInbound],
) -> WarehousePosition:
    kind, basis_at, basis_qty, basis_source = basis
    live_as_of = live.as_of if live is not None else None
    follows = warehouse.positions_family
    moves = {"family": FAMILY_LABELS[follows]}
    ledger = gettext("live position (%(family)s movements)") % moves
    received = Figure(live.received if live else ZERO, ledger, live_as_of)
    hold = Figure(live.quality_hold if live else ZERO, ledger, live_as_of)
    if kind.endswith("snapshot"):
        moved, count, latest = since or (ZERO, 0, None)
        on_hand_qty = basis_qty + moved
        as_of = max(filter(None, (basis_at, latest)), default=None)
        source = gettext("%(basis)s + %(count)s movement(s) since") % {
            "basis": basis_source,
            "count": count,
        }
        on_hand = Figure(on_hand_qty, source, as_of)
        available = Figure(
            on_hand_qty - received.quantity - hold.quantity,
            gettext("on hand (%(source)s) less received and quality hold") % {"source": source},
            as_of,
        )
    else:
        if kind == "cycle_count":
            source = gettext("%(basis)s + %(family)s movements since") % {
                "basis": basis_source,
                **moves,
            }
        else:
            source = basis_source
        available = Figure(live.available if live else ZERO, source, live_as_of)
        total = received.quantity + hold.quantity + available.quantity
        on_hand = Figure(total, source, live_as_of)
    allocated = _allocated(live, portal)
    in_transit = Figure(
        sum((t.quantity for t in transfers), ZERO),
        gettext("%(count)s open transfer(s) in the %(family)s ledger")
        % {"count": len(transfers), **moves},
        max((t.shipped_at for t in transfers), default=None),
    )
    inbound_figure = Figure(
        sum((row.quantity for row in inbound), ZERO),
        gettext("open confirmed schedule lines and ASNs not received"),
        now,
    )
    position = WarehousePosition(
        warehouse=warehouse,
        received=received,
        quality_hold=hold,
        available=available,
        on_hand=on_hand,
        allocated=allocated,
        in_transit=in_transit,
        inbound=inbound_figure,
        basis=kind,
        basis_at=basis_at,
        follows=follows,
        open_transfers=transfers,
        inbound_lines=inbound,
    )
    position.atp = atp_buckets(position, today=timezone.localdate(now))
    return position


def _allocated(live: LivePosition | None, portal: StockPosition | None) -> Figure:
    """The feed's figure when it has reported, else the manual one (module docstring)."""
    if live is not None and live.allocated_as_of is not None:
        family, colon, system = live.allocated_source.partition(":")
        source = gettext("allocations from %(source)s at %(time)s") % {
            "source": f"{family.upper()}{colon}{system}",
            "time": f"{live.allocated_as_of:%Y-%m-%d %H:%M}",
        }
        return Figure(live.allocated, source, live.allocated_as_of)
    if portal is not None and portal.allocated:
        source = gettext("manual adjustment (stock position)")
        return Figure(portal.allocated, source, portal.updated_at)
    return Figure(ZERO, gettext(NO_ALLOCATION_SOURCE), None)


def atp_buckets(position: WarehousePosition, *, today: datetime.date) -> list[AtpBucket]:
    """Available to promise on each bucket's date (see the module's docstring)."""
    base = position.available.quantity + position.received.quantity
    base -= position.allocated.quantity
    buckets = []
    for label, days in BUCKETS:
        date = today + datetime.timedelta(days=days)
        due = sum((row.quantity for row in position.inbound_lines if row.date <= date), ZERO)
        transit = position.in_transit.quantity if days >= TRANSFER_LEAD_DAYS else ZERO
        buckets.append(AtpBucket(gettext(label), date, base + transit + due))
    return buckets


# ---------------------------------------------------------------- the ledger


@dataclass(frozen=True)
class LedgerWindow:
    """The movements of one position between two snapshots of one source (or since the
    latest one)."""

    label: str
    start: datetime.datetime | None  # exclusive; None: from the first movement
    end: datetime.datetime | None  # inclusive; None: until now


def ledger_windows(*, warehouse: Warehouse) -> list[LedgerWindow]:
    """Per source, the window between its last two full snapshots of the warehouse; and
    the movements since the latest snapshot of either source."""
    windows = []
    latest: list[datetime.datetime] = []
    for source, label in (("erp", "ERP"), ("wms", "WMS")):
        times = list(
            InventorySnapshot.objects.filter(warehouse=warehouse, source=source, partial=False)
            .exclude(status=InventorySnapshot.Status.FAILED)
            .order_by("-taken_at")
            .values_list("taken_at", flat=True)[:2]
        )
        if not times:
            continue
        latest.append(times[0])
        start = times[1] if len(times) > 1 else None
        windows.append(
            LedgerWindow(
                gettext("Between the last two %(source)s snapshots") % {"source": label},
                start=start,
                end=times[0],
            )
        )
    windows.append(
        LedgerWindow(
            gettext("Since the latest snapshot") if latest else gettext("All movements"),
            start=max(latest) if latest else None,
            end=None,
        )
    )
    return windows


def ledger(
    *, item: Item, warehouse: Warehouse, window: LedgerWindow
) -> QuerySet[InventoryMovement]:
    """The movements of the item at the warehouse (or in transit to it) in the window,
    newest first, each with `counted`: whether it is of the source family the
    warehouse's positions follow (every row shown changes a figure of this warehouse),
    else it is recorded, not counted."""
    counted = ExpressionWrapper(_family(warehouse.positions_family), output_field=BooleanField())
    rows = (
        InventoryMovement.objects.filter(item=item)
        .filter(Q(warehouse=warehouse) | Q(kind=Kind.TRANSFER_OUT, counterpart_warehouse=warehouse))
        .annotate(counted=counted)
    )
    if window.start is not None:
        rows = rows.filter(occurred_at__gt=window.start)
    if window.end is not None:
        rows = rows.filter(occurred_at__lte=window.end)
    return rows.select_related("warehouse", "counterpart_warehouse", "uom").order_by(
        "-occurred_at", "-id"
    )


def supplier_returns(
    *, item_ids: Sequence[int], po_numbers: Sequence[str], supplier_code: str
) -> QuerySet[InventoryMovement]:
    """Returns to vendor of these items made against one supplier's documents: a PO of
    theirs (`document_ref`) or one of their ASN lines (`asn_line_ref` "<supplier>:…"),
    or made to them without one (`supplier_code`: the Tryton return shipment's party).
    A supplier sees its own returns only, never another supplier's of the same item."""
    theirs = Q(document_ref__in=po_numbers) | Q(asn_line_ref__startswith=f"{supplier_code}:")
    if supplier_code:  # blank is every return no party names
        theirs |= Q(supplier_code=supplier_code)
    return (
        InventoryMovement.objects.filter(item_id__in=item_ids, kind=Kind.RETURN_TO_VENDOR)
        .filter(theirs)
        .select_related("item", "warehouse", "uom")
        .order_by("-occurred_at", "-id")
    )
