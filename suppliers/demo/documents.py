"""Per-supplier demo documents, so every action can be tried with any demo login: POs
awaiting acknowledgment (one overdue) to accept, reject or propose changes on; ASNs in
each state; a receipt short of what was shipped; a matched invoice and one on hold.

All made through the real services (statuses come from their lifecycles), for the named
active suppliers only, so the count is bounded at every scale. Deterministic: fixed PO,
ASN, receipt and invoice numbers per supplier, dates relative to today. Idempotent: a
supplier whose shipping PO exists is skipped."""

import datetime
from decimal import Decimal

from django.utils import timezone

from integrations.models import AuditEntry, Channel
from inventory.models import Warehouse
from portal.access import User
from suppliers import services
from suppliers.demo import catalog
from suppliers.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    Shipment,
    Supplier,
    SupplierItem,
)
from suppliers.services.shipment_rules import AsnHeader

ERP = "ERP (demo)"
WMS = "WMS (demo)"
# One line per ASN state, in this order, on the supplier's shipping PO.
ASN_STATES = (
    "draft",
    "submitted",
    "in_transit",
    "delayed",
    "delivered",
    "received_short",
    "received",
    "cancelled",
)
QTY = Decimal(10)
SHORT_QTY = Decimal(8)


def po_number(supplier_index: int, n: int) -> str:
    """PO-9SSNNN: its own range, clear of the plan's (PO-1…, PO-2…) and EDI's numbers."""
    return f"PO-9{supplier_index + 1:02d}{n:03d}"


def demo_suppliers() -> list[tuple[int, Supplier]]:
    codes = [s.code for s in catalog.NAMED_SUPPLIERS]
    by_code = {
        s.code: s for s in Supplier.objects.filter(code__in=codes, status=Supplier.Status.ACTIVE)
    }
    return [(index, by_code[code]) for index, code in enumerate(codes) if code in by_code]


def _supplier_user(supplier: Supplier) -> User | None:
    return (
        User.objects.filter(supplier_membership__supplier=supplier, is_active=True)
        .order_by("supplier_membership__role", "pk")
        .first()
    )


def _create_po(
    *,
    number: str,
    supplier: Supplier,
    warehouse: Warehouse,
    supplier_items: list[SupplierItem],
    issued_at: datetime.datetime,
) -> PurchaseOrder:
    requested = issued_at.date() + datetime.timedelta(days=14)
    purchase_order = services.purchase_order_create(
        actor=ERP,
        number=number,
        supplier=supplier,
        ship_to=warehouse,
        issued_at=issued_at,
        lines=[
            services.PurchaseOrderLineInput(
                line_no=n,
                item=si.item,
                ordered_qty=QTY,
                uom=si.uom,
                unit_price=Decimal("4.25") + n,
                requested_date=requested,
            )
            for n, si in enumerate(supplier_items, start=1)
        ],
    )
    # As for the bulk-loaded orders: the timeline starts when the ERP issued the order.
    AuditEntry.objects.filter(
        object_type=PurchaseOrder._meta.label_lower, object_repr=number, action="received"
    ).update(occurred_at=issued_at)
    return purchase_order


def _add(created: dict[str, int], label: str, count: int = 1) -> None:
    created[label] = created.get(label, 0) + count


def _awaiting_acknowledgment(
    created: dict[str, int],
    index: int,
    supplier: Supplier,
    warehouse: Warehouse,
    supplier_items: list[SupplierItem],
) -> None:
    """Three POs to acknowledge: the first overdue, the others due later."""
    now = timezone.now().replace(second=0, microsecond=0)
    overdue = now - datetime.timedelta(hours=supplier.ack_sla_hours + 30)
    for n, issued_at in ((1, overdue), (2, now - datetime.timedelta(hours=1)), (3, now)):
        _create_po(
            number=po_number(index, n),
            supplier=supplier,
            warehouse=warehouse,
            supplier_items=supplier_items[n - 1 : n + 1],
            issued_at=issued_at,
        )
        _add(created, "demo POs awaiting acknowledgment")


def _asn(
    actor: User, supplier: Supplier, line: PurchaseOrderLine, state: str, today: datetime.date
) -> Shipment:
    header = AsnHeader(
        asn_number=f"ASN-{supplier.code}-{line.line_no:02d}",
        ship_date=today,
        expected_delivery=today + datetime.timedelta(days=3),
        carrier="UPS",
        tracking_number=f"1Z{supplier.code}{line.line_no:012d}",
        package_count=1,
        gross_weight_kg=Decimal("12.5"),
    )
    return services.asn_create(
        actor=actor,
        supplier=supplier,
        header=header,
        lines=[services.AsnLineInput(po_line=line, quantity=QTY)],
    )


