"""Reads of the inventory app: positions side by side, snapshots, runs, dashboard series."""

from decimal import Decimal

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from inventory.models import (
    InventorySnapshot,
    InventorySnapshotLine,
    Item,
    LivePosition,
    ReconciliationRun,
    StockPosition,
    Warehouse,
)


def active_warehouses() -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(is_active=True)


def item_by_sku(sku: str) -> Item | None:
    return Item.objects.select_related("base_uom").filter(sku=sku).first()


def latest_snapshot(*, warehouse: Warehouse, source: str) -> InventorySnapshot | None:
    """The latest full snapshot (a partial one lists some items only)."""
    return (
        InventorySnapshot.objects.filter(warehouse=warehouse, source=source, partial=False)
        .exclude(status=InventorySnapshot.Status.FAILED)
        .order_by("-taken_at", "-id")
        .first()
    )


def positions(
    *,
    warehouse: Warehouse,
    erp: InventorySnapshot | None,
    wms: InventorySnapshot | None,
    q: str = "",
):
    """One row per item of the latest ERP snapshot (or WMS, when there is no ERP one),
    with the other source's quantity and the portal's figures beside it — each a
    primary-key lookup per row of the page, so the page costs one query."""
    base, other = (erp, wms) if erp is not None else (wms, None)
    if base is None:
        return InventorySnapshotLine.objects.none()
    decimal: DecimalField[Decimal, Decimal] = DecimalField(max_digits=18, decimal_places=6)
    rows = InventorySnapshotLine.objects.filter(snapshot=base)
    if q:
        rows = rows.filter(item__sku__icontains=q)
    position = StockPosition.objects.filter(warehouse=warehouse, item=OuterRef("item_id"))
    # Allocated as ATP says it (`inventory.selectors.atp`): the allocation feed's figure
    # wherever a feed reported one, the manual adjustment only where none did.
    fed = LivePosition.objects.filter(
        warehouse=warehouse, item=OuterRef("item_id"), allocated_as_of__isnull=False
    ).values("allocated")[:1]
    other_qty = (
        Subquery(
            InventorySnapshotLine.objects.filter(snapshot=other, item=OuterRef("item_id")).values(
                "quantity"
            )[:1],
            output_field=decimal,
        )
        if other is not None
        else Subquery(InventorySnapshotLine.objects.none().values("quantity"), output_field=decimal)
    )
    return (
        rows.annotate(
            other_qty=other_qty,
            allocated=Coalesce(
                Subquery(fed, output_field=decimal),
                Subquery(position.values("allocated")[:1], output_field=decimal),
            ),
            in_transit=Subquery(position.values("inbound_in_transit")[:1], output_field=decimal),
            open_po=Subquery(position.values("inbound_open_po")[:1], output_field=decimal),
        )
        .values(
            "item_id",
            "item__sku",
            "item__description",
            "item__base_uom__code",
            "quantity",
            "other_qty",
            "allocated",
            "in_transit",
            "open_po",
        )
        .order_by("item__sku")
    )


def snapshots(*, warehouse_code: str = "") -> QuerySet[InventorySnapshot]:
    rows = InventorySnapshot.objects.select_related("warehouse", "created_by")
    if warehouse_code:
        rows = rows.filter(warehouse__code=warehouse_code)
    return rows.defer("errors").order_by("-taken_at", "-id")


def get_snapshot(*, snapshot_id: int) -> InventorySnapshot:
    return get_object_or_404(InventorySnapshot.objects.select_related("warehouse"), pk=snapshot_id)


def recent_runs(*, limit: int = 50) -> list[ReconciliationRun]:
    return list(ReconciliationRun.objects.select_related("requested_by").order_by("-id")[:limit])


def get_run(*, run_id: int) -> ReconciliationRun:
    return get_object_or_404(ReconciliationRun, pk=run_id)


def discrepancy_series(*, limit: int = 30) -> dict[str, list[tuple]]:
    """{warehouse code: [(finished at, rate), …]} over the last finished runs, oldest
    first: the discrepancy rate (discrepancies / positions) of each warehouse per run."""
    runs = list(
        ReconciliationRun.objects.filter(status=ReconciliationRun.Status.DONE)
        .order_by("-finished_at")
        .values("finished_at", "by_warehouse")[:limit]
    )
    series: dict[str, list[tuple]] = {}
    for run in reversed(runs):
        for code, stats in (run["by_warehouse"] or {}).items():
            positions_count = stats.get("positions")
            if not positions_count:
                continue
            series.setdefault(code, []).append(
                (run["finished_at"], stats.get("discrepancies", 0) / positions_count)
            )
    return series
