"""Receipts: the warehouse (WMS) or the ERP says what arrived against an ASN.

A receipt records, per ASN line, the quantity received (damaged included) and the part
that is damaged, in the PO line's unit. It records the stock movements through
`inventory` (accepted goods in, damaged ones on record), updates the received quantities
of the ASN and PO lines, closes the ASN partially or completely, moves PO lines whose
confirmed quantity has arrived to received (and the PO with its last one, publishing
`purchase_order.goods_received`), counts what a closed ASN did not bring as open to ship
again on lines still open (`refresh_shipped_after_receipt`), and recomputes the
in-transit figure of the positions from the documents (received goods, damaged
included, are no longer in transit; a closed ASN has nothing left in transit).

Variance is measured per ASN line across *all* its receipts, with the supplier's
tolerance (`over_ship_tolerance_pct` of the shipped quantity) for each kind:
- over: received − shipped above the tolerance, as soon as it happens;
- damaged: damaged above the tolerance, as soon as it happens;
- short: shipped − received above the tolerance, once the ASN is closed (a later
  receipt may still bring the rest).
Outside tolerance, the line has one open receiving exception (owner: receiving), updated
by each receipt and auto-resolved when a later receipt brings it back within tolerance.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel, ExceptionClass
from integrations.services import (
    Subject,
    audit_record,
    exception_auto_resolve,
    exception_open_or_update,
)
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from inventory.models import StockMovement
from inventory.services import convert_quantity, stock_movement_record
from portal.access import Actor, actor_user
from suppliers.models import (
    AsnLine,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Shipment,
)
from suppliers.services.inbound_positions import (
    inbound_pairs_for_shipment,
    inbound_positions_refresh_for,
)
from suppliers.services.inbound_rows import refresh_inbound_rows_for_shipment
from suppliers.services.invoice_matching import invoices_rematch_for_po_lines
from suppliers.services.purchase_orders import (
    PURCHASE_ORDER_LIFECYCLE,
    PURCHASE_ORDER_LINE_LIFECYCLE,
)
from suppliers.services.shipments import RECEIVABLE, SHIPMENT_LIFECYCLE
from suppliers.services.shipped_quantities import refresh_shipped_after_receipt

ZERO = Decimal(0)

# A receipt is a fact the warehouse reports: recorded once, never edited (a correction is
# another receipt), so its table holds its creation only.
RECEIPT_LIFECYCLE = Lifecycle(
    document="Receipt",
    model=Receipt,
    moves=[
        Move(
            CREATED,
            Receipt.Status.RECORDED,
            "recorded",
            "warehouse (receipt)",
            note="the ASN's received move publishes receipt.confirmed",
        ),
    ],
    aggregate_type="receipt",
)


@dataclass(frozen=True)
class ReceiptLineInput:
    line_no: int  # the ASN line number
    qty_received: Decimal
    qty_damaged: Decimal = ZERO


@dataclass(frozen=True)
class LineVariance:
    shipped: Decimal
    received: Decimal
    damaged: Decimal
    allowance: Decimal
    closed: bool

    @property
    def over(self) -> Decimal:
        return max(self.received - self.shipped, ZERO)

    @property
    def short(self) -> Decimal:
        return max(self.shipped - self.received, ZERO)

    @property
    def kind(self) -> str:
        """The worst out-of-tolerance variance, or NONE."""
        if self.over > self.allowance:
            return ReceiptLine.Variance.OVER
        if self.damaged > self.allowance:
            return ReceiptLine.Variance.DAMAGED
        if self.closed and self.short > self.allowance:
            return ReceiptLine.Variance.SHORT
        return ReceiptLine.Variance.NONE


def _fmt(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}"


def asn_line_subject(asn_line: AsnLine, shipment: Shipment) -> Subject:
    return Subject.document(
        document_type="asn_line",
        document_ref=f"{shipment.supplier.code}:{shipment.asn_number}:{asn_line.line_no}",
        supplier_code=shipment.supplier.code,
        sku=asn_line.po_line.item.sku,
        warehouse_code=shipment.ship_to.code,
    )


def _validate(lines: list[ReceiptLineInput], by_no: dict[int, AsnLine], shipment: Shipment) -> None:
    if not lines:
        raise DomainError(gettext("A receipt needs at least one line."), field="lines")
    seen: set[int] = set()
    for line in lines:
        if line.line_no not in by_no:
            raise DomainError(
                gettext("ASN %(asn_number)s has no line %(line_no)s.")
                % {"asn_number": shipment.asn_number, "line_no": line.line_no},
                field="line_no",
                line=line.line_no,
            )
        if line.line_no in seen:
            raise DomainError(
                gettext("Line %(line_no)s appears twice on the receipt: give one total per line.")
                % {"line_no": line.line_no},
                field="line_no",
                line=line.line_no,
            )
        seen.add(line.line_no)
        for name in ("qty_received", "qty_damaged"):
            value = getattr(line, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise DomainError(
                    gettext("Quantities must be zero or more."), field=name, line=line.line_no
                )
        if line.qty_damaged > line.qty_received:
            raise DomainError(
                gettext(
                    "Damaged (%(_fmt)s) cannot exceed received (%(_fmt_2)s): "
                    "count damaged goods as received too."
                )
                % {"_fmt": _fmt(line.qty_damaged), "_fmt_2": _fmt(line.qty_received)},
                field="qty_damaged",
                line=line.line_no,
            )


@transaction.atomic
def receipt_record(
    *,
    actor: Actor,
    shipment: Shipment,
    reference: str,
    lines: list[ReceiptLineInput],
    received_at: datetime.datetime | None = None,
    source: str = Receipt.Source.WMS,
    closes_asn: bool = False,
    channel: str = Channel.CSV,
) -> Receipt:
    """Record what arrived against `shipment`. Idempotent on (source, reference): the
    same receipt sent again returns the stored one and changes nothing."""
    reference = reference.strip()
    if not reference:
        raise DomainError(
            gettext("Give the receipt's reference from the source system."), field="reference"
        )
    shipment = (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("supplier", "ship_to")
        .get(pk=shipment.pk)
    )
    existing = Receipt.objects.filter(source=source, reference=reference).first()
    if existing is not None:
        if existing.shipment_id != shipment.pk:
            raise DomainError(
                gettext(
                    "Receipt %(reference)s from the %(source)s was already "
                    "recorded against another ASN."
                )
                % {"reference": reference, "source": source.upper()},
                field="reference",
            )
        return existing
    if shipment.status not in RECEIVABLE:
        raise DomainError(
            gettext(
                "ASN %(asn_number)s is %(status)s; only a submitted ASN that "
                "is not fully received can be received against."
            )
            % {"asn_number": shipment.asn_number, "status": shipment.get_status_display().lower()},
            field="status",
        )
    asn_lines = list(
        AsnLine.objects.filter(shipment=shipment)
        .select_related("po_line__item__base_uom", "po_line__uom")
        .order_by("line_no")
    )
    by_no = {line.line_no: line for line in asn_lines}
    _validate(lines, by_no, shipment)
    # PO lines locked in primary-key order (as the ASN services do): no deadlocks.
    po_line_ids = sorted({line.po_line_id for line in asn_lines})
    list(PurchaseOrderLine.objects.select_for_update().filter(pk__in=po_line_ids).order_by("pk"))

    received_at = received_at or timezone.now()
    RECEIPT_LIFECYCLE.check_created(Receipt.Status.RECORDED)
    receipt = Receipt.objects.create(
        status=Receipt.Status.RECORDED,
        shipment=shipment,
        reference=reference,
        source=source,
        channel=channel,
        received_at=received_at,
        closes_asn=closes_asn,
        created_by=actor_user(actor),
    )
    previous = {
        row["asn_line_id"]: (row["received"], row["damaged"])
        for row in ReceiptLine.objects.filter(asn_line__shipment=shipment)
        .values("asn_line_id")
        .annotate(received=Sum("qty_received"), damaged=Sum("qty_damaged"))
    }
    totals = {line.pk: previous.get(line.pk, (ZERO, ZERO)) for line in asn_lines}
    inputs = {line.line_no: line for line in lines}
    for line_no, entry in inputs.items():
        asn_line = by_no[line_no]
        received, damaged = totals[asn_line.pk]
        totals[asn_line.pk] = (received + entry.qty_received, damaged + entry.qty_damaged)

    complete = all(totals[line.pk][0] >= line.quantity_po_uom for line in asn_lines)
    closed = closes_asn or complete
    tolerance = shipment.supplier.over_ship_tolerance_pct
    variances = {
        line.pk: LineVariance(
            shipped=line.quantity_po_uom,
            received=totals[line.pk][0],
            damaged=totals[line.pk][1],
            allowance=line.quantity_po_uom * tolerance / 100,
            closed=closed,
        )
        for line in asn_lines
    }

    receipt_lines = []
    for line_no, entry in sorted(inputs.items()):
        asn_line = by_no[line_no]
        variance = variances[asn_line.pk]
        receipt_lines.append(
            ReceiptLine(
                receipt=receipt,
                asn_line=asn_line,
                qty_received=entry.qty_received,
                qty_damaged=entry.qty_damaged,
                total_received=variance.received,
                total_damaged=variance.damaged,
                variance=variance.kind,
                variance_qty=variance.received - variance.shipped,
                within_tolerance=variance.kind == ReceiptLine.Variance.NONE,
            )
        )
        _move_stock(actor, shipment, asn_line, entry, receipt, channel)
    ReceiptLine.objects.bulk_create(receipt_lines)

    for asn_line in asn_lines:
        received, damaged = totals[asn_line.pk]
        asn_line.received_qty = received - damaged
    AsnLine.objects.bulk_update(asn_lines, ["received_qty"])
    _refresh_po_lines(po_line_ids)

    status = Shipment.Status.RECEIVED if closed else Shipment.Status.PARTIALLY_RECEIVED
    data = {
        "asn_number": shipment.asn_number,
        "supplier": shipment.supplier.code,
        "receipt": reference,
        "source": source,
        "received_at": received_at,
        "status": status,
        "lines": [
            {
                "line_no": by_no[line.line_no].line_no,
                "qty_received": line.qty_received,
                "qty_damaged": line.qty_damaged,
                "variance": variances[by_no[line.line_no].pk].kind,
            }
            for line in lines
        ],
    }
    audit_record(actor=actor, channel=channel, obj=receipt, action="recorded", after=data)
    SHIPMENT_LIFECYCLE.move(
        shipment,
        to=status,
        action="received",
        actor=actor,
        channel=channel,
        after={"receipt": reference},
        data=data,
    )
    _sync_exceptions(actor, shipment, asn_lines, variances, channel)
    _close_received(po_line_ids, receipt=receipt, actor=actor, channel=channel)
    if closed:
        # Closed short: the rest is open to ship again on lines still open (issue 23).
        refresh_shipped_after_receipt(
            set(po_line_ids),
            actor=actor,
            channel=channel,
            asn=shipment.asn_number,
            receipt=f"{source}:{reference}",
        )
    # The one writer of in transit on a receipt: recomputed from the ASNs just updated.
    inbound_positions_refresh_for(pairs=inbound_pairs_for_shipment(shipment))
    refresh_inbound_rows_for_shipment(shipment)
    # Invoices waiting on these lines are matched again now, not at the next beat.
    invoices_rematch_for_po_lines(actor=actor, po_line_ids=po_line_ids, channel=channel)
    return receipt


def _move_stock(
    actor: Actor,
    shipment: Shipment,
    asn_line: AsnLine,
    entry: ReceiptLineInput,
    receipt: Receipt,
    channel: str,
) -> None:
    """Accepted goods into stock, damaged ones on record. "In transit" is not moved here
    (no `in_transit_delta`): `receipt_record` recomputes it from the ASNs at its end."""
    po_line = asn_line.po_line
    item = po_line.item

    def base(quantity: Decimal) -> Decimal:
        return convert_quantity(
            quantity=quantity, from_uom=po_line.uom, to_uom=item.base_uom, item=item
        )

    accepted = entry.qty_received - entry.qty_damaged
    if accepted:
        stock_movement_record(
            actor=actor,
            item=item,
            warehouse=shipment.ship_to,
            kind=StockMovement.Kind.RECEIPT,
            quantity=base(accepted),
            occurred_at=receipt.received_at,
            document_type="receipt",
            document_ref=f"{receipt.source}:{receipt.reference}",
            channel=channel,
        )
    if entry.qty_damaged:
        stock_movement_record(
            actor=actor,
            item=item,
            warehouse=shipment.ship_to,
            kind=StockMovement.Kind.DAMAGED,
            quantity=base(entry.qty_damaged),
            occurred_at=receipt.received_at,
            document_type="receipt",
            document_ref=f"{receipt.source}:{receipt.reference}",
            channel=channel,
        )


def _refresh_po_lines(po_line_ids: list[int]) -> None:
    """Received (accepted) quantity of each PO line, recomputed from all its ASN lines."""
    sums = dict(
        AsnLine.objects.filter(po_line_id__in=po_line_ids)
        .values("po_line_id")
        .annotate(total=Sum("received_qty"))
        .values_list("po_line_id", "total")
    )
    po_lines = list(PurchaseOrderLine.objects.filter(pk__in=po_line_ids))
    now = timezone.now()
    for po_line in po_lines:
        po_line.received_qty = sums.get(po_line.pk) or ZERO
        po_line.updated_at = now
    PurchaseOrderLine.objects.bulk_update(po_lines, ["received_qty", "updated_at"])


def _owed(po_line: PurchaseOrderLine) -> Decimal:
    return po_line.confirmed_qty if po_line.confirmed_qty is not None else po_line.ordered_qty


def _close_received(
    po_line_ids: list[int], *, receipt: Receipt, actor: Actor, channel: str
) -> None:
    """Lines whose received quantity reaches what was confirmed become received; a PO
    whose every line is received becomes received through its move, which audits it and
    publishes `purchase_order.goods_received` (so an API client syncing by `updated_since`
    and the ERP hear of it). A line confirmed at zero owes nothing and is received with
    its PO. POs locked in primary-key order, after the PO lines (as the ASN services)."""
    po_ids = set(
        PurchaseOrderLine.objects.filter(pk__in=po_line_ids).values_list(
            "purchase_order_id", flat=True
        )
    )
    orders = (
        PurchaseOrder.objects.select_for_update(of=("self",))
        .select_related("supplier")
        .filter(pk__in=po_ids)
        .order_by("pk")
    )
    reference = f"{receipt.source}:{receipt.reference}"
    for purchase_order in orders:
        lines = list(purchase_order.lines.select_related("item", "uom").order_by("line_no"))
        complete = all(line.received_qty >= _owed(line) for line in lines)
        done = [
            line.pk
            for line in lines
            if line.status == PurchaseOrderLine.Status.OPEN
            and line.received_qty >= _owed(line)
            and (complete or _owed(line) > 0)
        ]
        if done:
            PURCHASE_ORDER_LINE_LIFECYCLE.move_many(
                PurchaseOrderLine.objects.filter(pk__in=done),
                to=PurchaseOrderLine.Status.RECEIVED,
                action="goods_received",
                actor=actor,
                channel=channel,
                after={"receipt": reference},
            )
        # A PO already finished (or never shipped) keeps its status.
        if not complete or purchase_order.status not in PURCHASE_ORDER_LIFECYCLE.sources(
            PurchaseOrder.Status.RECEIVED, "goods_received"
        ):
            continue
        PURCHASE_ORDER_LIFECYCLE.move(
            purchase_order,
            to=PurchaseOrder.Status.RECEIVED,
            action="goods_received",
            actor=actor,
            channel=channel,
            after={"receipt": reference, "asn": receipt.shipment.asn_number},
            data={
                "number": purchase_order.number,
                "supplier": purchase_order.supplier.code,
                "revision": purchase_order.revision,
                "received_at": receipt.received_at,
                "receipt": reference,
                "asn_number": receipt.shipment.asn_number,
                "lines": [
                    {
                        "line_no": line.line_no,
                        "sku": line.item.sku,
                        "confirmed_qty": _owed(line),
                        "received_qty": line.received_qty,
                        "uom": line.uom.code,
                    }
                    for line in lines
                ],
            },
        )


def _sync_exceptions(
    actor: Actor,
    shipment: Shipment,
    asn_lines: list[AsnLine],
    variances: dict[int, LineVariance],
    channel: str,
) -> None:
    for asn_line in asn_lines:
        variance = variances[asn_line.pk]
        subject = asn_line_subject(asn_line, shipment)
        if variance.kind == ReceiptLine.Variance.NONE:
            exception_auto_resolve(
                actor=actor,
                exception_class=ExceptionClass.RECEIVING_VARIANCE,
                subject_key=subject.subject_key,
                reason="Later receipts brought the line within tolerance.",
                channel=channel,
            )
            continue
        exception_open_or_update(
            actor=actor,
            exception_class=ExceptionClass.RECEIVING_VARIANCE,
            subject=subject,
            title=(
                f"ASN {shipment.asn_number} line {asn_line.line_no} "
                f"({asn_line.po_line.item.sku}): {variance.kind}"
            ),
            expected=variance.shipped,
            actual=variance.received,
            delta=variance.received - variance.shipped,
            uom_code=asn_line.po_line.uom.code,
            detail={
                "variance": variance.kind,
                "short": str(variance.short),
                "over": str(variance.over),
                "damaged": str(variance.damaged),
                "allowance": str(variance.allowance),
                "asn": shipment.asn_number,
                "line_no": asn_line.line_no,
            },
            channel=channel,
        )
