"""`manage.py configure_tryton_connector`: point the portal at a Tryton (see erp/README.md).

Creates or updates the `tryton` connector named `tryton` (outbound: acknowledgments,
change proposals and decisions, ASNs; the beat pulls purchases, receipts and stock
through it) *beside* the seeded connectors: the demo's `erp` file drop keeps its history,
its dead letter and the event kinds Tryton does not take (receipt confirmations,
supplier changes). A connector of another kind is never converted in place.
`--full-resync` makes the next pulls read everything again (the cursors restart).

With `--write-spec`, also writes the Tryton build spec for `erp/build_db.py` from the
portal's own demo data, so the ERP has the same suppliers (party code = ERP vendor id),
products (code = SKU), warehouses and a confirmed purchase per supplier.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from integrations.connectors.tryton import cursors
from integrations.connectors.tryton.connector import TrytonConnector
from integrations.models import Connector
from inventory.models import Warehouse
from suppliers.models import Supplier, SupplierItem

# Every event kind the ERP acts on (see integrations/connectors/tryton/connector.py); a
# change proposal becomes a note on the Tryton purchase for the buyer.
EVENT_TYPES = [
    "purchase_order.acknowledged",
    "purchase_order.change_proposed",
    "purchase_order.change_decided",
    "asn.*",
    "invoice.approved",
]
TRYTON_UNITS = {"EA": "u", "KG": "kg"}


def demo_spec(*, suppliers: int = 2, items_per_supplier: int = 3) -> dict[str, Any]:
    warehouses = list(Warehouse.objects.order_by("code")[:3])
    chosen = list(
        Supplier.objects.filter(
            status=Supplier.Status.ACTIVE, erp_vendor_id__isnull=False
        ).order_by("code")[:suppliers]
    )
    spec: dict[str, Any] = {
        "company": {"name": "Demo Distribution Inc.", "currency": "USD"},
        "warehouses": [{"code": w.code, "name": w.name} for w in warehouses],
        "suppliers": [{"code": s.erp_vendor_id, "name": s.name} for s in chosen],
        "products": [],
        "purchases": [],
    }
    seen = set()
    for index, supplier in enumerate(chosen):
        rows = [
            si
            for si in SupplierItem.objects.filter(supplier=supplier)
            .select_related("item__base_uom")
            .order_by("item__sku")
            if si.item.base_uom.code in TRYTON_UNITS
        ][:items_per_supplier]
        for row in rows:
            if row.item.sku not in seen:
                seen.add(row.item.sku)
                spec["products"].append(
                    {
                        "code": row.item.sku,
                        "name": row.item.description[:100],
                        "uom": TRYTON_UNITS[row.item.base_uom.code],
                        "cost": "1.0000",
                    }
                )
        if rows and warehouses:
            spec["purchases"].append(
                {
                    "supplier": supplier.erp_vendor_id,
                    "warehouse": warehouses[index % len(warehouses)].code,
                    "reference": f"demo-{index + 1}",
                    "lines": [
                        {
                            "product": r.item.sku,
                            "quantity": "24",
                            "unit_price": "1.0000",
                            "delivery_days": 14,
                        }
                        for r in rows[:2]
                    ],
                }
            )
    return spec


class Command(BaseCommand):
    help = "Create or update the Tryton ERP connector (and optionally the Tryton demo spec)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default="tryton")
        parser.add_argument("--url", default="http://127.0.0.1:8069")
        parser.add_argument("--database", default="tryton")
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password-env", default="TRYTON_PASSWORD")
        parser.add_argument("--number-prefix", default="")
        parser.add_argument("--write-spec", type=Path, help="Write the Tryton demo spec here.")
        parser.add_argument(
            "--full-resync",
            action="store_true",
            help="The next pulls read every purchase, receipt and supplier invoice again.",
        )

    def handle(self, *args, **options) -> None:
        config = {
            "url": options["url"],
            "database": options["database"],
            "username": options["username"],
            "password_env": options["password_env"],
            "number_prefix": options["number_prefix"],
        }
        errors = TrytonConnector.config_errors(config)
        if errors:
            raise SystemExit("; ".join(errors))
        existing = Connector.objects.filter(name=options["name"]).first()
        if existing is not None and existing.kind != "tryton":
            raise SystemExit(
                f"Connector {existing.name} is a {existing.kind} connector: choose another "
                "--name (the Tryton connector goes beside it, with its own history)."
            )
        connector, created = Connector.objects.update_or_create(
            name=options["name"],
            defaults={
                "kind": "tryton",
                "label": "ERP (Tryton)",
                "description": "Purchases in; acknowledgments, ASNs out; receipts, stock back.",
                "config": config,
                "event_types": EVENT_TYPES,
                "owner_team": "ERP team",
                "enabled": True,
            },
        )
        self.stdout.write(
            f"{'Created' if created else 'Updated'} connector {connector.name} → "
            f"{config['url']} database {config['database']} (password from "
            f"${config['password_env']})."
        )
        if options["full_resync"]:
            cursors.full_resync_request(connector)
            self.stdout.write(
                "The next pulls read every purchase, receipt and supplier invoice again."
            )
        if options["write_spec"]:
            spec = demo_spec()
            options["write_spec"].parent.mkdir(parents=True, exist_ok=True)
            options["write_spec"].write_text(json.dumps(spec, indent=2) + "\n")
            self.stdout.write(
                f"Wrote {options['write_spec']}: {len(spec['suppliers'])} suppliers, "
                f"{len(spec['products'])} products, {len(spec['purchases'])} purchases."
            )
