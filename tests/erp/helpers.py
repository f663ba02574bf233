"""Test-side actions in Tryton (over JSON-RPC, as a Tryton user would click them) and the
portal master data matching `tests/erp/tryton_spec.json`."""

import datetime
from decimal import Decimal

from integrations.connectors.tryton.client import TrytonClient
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, WarehouseFactory
from tests.suppliers.factories import SupplierFactory


def portal_master_data() -> dict:
    """Suppliers, items and warehouses as the portal knows them (the Tryton side is the
    spec). TRY-NOT-IN-PORTAL and V-UNKNOWN are left out on purpose."""
    each = UnitOfMeasureFactory(code="EA")
    kg = UnitOfMeasureFactory(code="KG", name="Kilogram", kind="mass", decimal_places=3)
    return {
        "fasteners": SupplierFactory(code="TRYF", name="Tryton Fasteners", erp_vendor_id="V-TRY01"),
        "packaging": SupplierFactory(code="TRYP", name="Tryton Packaging", erp_vendor_id="V-TRY02"),
        "bolt": ItemFactory(sku="TRY-BOLT-M8", base_uom=each),
        "nut": ItemFactory(sku="TRY-NUT-M8", base_uom=each),
        "box": ItemFactory(sku="TRY-BOX-12", base_uom=each),
        "resin": ItemFactory(sku="TRY-RESIN", base_uom=kg),
        "dal": WarehouseFactory(code="DAL1", name="Dallas"),
        "atl": WarehouseFactory(code="ATL1", name="Atlanta"),
    }


def _one(client: TrytonClient, model: str, domain: list, fields: list[str]) -> dict:
    (row,) = client.search_read(model, domain, ["id", *fields], limit=1)
    return row


def create_purchase(
    client: TrytonClient,
    *,
    supplier: str,
    warehouse: str,
    lines: list[tuple[str, str, str]],
    delivery_in_days: int = 14,
    confirm: bool = True,
    invoice_method: str | None = None,
) -> dict:
    """A purchase of (product code, quantity, unit price) lines, quoted and confirmed
    (invoiced as the purchase configuration says unless `invoice_method` is given)."""
    party = _one(client, "party.party", [("code", "=", supplier)], ["addresses"])
    location = _one(
        client, "stock.location", [("type", "=", "warehouse"), ("code", "=", warehouse)], []
    )
    delivery = datetime.date.today() + datetime.timedelta(days=delivery_in_days)
    line_values = []
    for code, quantity, price in lines:
        product = _one(client, "product.product", [("code", "=", code)], ["default_uom"])
        line_values.append(
            {
                "type": "line",
                "product": product["id"],
                "unit": product["default_uom"],
                "quantity": float(Decimal(quantity)),
                "unit_price": Decimal(price),
                "description": code,
                "delivery_date_edit": True,
                "delivery_date_store": delivery,
            }
        )
    (purchase_id,) = client.create(
        "purchase.purchase",
        [
            {
                "party": party["id"],
                "invoice_address": party["addresses"][0],
                "warehouse": location["id"],
                "lines": [("create", line_values)],
                **({"invoice_method": invoice_method} if invoice_method else {}),
            }
        ],
    )
    if confirm:
        client.model("purchase.purchase", "quote", [purchase_id])
        client.model("purchase.purchase", "confirm", [purchase_id])
    return purchase(client, purchase_id)


def purchase(client: TrytonClient, purchase_id: int) -> dict:
    (row,) = client.read(
        "purchase.purchase", [purchase_id], ["number", "state", "reference", "comment", "lines"]
    )
    return row


def purchase_lines(client: TrytonClient, purchase_id: int) -> list[dict]:
    row = purchase(client, purchase_id)
    return client.read(
        "purchase.line", row["lines"], ["delivery_date", "quantity", "moves", "moves_ignored"]
    )


def shipments_of(client: TrytonClient, asn_number: str) -> list[dict]:
    return client.search_read(
        "stock.shipment.in",
        [("reference", "like", f"{asn_number}%")],
        ["id", "state", "reference", "planned_date", "incoming_moves", "supplier.code"],
        order=[["id", "ASC"]],
    )


def moves(client: TrytonClient, ids: list[int]) -> list[dict]:
    return client.read(
        "stock.move", ids, ["product.code", "quantity", "origin", "state", "planned_date"]
    )


def receive(client: TrytonClient, shipment_id: int) -> None:
    """Receive and finish a supplier shipment in Tryton, as the warehouse clerk does."""
    client.model("stock.shipment.in", "receive", [shipment_id])
    client.model("stock.shipment.in", "do", [shipment_id])


def supplier_invoices(client: TrytonClient, reference: str) -> list[dict]:
    return client.search_read(
        "account.invoice",
        [("type", "=", "in"), ("reference", "=", reference)],
        ["id", "state", "reference", "invoice_date", "total_amount", "party.code", "lines"],
        order=[["id", "ASC"]],
    )


def invoice_lines(client: TrytonClient, ids: list[int]) -> list[dict]:
    return client.read(
        "account.invoice.line", ids, ["origin", "product.code", "quantity", "unit_price", "amount"]
    )


def post_invoice(client: TrytonClient, invoice_id: int) -> None:
    """Accounts payable validate and post the draft supplier invoice."""
    client.model("account.invoice", "validate_invoice", [invoice_id])
    client.model("account.invoice", "post", [invoice_id])


def pay_invoice(client: TrytonClient, invoice_id: int, *, description: str, on: datetime.date):
    """Invoice › Pay in Tryton: the whole amount by bank transfer (the payment method
    `erp/build_db.py` creates), as the AP clerk runs the wizard."""
    session, start, _ = client.call("wizard.account.invoice.pay.create")
    context = {
        "active_model": "account.invoice",
        "active_id": invoice_id,
        "active_ids": [invoice_id],
    }
    view = client.call("wizard.account.invoice.pay.execute", session, {}, start, context=context)
    form = {k: v for k, v in view["view"]["defaults"].items() if not k.endswith(".")}
    (method,) = client.search_read(
        "account.invoice.payment.method", [("name", "=", "Bank transfer")], ["id"], limit=1
    )
    form.update(payment_method=method["id"], description=description, date=on)
    client.call(
        "wizard.account.invoice.pay.execute", session, {"start": form}, "choice", context=context
    )
    client.call("wizard.account.invoice.pay.delete", session)
