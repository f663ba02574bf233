"""The portal follows the ERP's real life (issue 23).

- **Moves cancelled in Tryton.** A processing purchase cannot be cancelled in Tryton:
  the buyer cancels its moves. What the buyer cancelled comes off the line (the pull
  computes the line's quantity less the buyer's cancelled moves); a line with nothing
  left goes, a purchase with no line left is cancelled. Both through the PO's own
  revise and cancel services (`purchase_orders.py`); the supplier's users are told by the
  portal's notifications of the events those publish.
  A waiting delivery the buyer moved to another date in Tryton comes back the same way,
  as a revision with the new requested date.
- **Short receipts.** When Tryton received less than was shipped and closed the ASN,
  the buyer's rule for the supplier (`ErpShortReceiptRule`, default keep open) says
  what happens to the rest: it stays open on both sides (Tryton keeps its backorder,
  the portal line stays open), or Tryton's backorder is cancelled (the pull does that
  through the connector) and the portal closes the line as received, so both agree.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from integrations.models import Channel, Connector, ErpShortReceiptRule
from portal.access import Actor
from suppliers.models import PurchaseOrder, PurchaseOrderLine, Shipment
from suppliers.services.inbound_positions import (
    inbound_pairs_for_purchase_orders,
    inbound_positions_refresh_for,
)
from suppliers.services.inbound_rows import refresh_inbound_rows
from suppliers.services.purchase_orders import (
    PURCHASE_ORDER_LIFECYCLE,
    PURCHASE_ORDER_LINE_LIFECYCLE,
    PurchaseOrderLineInput,
    purchase_order_cancel,
    purchase_order_revise,
)
from suppliers.services.shipped_quantities import refresh_shipped_after_receipt


@transaction.atomic
def purchase_order_follow_erp(
    *,
    actor: Actor,
    purchase_order: PurchaseOrder,
    lines: list[PurchaseOrderLineInput],
    erp_reference: str,
    channel: str = Channel.CONNECTOR,
) -> str:
    """Bring a PO to what the ERP now expects: `lines` are the ERP's lines less what the
    buyer cancelled there. No line left: the PO is cancelled; otherwise it is revised
    (the supplier acknowledges again). Returns "cancelled" or "revised"; raises
    DomainError when goods already shipped (the revise/cancel services refuse)."""
    if not lines:
        purchase_order_cancel(
            actor=actor,
            purchase_order=purchase_order,
            reason=f"every delivery of {erp_reference} was cancelled in the ERP",
            channel=channel,
        )
        # The supplier's users are told by the portal's notifications (purchase_order.cancelled),
        # by e-mail or digest as each chose: one message, never a second one from here.
        return "cancelled"
    purchase_order_revise(actor=actor, purchase_order=purchase_order, lines=lines, channel=channel)
    # Told by the notifications of purchase_order.revised, as for a cancellation.
    return "revised"


def dates_moved_in_erp(
    purchase_order: PurchaseOrder, waiting: dict[int, list[datetime.date]]
) -> dict[int, datetime.date]:
    """Lines whose waiting deliveries the buyer moved in Tryton to a date the portal does
    not know (its requested, confirmed or schedule dates): line no → the earliest new
    date, to come back as a revision."""
    moved = {}
    for line in purchase_order.lines.filter(status=PurchaseOrderLine.Status.OPEN).prefetch_related(
        "schedule_lines"
    ):
        known = {line.requested_date, line.confirmed_date}
        known.update(schedule.date for schedule in line.schedule_lines.all())
        dates = set(waiting.get(line.line_no) or [])
        if dates - known:
            moved[line.line_no] = min(dates - known)
    return moved


def short_receipt_rule(*, connector: Connector, supplier_code: str) -> str:
    """The buyer's rule for a supplier's short receipts: the supplier's own rule, else
    the connector's rule for every supplier, else keep the remainder open."""
    rules = dict(
        ErpShortReceiptRule.objects.filter(
            connector=connector, supplier_code__in=[supplier_code, ""]
        ).values_list("supplier_code", "rule")
    )
    return rules.get(supplier_code) or rules.get("") or ErpShortReceiptRule.Rule.KEEP_OPEN


