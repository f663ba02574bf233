"""Purchase orders arriving from the ERP, a CSV/XLSX import or a connector pull, and the
life of a purchase order and of its lines: `PURCHASE_ORDER_LIFECYCLE` and
`PURCHASE_ORDER_LINE_LIFECYCLE` hold every status move the services here and in
acknowledgments, shipments and receipts make, and their `move()` is the only writer of
those statuses."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record, publish
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from inventory.models import Item, UnitOfMeasure, Warehouse
from portal.access import Actor, User
from suppliers.models import PurchaseOrder, PurchaseOrderLine, Supplier
from suppliers.services.inbound_positions import (
    inbound_pairs_for_purchase_orders,
    inbound_positions_refresh_for,
)
from suppliers.services.inbound_rows import refresh_inbound_rows_for_orders
from suppliers.services.invoice_matching import invoice_lines_relink, invoice_lines_unlink
from suppliers.services.purchase_order_counts import purchase_orders_moved

# ---------------------------------------------------------------- lifecycles

PO = PurchaseOrder.Status
ERP = "ERP pull"
SUPPLIER = "supplier"
BUYER = "buyer"
SHIPPING = "system (shipping)"
RECEIVING = "warehouse (receipt)"
SHIPPING_NOTE = "the ASN's event carries it: asn.submitted, asn.updated or asn.cancelled"

# Move(from, to, action, who may, event, note). Actions are the audit entries' names (the
# PO timeline labels them). Revise and cancel come before anything ships: the services
# refuse a PO with shipped goods before the table is asked.
PURCHASE_ORDER_MOVES = [
    Move(CREATED, PO.ISSUED, "received", "ERP pull or PO import", "purchase_order.received"),
    Move(PO.ISSUED, PO.CONFIRMED, "acknowledged", SUPPLIER, "purchase_order.acknowledged"),
    Move(PO.ISSUED, PO.REJECTED, "rejected", SUPPLIER, "purchase_order.acknowledged"),
    Move(
        PO.ISSUED, PO.CHANGE_PROPOSED, "change_proposed", SUPPLIER, "purchase_order.change_proposed"
    ),
    Move(
        PO.CHANGE_PROPOSED, PO.CONFIRMED, "change_accepted", BUYER, "purchase_order.change_decided"
    ),
    Move(
        PO.CHANGE_PROPOSED,
        PO.CONFIRMED,
        "change_auto_accepted",
        "system (supplier's auto-accept rule)",
        "purchase_order.change_decided",
    ),
    Move(PO.CHANGE_PROPOSED, PO.ISSUED, "change_rejected", BUYER, "purchase_order.change_decided"),
    *(
        Move(source, PO.ISSUED, "revised", ERP, "purchase_order.revised")
        for source in (PO.ISSUED, PO.CHANGE_PROPOSED, PO.CONFIRMED, PO.REJECTED)
    ),
    *(
        Move(source, PO.CANCELLED, "cancelled", ERP, "purchase_order.cancelled")
        for source in (PO.ISSUED, PO.CHANGE_PROPOSED, PO.CONFIRMED, PO.REJECTED)
    ),
    # Shipping progress, recomputed from the ASNs that count as shipped.
    Move(PO.CONFIRMED, PO.PARTIALLY_SHIPPED, "asn_submitted", SHIPPING, note=SHIPPING_NOTE),
    Move(PO.CONFIRMED, PO.SHIPPED, "asn_submitted", SHIPPING, note=SHIPPING_NOTE),
    Move(PO.PARTIALLY_SHIPPED, PO.SHIPPED, "asn_submitted", SHIPPING, note=SHIPPING_NOTE),
    Move(PO.CONFIRMED, PO.PARTIALLY_SHIPPED, "asn_updated", SHIPPING, note=SHIPPING_NOTE),
    Move(PO.CONFIRMED, PO.SHIPPED, "asn_updated", SHIPPING, note=SHIPPING_NOTE),
    Move(PO.PARTIALLY_SHIPPED, PO.SHIPPED, "asn_updated", SHIPPING, note=SHIPPING_NOTE),
    Move(PO.PARTIALLY_SHIPPED, PO.CONFIRMED, "asn_updated", SHIPPING, note=SHIPPING_NOTE),
    Move(PO.SHIPPED, PO.PARTIALLY_SHIPPED, "asn_updated", SHIPPING, note=SHIPPING_NOTE),
    Move(PO.SHIPPED, PO.CONFIRMED, "asn_updated", SHIPPING, note=SHIPPING_NOTE),
    Move(PO.PARTIALLY_SHIPPED, PO.CONFIRMED, "asn_cancelled", SHIPPING, note=SHIPPING_NOTE),
    Move(PO.SHIPPED, PO.PARTIALLY_SHIPPED, "asn_cancelled", SHIPPING, note=SHIPPING_NOTE),
    Move(PO.SHIPPED, PO.CONFIRMED, "asn_cancelled", SHIPPING, note=SHIPPING_NOTE),
    # A short receipt's rest open to ship again, or counted again once its line closes.
    *(
        Move(
            source,
            target,
            "short_received",
            RECEIVING,
            note="recounted after a short receipt or the ERP's cancelled backorder",
        )
        for source in (PO.CONFIRMED, PO.PARTIALLY_SHIPPED, PO.SHIPPED)
        for target in (PO.CONFIRMED, PO.PARTIALLY_SHIPPED, PO.SHIPPED)
        if source != target
    ),
    # The last open quantity received (an over-receipt can finish a partially shipped PO).
    *(
        Move(source, PO.RECEIVED, "goods_received", RECEIVING, "purchase_order.goods_received")
        for source in (PO.PARTIALLY_SHIPPED, PO.SHIPPED)
    ),
    Move(
        PO.RECEIVED,
        PO.CLOSED,
        "closed",
        ERP,
        note="kept for the ERP's close of a received PO: no channel sends it yet",
    ),
]

PURCHASE_ORDER_LIFECYCLE = Lifecycle(
    document="Purchase order",
    model=PurchaseOrder,
    moves=PURCHASE_ORDER_MOVES,
    aggregate_type="purchase_order",
    aggregate_id=lambda purchase_order: purchase_order.number,
    # `move` saves: its post_save replaces the list counts' versions; `move_many` tells.
    changed=purchase_orders_moved,
)

LINE = PurchaseOrderLine.Status
LINE_NOTE = "the PO's event carries its lines"
PURCHASE_ORDER_LINE_LIFECYCLE = Lifecycle(
    document="Purchase order line",
    model=PurchaseOrderLine,
    moves=[
        Move(CREATED, LINE.OPEN, "received", "ERP pull or PO import", note=LINE_NOTE),
        Move(CREATED, LINE.OPEN, "revised", ERP, note=LINE_NOTE),
        Move(
            LINE.OPEN,
            LINE.RECEIVED,
            "goods_received",
            RECEIVING,
            note="receipt.confirmed carries the quantities; purchase_order.goods_received "
            "the PO's last line",
        ),
        Move(LINE.OPEN, LINE.CANCELLED, "cancelled", ERP, note=LINE_NOTE),
    ],
    aggregate_type="purchase_order_line",
)


@dataclass(frozen=True)
class PurchaseOrderLineInput:
    line_no: int
    item: Item
    ordered_qty: Decimal
    uom: UnitOfMeasure
    unit_price: Decimal
    requested_date: datetime.date


def _validate_lines(lines: list[PurchaseOrderLineInput]) -> None:
    if not lines:
        raise DomainError(gettext("A purchase order needs at least one line."), field="lines")
    seen: set[int] = set()
    for line in lines:
        if line.line_no in seen:
            raise DomainError(
                gettext("Line number %(line_no)s appears twice.") % {"line_no": line.line_no},
                field="line_no",
                line=line.line_no,
            )
        seen.add(line.line_no)
        if line.ordered_qty <= 0:
            raise DomainError(
                gettext("Ordered quantity must be greater than zero."),
                field="ordered_qty",
                line=line.line_no,
            )
        if line.uom.is_count and line.ordered_qty != line.ordered_qty.to_integral_value():
            raise DomainError(
                gettext(
                    "%(code)s is counted in whole units; %(ordered_qty)s is not a whole number."
                )
                % {"code": line.uom.code, "ordered_qty": format(line.ordered_qty.normalize(), "f")},
                field="ordered_qty",
                line=line.line_no,
            )
        if line.unit_price < 0:
            raise DomainError(
                gettext("Unit price cannot be negative."), field="unit_price", line=line.line_no
            )


@transaction.atomic
def purchase_order_create(
    *,
    actor: Actor,
    number: str,
    supplier: Supplier,
    ship_to: Warehouse,
    lines: list[PurchaseOrderLineInput],
    channel: str = Channel.CSV,
    issued_at: datetime.datetime | None = None,
    currency: str | None = None,
    erp_id: str = "",
    buyer: User | None = None,
) -> PurchaseOrder:
    """Record a purchase order the distributor issued, with its lines; audit it and
    publish `purchase_order.received`. The acknowledgment is due after the supplier's SLA."""
    number = number.strip()
    if not number:
        raise DomainError(gettext("A purchase order needs a number."), field="number")
    if PurchaseOrder.objects.filter(number=number).exists():
        raise DomainError(
            gettext("Purchase order %(number)s already exists.") % {"number": number},
            field="number",
        )
    _validate_lines(lines)
    issued_at = issued_at or timezone.now()
    PURCHASE_ORDER_LIFECYCLE.check_created(PurchaseOrder.Status.ISSUED)
    purchase_order = PurchaseOrder.objects.create(
        number=number,
        status=PurchaseOrder.Status.ISSUED,
        supplier=supplier,
        ship_to=ship_to,
        currency=currency or supplier.currency,
        issued_at=issued_at,
        ack_due_at=issued_at + datetime.timedelta(hours=supplier.ack_sla_hours),
        source_channel=channel,
        erp_id=erp_id,
        buyer=buyer,
    )
    _create_lines(purchase_order, lines)
    snapshot = {
        "number": number,
        "supplier": supplier.code,
        "ship_to": ship_to.code,
        "lines": [
            {
                "line_no": line.line_no,
                "sku": line.item.sku,
                "ordered_qty": line.ordered_qty,
                "uom": line.uom.code,
                "unit_price": line.unit_price,
                "requested_date": line.requested_date,
            }
            for line in lines
        ],
    }
    audit_record(
        actor=actor, channel=channel, obj=purchase_order, action="received", after=snapshot
    )
    publish(
        event_type="purchase_order.received",
        aggregate_type="purchase_order",
        aggregate_id=purchase_order.number,
        data={**snapshot, "revision": purchase_order.revision, "currency": purchase_order.currency},
        actor=actor,
        channel=channel,
    )
    return purchase_order


