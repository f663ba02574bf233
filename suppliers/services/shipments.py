"""Advance ship notices: create, edit, submit, cancel, and report shipment milestones.

Over-shipment tolerance (the rule every channel gets from here): for each PO line,
the quantity on all of its ASNs that count as shipped (submitted and later, not cancelled,
drafts excluded) plus this ASN may not exceed

    confirmed qty × (1 + supplier.over_ship_tolerance_pct / 100)

measured in the PO line's unit after exact conversion. Drafts reserve nothing: a draft is
checked when saved (a helpful early error) and again, authoritatively, on submit while
the PO line rows are locked (`SELECT … FOR UPDATE`, in primary-key order so two
submissions touching the same lines cannot deadlock). `PurchaseOrderLine.shipped_qty` is
recomputed from the ASN lines under that lock, never incremented, so it cannot drift.

Events: aggregate_type "asn", aggregate_id "<supplier code>:<asn number>" (stable: the
ASN number cannot change once submitted). Types: asn.submitted, asn.updated (an edit after
submission), asn.cancelled (of a submitted ASN; a cancelled draft was never announced),
shipment.milestone_reported.

Life of an ASN: `SHIPMENT_LIFECYCLE` below holds every status move, made here, by the
milestones (`shipment_milestones.py`) and by receipts (`receipts.py`).
"""

from dataclasses import replace
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from portal.access import Actor, actor_user
from suppliers.models import (
    AsnLine,
    PurchaseOrder,
    PurchaseOrderLine,
    Shipment,
    ShipmentMilestone,
    Supplier,
)
from suppliers.services.inbound_positions import (
    inbound_pairs_for_shipment,
    inbound_positions_refresh_for,
)
from suppliers.services.inbound_rows import refresh_inbound_rows
from suppliers.services.schedule_lines import counted_with_submitted
from suppliers.services.shipment_rules import (
    SHIPPABLE_PO_STATUSES,
    AsnHeader,
    AsnLineInput,
    PackageInput,
    add_lines_and_packages,
    asn_snapshot,
    line_label,
    locked_shipment,
    po_line_ids_of,
    prepare_lines,
    publish_asn_event,
    replace_lines_and_packages,
    validate_header,
)
from suppliers.services.shipped_quantities import (
    Recount,
    check_tolerance,
    lock_po_lines,
    lock_po_lines_of,
    refresh_po_risk,
    refresh_shipped,
    tolerance_allowance,
)
from suppliers.services.sscc import sscc_normalize

__all__ = [
    "AsnHeader",
    "AsnLineInput",
    "PackageInput",
    "asn_cancel",
    "asn_create",
    "asn_create_from_purchase_orders",
    "asn_submit",
    "asn_update",
    "line_label",
    "open_lines_for_purchase_orders",
    "tolerance_allowance",
]


# ---------------------------------------------------------------- the ASN's life

ASN = Shipment.Status
MILESTONE = ShipmentMilestone.Code
# Milestone code → the status it moves the shipment to.
MILESTONE_STATUS = {
    MILESTONE.PICKED_UP: ASN.IN_TRANSIT,
    MILESTONE.IN_TRANSIT: ASN.IN_TRANSIT,
    MILESTONE.DELAYED: ASN.DELAYED,
    MILESTONE.OUT_FOR_DELIVERY: ASN.IN_TRANSIT,
    MILESTONE.DELIVERED: ASN.DELIVERED,
}
# In the statuses' declared order (the model's groups are sets): the table's order is
# the documentation's.
REPORTABLE = [status for status in ASN if status in Shipment.REPORTABLE]
CANCELLABLE_AFTER_SUBMIT = [
    status for status in ASN if status in Shipment.EDITABLE and status != ASN.DRAFT
]
RECEIVABLE = [*REPORTABLE, ASN.DELIVERED, ASN.PARTIALLY_RECEIVED]