@dataclass(frozen=True)
class ShortLine:
    po_number: str
    line_no: int
    short: Decimal


def short_lines(shipment: Shipment) -> list[ShortLine]:
    """Lines of a received ASN that got less than was confirmed and are still open."""
    po_line_ids = shipment.lines.values_list("po_line_id", flat=True)
    rows = (
        PurchaseOrderLine.objects.filter(pk__in=po_line_ids, status=PurchaseOrderLine.Status.OPEN)
        .select_related("purchase_order")
        .order_by("purchase_order__number", "line_no")
    )
    found = []
    for line in rows:
        owed = line.confirmed_qty if line.confirmed_qty is not None else line.ordered_qty
        if line.received_qty < owed:
            found.append(
                ShortLine(line.purchase_order.number, line.line_no, owed - line.received_qty)
            )
    return found


@transaction.atomic
def short_lines_close(
    *, actor: Actor, shipment: Shipment, lines: list[ShortLine], channel: str = Channel.CONNECTOR
) -> int:
    """Close short-received lines as received (the ERP cancelled its backorder), and a
    PO whose every line is then closed. Returns the number of lines closed."""
    wanted = {(line.po_number, line.line_no) for line in lines}
    po_lines = [
        line
        for line in PurchaseOrderLine.objects.select_for_update()
        .select_related("purchase_order")
        .filter(
            purchase_order__number__in={n for n, _ in wanted},
            status=PurchaseOrderLine.Status.OPEN,
        )
        .order_by("pk")
        if (line.purchase_order.number, line.line_no) in wanted
    ]
    if not po_lines:
        return 0
    PURCHASE_ORDER_LINE_LIFECYCLE.move_many(
        PurchaseOrderLine.objects.filter(pk__in=[line.pk for line in po_lines]),
        to=PurchaseOrderLine.Status.RECEIVED,
        action="goods_received",
        actor=actor,
        channel=channel,
        after={"short_receipt": "ERP backorder cancelled", "asn": shipment.asn_number},
    )
    receipt = shipment.receipts.order_by("-pk").first()
    sources = PURCHASE_ORDER_LIFECYCLE.sources(PurchaseOrder.Status.RECEIVED, "goods_received")
    for purchase_order in PurchaseOrder.objects.select_for_update(of=("self",)).filter(
        pk__in={line.purchase_order_id for line in po_lines}
    ):
        if purchase_order.status not in sources:
            continue
        if purchase_order.lines.filter(status=PurchaseOrderLine.Status.OPEN).exists():
            continue
        PURCHASE_ORDER_LIFECYCLE.move(
            purchase_order,
            to=PurchaseOrder.Status.RECEIVED,
            action="goods_received",
            actor=actor,
            channel=channel,
            after={"short_receipt": "ERP backorder cancelled", "asn": shipment.asn_number},
            data={
                "number": purchase_order.number,
                "supplier": shipment.supplier.code,
                "revision": purchase_order.revision,
                "received_at": receipt.received_at if receipt else timezone.now(),
                "receipt": f"{receipt.source}:{receipt.reference}" if receipt else "erp:short",
                "asn_number": shipment.asn_number,
                "lines": [
                    {
                        "line_no": line.line_no,
                        "sku": line.item.sku,
                        "confirmed_qty": line.confirmed_qty
                        if line.confirmed_qty is not None
                        else line.ordered_qty,
                        "received_qty": line.received_qty,
                        "uom": line.uom.code,
                    }
                    for line in purchase_order.lines.select_related("item", "uom").order_by(
                        "line_no"
                    )
                ],
            },
        )
    # Closed lines count their ASNs' full quantity again: nothing is open to ship on them.
    refresh_shipped_after_receipt(
        {line.pk for line in po_lines},
        actor=actor,
        channel=channel,
        asn=shipment.asn_number,
        receipt="ERP backorder cancelled",
    )
    inbound_positions_refresh_for(
        pairs=inbound_pairs_for_purchase_orders(line.purchase_order for line in po_lines)
    )
    refresh_inbound_rows(line.pk for line in po_lines)
    return len(po_lines)