def _create_lines(purchase_order: PurchaseOrder, lines: list[PurchaseOrderLineInput]) -> None:
    PURCHASE_ORDER_LINE_LIFECYCLE.check_created(PurchaseOrderLine.Status.OPEN)
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            purchase_order=purchase_order,
            line_no=line.line_no,
            item=line.item,
            ordered_qty=line.ordered_qty,
            uom=line.uom,
            unit_price=line.unit_price,
            requested_date=line.requested_date,
            status=PurchaseOrderLine.Status.OPEN,
        )
        for line in sorted(lines, key=lambda line: line.line_no)
    )


def _lines_snapshot(purchase_order: PurchaseOrder) -> list[dict[str, Any]]:
    return [
        {
            "line_no": line.line_no,
            "sku": line.item.sku,
            "ordered_qty": line.ordered_qty,
            "uom": line.uom.code,
            "unit_price": line.unit_price,
            "requested_date": line.requested_date,
        }
        for line in purchase_order.lines.select_related("item", "uom").order_by("line_no")
    ]


def _lock_unshipped(purchase_order: PurchaseOrder, verb: str) -> PurchaseOrder:
    """Lock the PO row and refuse when goods already moved against it: the ERP has to
    settle that with the supplier (the portal cannot un-ship)."""
    purchase_order = (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("supplier", "ship_to")
        .get(pk=purchase_order.pk)
    )
    moved = purchase_order.lines.filter(shipped_qty__gt=0).values_list("line_no", flat=True)
    if moved:
        lines = ", ".join(str(no) for no in moved)
        raise DomainError(
            gettext(
                "Purchase order %(number)s cannot be %(verb)s: line(s) "
                "%(lines)s already shipped. Settle it with the supplier "
                "(cancel or receive the ASN first)."
            )
            % {"number": purchase_order.number, "verb": verb, "lines": lines},
            field="number",
        )
    return purchase_order


