"""What an ASN's lines count as shipped against their PO lines (issue 17): the tolerance
check before a submit, the PO lines' shipped figures and their POs' shipping status after
every change of an ASN or a receipt, the lines locked in key order first.

Split from `shipment_rules` (the ASN's own rules: header, lines, packages, snapshot).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.services import audit_record
from portal.access import Actor
from suppliers.models import (
    AsnLine,
    PurchaseOrder,
    PurchaseOrderLine,
    Shipment,
    Supplier,
)
from suppliers.services.purchase_orders import PURCHASE_ORDER_LIFECYCLE
from suppliers.services.schedule_lines import Counted, counted_shipments, schedule_lines_allocate
from suppliers.services.shipment_rules import SHIPPABLE_PO_STATUSES, fmt, line_label


def shipped_elsewhere(po_line_ids: set[int], *, excluding: Shipment | None) -> list[Counted]:
    """The ASN lines of these PO lines on every other ASN that counts as shipped; a short
    receipt's rest on an open line does not count (`counted_shipments`)."""
    excluding_id = excluding.pk if excluding is not None and excluding.pk else None
    return counted_shipments(po_line_ids, excluding_shipment_id=excluding_id)


def shipped_totals(counted: Iterable[Counted]) -> dict[int, Decimal]:
    """Quantity (PO unit) per PO line of these counted ASN lines."""
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for row in counted:
        totals[row.po_line_id] += row.quantity
    return dict(totals)


def tolerance_allowance(po_line: PurchaseOrderLine, tolerance_pct: Decimal) -> Decimal:
    """The most that may ever ship on this line in total, in the PO line's unit (nothing
    before the line is confirmed, as `open_to_ship`)."""
    if po_line.confirmed_qty is None:
        return Decimal(0)
    return po_line.confirmed_qty * (1 + tolerance_pct / Decimal(100))


def check_tolerance(
    *, supplier: Supplier, prepared: list[AsnLine], shipment: Shipment | None
) -> list[Counted]:
    """Refuse the ASN if any of its PO lines would ship more than the tolerance allows in
    total. Returns what it counted: the lines' ASN lines on every other ASN that counts as
    shipped (`shipped_elsewhere`), for a caller that recounts them under the same locks."""
    by_line: dict[int, Decimal] = defaultdict(Decimal)
    po_lines = {}
    for asn_line in prepared:
        by_line[asn_line.po_line_id] += asn_line.quantity_po_uom
        po_lines[asn_line.po_line_id] = asn_line.po_line
    counted = shipped_elsewhere(set(by_line), excluding=shipment)
    elsewhere = shipped_totals(counted)
    pct = supplier.over_ship_tolerance_pct
    for po_line_id, here in by_line.items():
        po_line = po_lines[po_line_id]
        before = elsewhere.get(po_line_id, Decimal(0))
        allowed = tolerance_allowance(po_line, pct)
        if before + here > allowed:
            unit = po_line.uom.code
            left = max(allowed - before, Decimal(0))
            confirmed = po_line.confirmed_qty or Decimal(0)
            raise DomainError(
                gettext(
                    "%(line_label)s: shipping %(fmt)s %(unit)s would bring the "
                    "total shipped to %(fmt_2)s %(unit)s, more than the %(fmt_3)s "
                    "%(unit)s allowed (confirmed %(fmt_4)s %(unit)s + %(fmt_5)s%% "
                    "over-ship tolerance). Other ASNs already ship %(fmt_6)s "
                    "%(unit)s; at most %(fmt_7)s %(unit)s more can ship."
                )
                % {
                    "line_label": line_label(po_line),
                    "fmt": fmt(here),
                    "unit": unit,
                    "fmt_2": fmt(before + here),
                    "fmt_3": fmt(allowed),
                    "fmt_4": fmt(confirmed),
                    "fmt_5": fmt(pct),
                    "fmt_6": fmt(before),
                    "fmt_7": fmt(left),
                },
                field="quantity",
                line=line_label(po_line),
            )
    return counted


# ---------------------------------------------------------------- bookkeeping