def _ship_through_every_state(
    created: dict[str, int],
    index: int,
    supplier: Supplier,
    actor: User,
    warehouse: Warehouse,
    supplier_items: list[SupplierItem],
) -> None:
    """A PO accepted ten days ago, one line per ASN state: draft, submitted, in transit,
    delayed, delivered, received short (a variance), received in full, cancelled. The
    received lines are invoiced: the full one matches, the short one is held."""
    today = timezone.localdate()
    issued_at = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(days=10)
    purchase_order = _create_po(
        number=po_number(index, 10),
        supplier=supplier,
        warehouse=warehouse,
        supplier_items=supplier_items[: len(ASN_STATES)],
        issued_at=issued_at,
    )
    services.purchase_order_accept(
        actor=actor, purchase_order=purchase_order, revision=purchase_order.revision
    )
    lines = list(purchase_order.lines.order_by("line_no"))
    for line, state in zip(lines, ASN_STATES, strict=True):
        # Fresh each time: every ASN moves the PO (the services read its status).
        line = PurchaseOrderLine.objects.select_related("purchase_order__ship_to", "uom").get(
            pk=line.pk
        )
        shipment = _asn(actor, supplier, line, state, today)
        _add(created, "demo ASNs")
        if state == "draft":
            continue
        shipment = services.asn_submit(actor=actor, shipment=shipment)
        if state == "cancelled":
            services.asn_cancel(actor=actor, shipment=shipment, reason="Truck cancelled.")
        elif state in ("in_transit", "delayed", "delivered"):
            services.shipment_milestone_report(
                actor=actor, shipment=shipment, code="picked_up", location="Supplier dock"
            )
            if state == "delayed":
                services.shipment_milestone_report(
                    actor=actor,
                    shipment=shipment,
                    code="delayed",
                    new_eta=today + datetime.timedelta(days=6),
                    reason="Carrier missed the linehaul.",
                )
            elif state == "delivered":
                services.shipment_milestone_report(
                    actor=actor, shipment=shipment, code="delivered", location=warehouse.name
                )
        elif state.startswith("received"):
            received = SHORT_QTY if state == "received_short" else QTY
            services.receipt_record(
                actor=WMS,
                shipment=shipment,
                reference=f"GR-{supplier.code}-{line.line_no:02d}",
                lines=[services.ReceiptLineInput(line_no=1, qty_received=received)],
                closes_asn=True,
            )
            _add(created, "demo receipts")
    _invoices(created, supplier, actor, purchase_order, lines, today)


def _invoices(
    created: dict[str, int],
    supplier: Supplier,
    actor: User,
    purchase_order: PurchaseOrder,
    lines: list[PurchaseOrderLine],
    today: datetime.date,
) -> None:
    """Invoice the full receipt (matched) and the short one for what was shipped (on hold:
    more invoiced than received)."""
    by_state = dict(zip(ASN_STATES, lines, strict=True))
    for number, state in ((1, "received"), (2, "received_short")):
        line = PurchaseOrderLine.objects.select_related("uom").get(pk=by_state[state].pk)
        services.invoice_submit(
            actor=actor,
            supplier=supplier,
            purchase_order=purchase_order,
            header=services.InvoiceHeader(
                number=f"INV-{supplier.code}-{number:04d}", invoice_date=today
            ),
            lines=[
                services.InvoiceLineInput(
                    line_no=1,
                    quantity=QTY,
                    uom_code=line.uom.code,
                    unit_price=line.unit_price,
                    po_line=line,
                )
            ],
            channel=Channel.PORTAL,
        )
        _add(created, "demo invoices")


def seed_supplier_documents(created: dict[str, int], *, first: int | None = None) -> None:
    """For every named active supplier with a login (or the `first` few of them), its
    try-everything documents."""
    warehouse = Warehouse.objects.filter(is_active=True).order_by("code").first()
    if warehouse is None:
        return
    for index, supplier in demo_suppliers()[:first]:
        if PurchaseOrder.objects.filter(number=po_number(index, 10)).exists():
            continue
        actor = _supplier_user(supplier)
        supplier_items = list(
            SupplierItem.objects.filter(supplier=supplier, is_active=True)
            .select_related("item", "uom")
            .order_by("supplier_sku")[: len(ASN_STATES)]
        )
        if actor is None or len(supplier_items) < len(ASN_STATES):
            continue
        _awaiting_acknowledgment(created, index, supplier, warehouse, supplier_items)
        _ship_through_every_state(created, index, supplier, actor, warehouse, supplier_items)