@transaction.atomic
def purchase_order_cancel(
    *, actor: Actor, purchase_order: PurchaseOrder, reason: str, channel: str = Channel.CONNECTOR
) -> PurchaseOrder:
    """The distributor (its ERP) cancels a PO nothing has shipped against. Cancelling a
    cancelled PO changes nothing. Publishes `purchase_order.cancelled`."""
    if purchase_order.status == PurchaseOrder.Status.CANCELLED:
        return purchase_order
    purchase_order = _lock_unshipped(purchase_order, "cancelled")
    if purchase_order.status == PurchaseOrder.Status.CANCELLED:
        return purchase_order
    PURCHASE_ORDER_LIFECYCLE.move(
        purchase_order,
        to=PurchaseOrder.Status.CANCELLED,
        action="cancelled",
        actor=actor,
        channel=channel,
        after={"reason": reason},
        data={
            "number": purchase_order.number,
            "supplier": purchase_order.supplier.code,
            "revision": purchase_order.revision,
            "reason": reason,
            "lines": _lines_snapshot(purchase_order),
        },
    )
    PURCHASE_ORDER_LINE_LIFECYCLE.move_many(
        purchase_order.lines.all(),
        to=PurchaseOrderLine.Status.CANCELLED,
        action="cancelled",
        actor=actor,
        channel=channel,
        after={"reason": reason},
    )
    # A confirmed PO was counted as open PO until now.
    inbound_positions_refresh_for(pairs=inbound_pairs_for_purchase_orders([purchase_order]))
    refresh_inbound_rows_for_orders([purchase_order])
    return purchase_order