SHIPMENT_LIFECYCLE = Lifecycle(
    document="ASN",
    model=Shipment,
    moves=[
        Move(CREATED, ASN.DRAFT, "created", "supplier", note="a draft is not announced"),
        Move(ASN.DRAFT, ASN.SUBMITTED, "submitted", "supplier", "asn.submitted"),
        Move(ASN.DRAFT, ASN.CANCELLED, "cancelled", "supplier", note="a draft was never announced"),
        *(
            Move(source, ASN.CANCELLED, "cancelled", "supplier", "asn.cancelled")
            for source in CANCELLABLE_AFTER_SUBMIT
        ),
        # Milestones: the audit action is "milestone <code>"; a milestone may repeat the
        # status (picked up, then out for delivery: in transit both times).
        *(
            Move(
                source,
                target,
                f"milestone {code}",
                "supplier or carrier feed",
                "shipment.milestone_reported",
            )
            for source in REPORTABLE
            for code, target in MILESTONE_STATUS.items()
        ),
        # Receipts: every receipt moves the ASN, a second partial one to where it was.
        *(
            Move(source, target, "received", "warehouse (receipt)", "receipt.confirmed")
            for source in RECEIVABLE
            for target in (ASN.PARTIALLY_RECEIVED, ASN.RECEIVED)
        ),
    ],
    aggregate_type="asn",
    aggregate_id=lambda shipment: shipment.aggregate_id,
)


# ---------------------------------------------------------------- ASN services


def _gross_weight(header: AsnHeader) -> Decimal | None:
    """The ASN's gross weight: as given, else the sum of the packages' weights when any
    package has one (every channel alike: the form, the API, EDI)."""
    if header.gross_weight_kg is not None:
        return header.gross_weight_kg
    weights = [p.weight_kg for p in header.packages if p.weight_kg is not None]
    return sum(weights, Decimal(0)) if weights else None


@transaction.atomic
def asn_create(
    *,
    actor: Actor,
    supplier: Supplier,
    header: AsnHeader,
    lines: list[AsnLineInput],
    channel: str = Channel.PORTAL,
) -> Shipment:
    """Create a draft ASN. The ship-to warehouse is the lines' POs' (one per ASN)."""
    validate_header(supplier=supplier, header=header, shipment=None)
    if not lines:
        raise DomainError(gettext("An ASN needs at least one line with a quantity."), field="lines")
    ship_to = lines[0].po_line.purchase_order.ship_to
    prepared = prepare_lines(
        supplier=supplier, ship_to_id=ship_to.pk, ship_date=header.ship_date, lines=lines
    )
    check_tolerance(supplier=supplier, prepared=prepared, shipment=None)
    SHIPMENT_LIFECYCLE.check_created(Shipment.Status.DRAFT)
    shipment = Shipment.objects.create(
        status=Shipment.Status.DRAFT,
        supplier=supplier,
        asn_number=header.asn_number,
        ship_to=ship_to,
        ship_date=header.ship_date,
        expected_delivery=header.expected_delivery,
        carrier=header.carrier.strip(),
        tracking_number=header.tracking_number.strip(),
        package_count=header.package_count,
        gross_weight_kg=_gross_weight(header),
        channel=channel,
        created_by=actor_user(actor),
    )
    add_lines_and_packages(shipment, prepared, header)
    audit_record(
        actor=actor, channel=channel, obj=shipment, action="created", after=asn_snapshot(shipment)
    )
    return shipment


def open_lines_for_purchase_orders(
    *, supplier: Supplier, purchase_orders: list[PurchaseOrder]
) -> list[PurchaseOrderLine]:
    """The confirmed lines of these POs that still have something open to ship."""
    return [
        line
        for line in PurchaseOrderLine.objects.filter(
            purchase_order__in=purchase_orders,
            purchase_order__supplier=supplier,
            purchase_order__status__in=SHIPPABLE_PO_STATUSES,
            confirmed_qty__gt=0,
        )
        .select_related("purchase_order__ship_to", "item__base_uom", "uom")
        .order_by("purchase_order__number", "line_no")
        if line.open_to_ship > 0
    ]