def lock_po_lines(po_line_ids: set[int]) -> None:
    """Row locks on the PO lines, always in primary-key order (no deadlocks)."""
    list(
        PurchaseOrderLine.objects.select_for_update()
        .filter(pk__in=po_line_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def lock_po_lines_of(shipment: Shipment) -> set[int]:
    """`lock_po_lines` of the PO lines this ASN ships (`po_line_ids_of`), found and locked
    in one statement; returns them. The caller holds the ASN's lock, so its lines stay."""
    return set(
        PurchaseOrderLine.objects.select_for_update()
        .filter(pk__in=AsnLine.objects.filter(shipment=shipment).values("po_line_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class Recount:
    """What a caller that has just read, under the PO line locks, everything that counts
    as shipped on the lines (`counted`, all ASNs, in submission order) and the PO lines
    themselves (`po_lines`, each of the lines once) hands the recount, so it does not read
    them again."""

    counted: Sequence[Counted]
    po_lines: Sequence[PurchaseOrderLine]


def _recount_shipped(po_line_ids: set[int], *, known: Recount | None = None) -> set[int]:
    """Recompute shipped_qty of these lines and their deliveries; returns their POs."""
    if known is None:
        counted: Sequence[Counted] = counted_shipments(po_line_ids)
        lines = list(PurchaseOrderLine.objects.filter(pk__in=po_line_ids))
    else:
        counted, lines = known.counted, list(known.po_lines)
    totals = shipped_totals(counted)
    for po_line in lines:
        po_line.shipped_qty = totals.get(po_line.pk, Decimal(0))
    PurchaseOrderLine.objects.bulk_update(lines, ["shipped_qty"])
    schedule_lines_allocate(po_line_ids, counted=counted, po_lines=lines)
    return {line.purchase_order_id for line in lines}


def _shipping_status(purchase_order: PurchaseOrder) -> str:
    # (shipped, confirmed) of the lines confirmed above zero; NULL never passes `gt`.
    confirmed = [
        (line.shipped_qty, line.confirmed_qty)
        for line in purchase_order.lines.filter(confirmed_qty__gt=0)
        if line.confirmed_qty is not None
    ]
    if confirmed and all(shipped >= qty for shipped, qty in confirmed):
        return PurchaseOrder.Status.SHIPPED
    if any(shipped > 0 for shipped, _qty in confirmed):
        return PurchaseOrder.Status.PARTIALLY_SHIPPED
    return PurchaseOrder.Status.CONFIRMED


def refresh_shipped(
    po_line_ids: set[int],
    *,
    actor: Actor,
    channel: str,
    action: str,
    asn: str,
    known: Recount | None = None,
) -> None:
    """Recompute shipped_qty of these lines and the shipping status of their POs. `action`
    (asn_submitted, asn_updated, asn_cancelled) names the PO's audit entry, which each PO
    gets even when its status stays: its timeline shows every ASN that ships against it.
    `known`: what the caller has read already under the locks (`Recount`)."""
    if not po_line_ids:
        return
    po_ids = _recount_shipped(po_line_ids, known=known)
    orders = PurchaseOrder.objects.select_for_update().filter(pk__in=po_ids).order_by("pk")
    for purchase_order in orders:
        if purchase_order.status not in SHIPPABLE_PO_STATUSES:
            continue
        status = _shipping_status(purchase_order)
        if status != purchase_order.status:
            PURCHASE_ORDER_LIFECYCLE.move(
                purchase_order,
                to=status,
                action=action,
                actor=actor,
                channel=channel,
                after={"asn": asn},
            )
        else:
            audit_record(
                actor=actor,
                channel=channel,
                obj=purchase_order,
                action=action,
                before={"status": status},
                after={"status": status, "asn": asn},
            )


def refresh_shipped_after_receipt(
    po_line_ids: set[int], *, actor: Actor, channel: str, asn: str, receipt: str
) -> None:
    """After an ASN is closed short, or a short line is closed: recount what is shipped
    (`counted_shipments`: the rest of a closed ASN is open to ship again while its line
    is open) and move a PO whose shipping status changes (action `short_received`). A PO
    whose status stays gets no entry: the receipt has its own."""
    if not po_line_ids:
        return
    po_ids = _recount_shipped(po_line_ids)
    orders = PurchaseOrder.objects.select_for_update(of=("self",)).filter(pk__in=po_ids)
    for purchase_order in orders.order_by("pk"):
        if purchase_order.status not in SHIPPABLE_PO_STATUSES:
            continue
        status = _shipping_status(purchase_order)
        if status != purchase_order.status:
            PURCHASE_ORDER_LIFECYCLE.move(
                purchase_order,
                to=status,
                action="short_received",
                actor=actor,
                channel=channel,
                after={"asn": asn, "receipt": receipt},
            )


def refresh_po_risk(po_ids: set[int]) -> None:
    """A PO is at risk while any of its live shipments is flagged at risk."""
    risky = AsnLine.objects.filter(
        po_line__purchase_order=OuterRef("pk"),
        shipment__at_risk=True,
        shipment__status__in=Shipment.INBOUND,
    )
    for purchase_order in PurchaseOrder.objects.filter(pk__in=po_ids).annotate(risky=Exists(risky)):
        if purchase_order.at_risk != purchase_order.risky:
            purchase_order.at_risk = purchase_order.risky
            purchase_order.save(update_fields=["at_risk", "updated_at"])