@transaction.atomic
def purchase_order_revise(
    *,
    actor: Actor,
    purchase_order: PurchaseOrder,
    lines: list[PurchaseOrderLineInput],
    channel: str = Channel.CONNECTOR,
) -> PurchaseOrder:
    """The ERP revised a PO before anything shipped: its lines are replaced, the revision
    goes up, confirmed values are cleared and the supplier acknowledges it again (a new
    acknowledgment deadline). Publishes `purchase_order.revised`."""
    _validate_lines(lines)
    purchase_order = _lock_unshipped(purchase_order, "revised")
    if purchase_order.status == PurchaseOrder.Status.CANCELLED:
        raise DomainError(
            gettext("Purchase order %(number)s is cancelled; it cannot be revised.")
            % {"number": purchase_order.number},
            field="number",
        )
    before = {"revision": purchase_order.revision, "lines": _lines_snapshot(purchase_order)}
    # A confirmed PO's open quantity goes with its old lines; the new ones count nothing
    # until the supplier confirms them.
    pairs = inbound_pairs_for_purchase_orders([purchase_order])
    # Invoice lines protect their PO line: they let go of it and follow its number.
    invoiced = invoice_lines_unlink(purchase_order=purchase_order)
    purchase_order.lines.all().delete()
    _create_lines(purchase_order, lines)
    purchase_order.revision += 1
    purchase_order.ack_due_at = timezone.now() + datetime.timedelta(
        hours=purchase_order.supplier.ack_sla_hours
    )
    after = {"revision": purchase_order.revision, "lines": _lines_snapshot(purchase_order)}
    PURCHASE_ORDER_LIFECYCLE.move(
        purchase_order,
        to=PurchaseOrder.Status.ISSUED,
        action="revised",
        actor=actor,
        channel=channel,
        update_fields=["revision", "ack_due_at"],
        before=before,
        after=after,
        data={
            "number": purchase_order.number,
            "supplier": purchase_order.supplier.code,
            "ship_to": purchase_order.ship_to.code,
            "currency": purchase_order.currency,
            **after,
        },
    )
    inbound_positions_refresh_for(pairs=pairs)
    refresh_inbound_rows_for_orders([purchase_order])
    # Its invoices are matched again at once: a new price is a price variance now.
    invoice_lines_relink(
        actor=actor, purchase_order=purchase_order, unlinked=invoiced, channel=channel
    )
    return purchase_order
