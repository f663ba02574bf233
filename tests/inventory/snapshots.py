"""Builders for inventory tests: snapshots through the real ingest path, from rows."""

import datetime
import io
from decimal import Decimal

from django.utils import timezone

from inventory.models import ItemClassTolerance, Warehouse
from inventory.services.snapshots import IngestResult, snapshot_ingest
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, WarehouseFactory

BASE_TIME = datetime.datetime(2026, 3, 2, 22, 0, tzinfo=datetime.UTC)


def csv_bytes(rows: list[tuple], header: str = "sku,uom,quantity") -> bytes:
    body = "".join(",".join(str(value) for value in row) + "\n" for row in rows)
    return (header + "\n" + body).encode()


def ingest(
    source: str,
    warehouse: Warehouse,
    rows: list[tuple],
    *,
    taken_at: datetime.datetime = BASE_TIME,
    actor=None,
    **kwargs,
) -> IngestResult:
    """Ingest (sku, quantity) or (sku, uom, quantity) rows; EA when no unit is given."""
    full = [(row[0], "EA", row[1]) if len(row) == 2 else row for row in rows]
    return snapshot_ingest(
        actor=actor,
        stream=io.BytesIO(csv_bytes(full)),
        source=source,
        warehouse=warehouse,
        taken_at=taken_at,
        file_name=f"{source}.csv",
        **kwargs,
    )


def items(*skus: str, item_class: str = "") -> None:
    each = UnitOfMeasureFactory(code="EA")
    for sku in skus:
        ItemFactory(sku=sku, base_uom=each, item_class=item_class)


def warehouse(code: str = "DC1", *, wms_connector: str | None = None, **fields) -> Warehouse:
    """A warehouse with a WMS feed (a WMS connector: its live positions follow the WMS's
    `wms:…` movements, as the movement builders send by default); `wms_connector=""` for
    one whose positions follow the ERP."""
    connector = f"wms-{code}" if wms_connector is None else wms_connector
    return WarehouseFactory(code=code, wms_connector=connector, **fields)


def tolerance(item_class: str = "", *, absolute: str = "0", percent: str = "0"):
    return ItemClassTolerance.objects.update_or_create(
        item_class=item_class,
        defaults={"absolute": Decimal(absolute), "percent": Decimal(percent)},
    )[0]


def later(hours: int) -> datetime.datetime:
    return BASE_TIME + datetime.timedelta(hours=hours)


def now() -> datetime.datetime:
    return timezone.now()