@transaction.atomic
def asn_create_from_purchase_orders(
    *,
    actor: Actor,
    supplier: Supplier,
    header: AsnHeader,
    purchase_orders: list[PurchaseOrder],
    channel: str = Channel.PORTAL,
) -> Shipment:
    """ "Ship everything open": a draft ASN with every open-to-ship quantity of these POs
    (which must all ship to the same warehouse), in the PO unit, ready to edit."""
    if not purchase_orders:
        raise DomainError(gettext("Choose at least one purchase order."), field="purchase_orders")
    for purchase_order in purchase_orders:
        if purchase_order.supplier_id != supplier.pk:
            raise DomainError(
                gettext("%(number)s is not one of your purchase orders.")
                % {"number": purchase_order.number},
                field="purchase_orders",
            )
    warehouses = {po.ship_to_id for po in purchase_orders}
    if len(warehouses) > 1:
        raise DomainError(
            gettext(
                "These purchase orders ship to different warehouses; one ASN "
                "goes to one warehouse. Choose purchase orders of the same "
                "ship-to."
            ),
            field="purchase_orders",
        )
    open_lines = open_lines_for_purchase_orders(supplier=supplier, purchase_orders=purchase_orders)
    if not open_lines:
        numbers = ", ".join(po.number for po in purchase_orders)
        raise DomainError(
            gettext(
                "Nothing is open to ship on %(numbers)s: only confirmed lines "
                "with an open quantity can be shipped."
            )
            % {"numbers": numbers},
            field="purchase_orders",
        )
    lines = [AsnLineInput(po_line=line, quantity=line.open_to_ship) for line in open_lines]
    return asn_create(actor=actor, supplier=supplier, header=header, lines=lines, channel=channel)


@transaction.atomic
def asn_update(
    *,
    actor: Actor,
    shipment: Shipment,
    header: AsnHeader,
    lines: list[AsnLineInput],
    channel: str = Channel.PORTAL,
) -> Shipment:
    """Edit an ASN until its goods are received. After submission the edit is checked
    against the tolerance under the PO line locks, updates shipped quantities and the
    positions' inbound figures, and publishes `asn.updated`."""
    shipment = locked_shipment(shipment)
    if not shipment.can_edit:
        raise DomainError(
            gettext("ASN %(asn_number)s is %(status)s; it can no longer be edited.")
            % {"asn_number": shipment.asn_number, "status": shipment.get_status_display().lower()},
            field="status",
        )
    if not shipment.is_draft and header.asn_number != shipment.asn_number:
        raise DomainError(
            gettext("The ASN number cannot change after submission; cancel and create a new ASN."),
            field="asn_number",
        )
    supplier = shipment.supplier
    validate_header(supplier=supplier, header=header, shipment=shipment)
    before = asn_snapshot(shipment)
    old_ids = po_line_ids_of(shipment)
    new_ids = {line.po_line.pk for line in lines}
    if not shipment.is_draft:
        lock_po_lines(old_ids | new_ids)
        # Re-read the lines after the lock: confirmed quantities may have moved.
        fresh = PurchaseOrderLine.objects.select_related(
            "purchase_order__ship_to", "item__base_uom", "uom"
        ).in_bulk(new_ids)
        lines = [replace(line, po_line=fresh[line.po_line.pk]) for line in lines]
    prepared = prepare_lines(
        supplier=supplier,
        ship_to_id=shipment.ship_to_id,
        ship_date=header.ship_date,
        lines=lines,
    )
    check_tolerance(supplier=supplier, prepared=prepared, shipment=shipment)
    if _edit_signature_of(shipment) == _edit_signature(header, prepared):
        # A repeated save (double click, retried request) changes nothing: no new
        # revision, no audit entry, no asn.updated for consumers to process.
        return shipment
    shipment.asn_number = header.asn_number
    shipment.ship_date = header.ship_date
    if shipment.expected_delivery != header.expected_delivery and not shipment.is_draft:
        shipment.at_risk = shipment.at_risk or header.expected_delivery > shipment.expected_delivery
    shipment.expected_delivery = header.expected_delivery
    shipment.carrier = header.carrier.strip()
    shipment.tracking_number = header.tracking_number.strip()
    shipment.package_count = header.package_count
    shipment.gross_weight_kg = _gross_weight(header)
    shipment.revision += 1
    shipment.save()
    # A submitted ASN's old lines move quantity too (a line dropped or changed item).
    old_pairs = set() if shipment.is_draft else inbound_pairs_for_shipment(shipment)
    replace_lines_and_packages(shipment, prepared, header)
    after = asn_snapshot(shipment)
    audit_record(
        actor=actor, channel=channel, obj=shipment, action="updated", before=before, after=after
    )
    if not shipment.is_draft:
        refresh_shipped(
            old_ids | new_ids,
            actor=actor,
            channel=channel,
            action="asn_updated",
            asn=shipment.asn_number,
        )
        refresh_po_risk(
            set(
                PurchaseOrderLine.objects.filter(pk__in=old_ids | new_ids).values_list(
                    "purchase_order_id", flat=True
                )
            )
        )
        publish_asn_event(shipment, "asn.updated", actor=actor, channel=channel, data=after)
        inbound_positions_refresh_for(pairs=old_pairs | inbound_pairs_for_shipment(shipment))
        refresh_inbound_rows(old_ids | new_ids)
    return shipment


