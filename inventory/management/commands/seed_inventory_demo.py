"""`manage.py seed_inventory_demo [--reconcile]`: believable ERP and WMS stock snapshots
for the seeded warehouses, through the real ingest path, so that a reconciliation run
opens a set of exceptions an operator can work through: a few percent of positions
differ — counted in cases instead of eaches, missing on one side, off by a few units
(some within tolerance), negative in either source, a SKU the portal does not know, and
receipts booked between the two counts (in flight). Deterministic for a given --seed;
each run adds a new pair of snapshots, and books each demo receipt once: `seed_demo`
already runs this command, and running it again must not receive the same goods twice."""

import datetime
import io
import random
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db.models import F
from django.utils import timezone

from integrations.errors import DomainError
from inventory.models import Item, ItemClassTolerance, StockMovement, UomConversion, Warehouse
from inventory.services import reconciliation, stock_movement_record
from inventory.services.snapshots import snapshot_ingest

# One line of a demo stock file: (sku, uom code, quantity).
Row = tuple[str, str, Decimal | int]


def _csv(rows: list[Row]) -> io.BytesIO:
    body = "sku,uom,quantity\n" + "".join(f"{s},{u},{q}\n" for s, u, q in rows)
    return io.BytesIO(body.encode())


class Command(BaseCommand):
    help = "Ingest demo ERP and WMS snapshots for every active warehouse (and reconcile)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--items", type=int, default=400, help="Items per warehouse.")
        parser.add_argument("--reconcile", action="store_true", help="Reconcile afterwards.")

    def handle(self, *args, seed: int, items: int, reconcile: bool, **options):
        rng = random.Random(seed)
        ItemClassTolerance.objects.get_or_create(item_class="", defaults={"absolute": 1})
        packs = {
            conv.item_id: conv.factor
            for conv in UomConversion.objects.filter(item__isnull=False, to_uom=F("item__base_uom"))
        }
        catalogue = list(
            Item.objects.filter(is_active=True).select_related("base_uom").order_by("sku")[:items]
        )
        if not catalogue:
            self.stdout.write("No items: run `manage.py seed_demo` first.")
            return
        now = timezone.now().replace(microsecond=0)
        erp_at, wms_at = now - datetime.timedelta(hours=3), now - datetime.timedelta(hours=1)
        for warehouse in Warehouse.objects.filter(is_active=True).order_by("code"):
            erp_rows: list[Row] = []
            wms_rows: list[Row] = []
            in_flight: list[tuple[Item, int]] = []
            for item in catalogue:
                uom = item.base_uom.code
                places = item.base_uom.decimal_places
                qty = Decimal(rng.randint(0, 600)).quantize(Decimal(1).scaleb(-places))
                roll = rng.random()
                if roll < 0.008:
                    wms_rows.append((item.sku, uom, qty))  # never booked in the ERP
                elif roll < 0.016:
                    erp_rows.append((item.sku, uom, qty))  # not found by the WMS count
                elif roll < 0.026 and item.pk in packs:
                    factor = packs[item.pk]
                    erp_rows.append((item.sku, uom, (qty or 1) * factor))
                    wms_rows.append((item.sku, uom, qty or 1))  # counted cases as eaches
                elif roll < 0.031:
                    erp_rows.append((item.sku, uom, -rng.randint(1, 20)))
                    wms_rows.append((item.sku, uom, 0))
                elif roll < 0.036:
                    erp_rows.append((item.sku, uom, qty))
                    wms_rows.append((item.sku, uom, -rng.randint(1, 20)))
                elif roll < 0.056:
                    off = rng.choice([-1, 1]) * rng.randint(1, 25)  # ±1 is within tolerance
                    erp_rows.append((item.sku, uom, qty))
                    wms_rows.append((item.sku, uom, max(qty + off, Decimal(0))))
                elif roll < 0.066:
                    received = rng.randint(5, 60)
                    erp_rows.append((item.sku, uom, qty))
                    wms_rows.append((item.sku, uom, qty + received))
                    in_flight.append((item, received))
                else:
                    erp_rows.append((item.sku, uom, qty))
                    wms_rows.append((item.sku, uom, qty))
            wms_rows.append((f"UNKNOWN-{warehouse.code}", "EA", 3))  # master data to fix
            booked = set(
                StockMovement.objects.filter(
                    warehouse=warehouse, document_type="receipt", document_ref__startswith="demo:"
                ).values_list("document_ref", flat=True)
            )
            for item, received in in_flight:
                # The same seed names the same receipt: booked once, however often it runs.
                reference = f"demo:{seed}:{warehouse.code}:{item.sku}"
                if reference in booked:
                    continue
                stock_movement_record(
                    actor=None,
                    item=item,
                    warehouse=warehouse,
                    kind=StockMovement.Kind.RECEIPT,
                    quantity=Decimal(received),
                    occurred_at=erp_at + datetime.timedelta(minutes=30),
                    document_type="receipt",
                    document_ref=reference,
                )
            for source, rows, taken_at in (("erp", erp_rows, erp_at), ("wms", wms_rows, wms_at)):
                try:
                    result = snapshot_ingest(
                        actor=None,
                        stream=_csv(rows),
                        source=source,
                        warehouse=warehouse,
                        taken_at=taken_at,
                        file_name=f"demo-{source}-{warehouse.code}.csv",
                    )
                except DomainError as error:  # run twice within a second: already there
                    self.stdout.write(f"{warehouse.code} {source.upper()}: {error.message}")
                    continue
                self.stdout.write(
                    f"{warehouse.code} {source.upper()}: {result.rows_loaded} lines loaded"
                )
        if reconcile:
            run = reconciliation.reconcile(actor=None, trigger="demo")
            self.stdout.write(
                f"Reconciliation #{run.pk}: {run.discrepancies} discrepancies, "
                f"{run.opened} exceptions opened: {run.counts}"
            )