# What an edit compares to tell a repeated save from a change.
_EditSignature = tuple[object, ...]


def _edit_signature(header: AsnHeader, prepared: list[AsnLine]) -> _EditSignature:
    return (
        header.asn_number,
        header.ship_date,
        header.expected_delivery,
        header.carrier.strip(),
        header.tracking_number.strip(),
        header.package_count,
        _gross_weight(header),
        tuple((sscc_normalize(p.sscc) if p.sscc else "", p.weight_kg) for p in header.packages),
        tuple(
            (
                line.po_line_id,
                line.quantity,
                line.uom_id,
                line.lot,
                line.expiry_date,
                tuple(line.serial_numbers),
                line.schedule_line_id,
            )
            for line in prepared
        ),
    )


def _edit_signature_of(shipment: Shipment) -> _EditSignature:
    return (
        shipment.asn_number,
        shipment.ship_date,
        shipment.expected_delivery,
        shipment.carrier,
        shipment.tracking_number,
        shipment.package_count,
        shipment.gross_weight_kg,
        tuple((p.sscc, p.weight_kg) for p in shipment.packages.order_by("sequence")),
        tuple(
            (
                line.po_line_id,
                line.quantity,
                line.uom_id,
                line.lot,
                line.expiry_date,
                tuple(line.serial_numbers),
                line.schedule_line_id,
            )
            for line in shipment.lines.order_by("line_no")
        ),
    )


@transaction.atomic
def asn_submit(*, actor: Actor, shipment: Shipment, channel: str = Channel.PORTAL) -> Shipment:
    """Submit a draft: lock its PO lines (primary-key order), check the cumulative
    tolerance against every other submitted ASN, count it as shipped, publish
    `asn.submitted`. Submitting an ASN that is already submitted changes nothing (a
    double click or a retried request makes one ASN)."""
    shipment = locked_shipment(shipment)
    if shipment.status in Shipment.COUNTS_AS_SHIPPED:
        return shipment
    if not shipment.can_submit:
        raise DomainError(
            gettext("ASN %(asn_number)s is %(status)s; only a draft can be submitted.")
            % {"asn_number": shipment.asn_number, "status": shipment.get_status_display().lower()},
            field="status",
        )
    po_line_ids = lock_po_lines_of(shipment)
    if not po_line_ids:
        raise DomainError(gettext("An ASN needs at least one line with a quantity."), field="lines")
    # Read once, after the lock; the snapshot, the recount and the positions use it too.
    current = list(
        shipment.lines.select_related(
            "po_line__purchase_order__ship_to",
            "po_line__item__base_uom",
            "po_line__uom",
            "uom",
            "schedule_line",
        ).order_by("line_no")
    )
    # Re-validate against the locked, current PO lines (a line may have been re-confirmed
    # or shipped on another ASN since the draft was saved).
    inputs = [
        AsnLineInput(
            po_line=line.po_line,
            quantity=line.quantity,
            uom=line.uom,
            lot=line.lot,
            expiry_date=line.expiry_date,
            serial_numbers=tuple(line.serial_numbers),
            schedule_line=line.schedule_line,
        )
        for line in current
    ]
    prepared = prepare_lines(
        supplier=shipment.supplier,
        ship_to_id=shipment.ship_to_id,
        ship_date=shipment.ship_date,
        lines=inputs,
    )
    elsewhere = check_tolerance(supplier=shipment.supplier, prepared=prepared, shipment=shipment)
    shipment.submitted_at = timezone.now()
    shipment.original_expected_delivery = shipment.expected_delivery
    snapshot = {**asn_snapshot(shipment, lines=current), "status": Shipment.Status.SUBMITTED}
    SHIPMENT_LIFECYCLE.move(
        shipment,
        to=Shipment.Status.SUBMITTED,
        action="submitted",
        actor=actor,
        channel=channel,
        update_fields=["submitted_at", "original_expected_delivery"],
        after=snapshot,
        data=snapshot,
    )
    # Counted once: the other ASNs as the tolerance check read them under the PO line
    # locks still held, and this one's lines as stored (what a recount would read).
    counted = counted_with_submitted(elsewhere, shipment=shipment, lines=current)
    po_lines = {line.po_line.pk: line.po_line for line in current}
    refresh_shipped(
        po_line_ids,
        actor=actor,
        channel=channel,
        action="asn_submitted",
        asn=shipment.asn_number,
        known=Recount(counted=counted, po_lines=list(po_lines.values())),
    )
    # Shipped quantities leave open PO for in transit: the positions of its lines
    # (`inbound_pairs_for_shipment`, from the lines read above).
    pairs = {(line.po_line.item_id, shipment.ship_to_id) for line in current}
    inbound_positions_refresh_for(pairs=pairs)
    refresh_inbound_rows(po_line_ids)
    return shipment


@transaction.atomic
def asn_cancel(
    *, actor: Actor, shipment: Shipment, reason: str = "", channel: str = Channel.PORTAL
) -> Shipment:
    """Cancel an ASN before its goods are received; its quantities are open to ship
    again. Publishes `asn.cancelled` if the ASN had been submitted."""
    shipment = locked_shipment(shipment)
    if shipment.status == Shipment.Status.CANCELLED:
        return shipment
    if not shipment.can_cancel:
        raise DomainError(
            gettext("ASN %(asn_number)s is %(status)s; received goods cannot be cancelled.")
            % {"asn_number": shipment.asn_number, "status": shipment.get_status_display().lower()},
            field="status",
        )
    before = shipment.status
    po_line_ids = po_line_ids_of(shipment)
    lock_po_lines(po_line_ids)
    shipment.cancelled_at = timezone.now()
    shipment.at_risk = False
    SHIPMENT_LIFECYCLE.move(
        shipment,
        to=Shipment.Status.CANCELLED,
        action="cancelled",
        actor=actor,
        channel=channel,
        update_fields=["cancelled_at", "at_risk"],
        after={"reason": reason},
        # Published only when the ASN had been announced (the table says which).
        data={"asn_number": shipment.asn_number, "previous_status": before, "reason": reason},
    )
    if before != Shipment.Status.DRAFT:
        refresh_shipped(
            po_line_ids,
            actor=actor,
            channel=channel,
            action="asn_cancelled",
            asn=shipment.asn_number,
        )
        refresh_po_risk(
            set(
                PurchaseOrderLine.objects.filter(pk__in=po_line_ids).values_list(
                    "purchase_order_id", flat=True
                )
            )
        )
        # Its quantities leave in transit and are open PO again.
        inbound_positions_refresh_for(pairs=inbound_pairs_for_shipment(shipment))
        refresh_inbound_rows(po_line_ids)
    return shipment
