"""The rules and bookkeeping behind the ASN services (`shipments.py`) and milestones
(`shipment_milestones.py`): service inputs, validation of header and lines, lines and
packages, the ASN's snapshot and event payload. What the lines count as shipped (the
tolerance, PO line locks, shipped quantities, PO status and risk flags) is
`shipped_quantities.py`. See `shipments.py` for the tolerance rule."""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.services import publish
from inventory.models import UnitOfMeasure
from inventory.services import convert_quantity
from portal.access import Actor
from suppliers.models import (
    AsnLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderScheduleLine,
    Shipment,
    ShipmentPackage,
    Supplier,
    SupplierItem,
)
from suppliers.services.schedule_lines import (
    check_schedule_line_pick,
)
from suppliers.services.sscc import sscc_normalize, sscc_problem
from suppliers.services.sscc_numbers import sscc_allocate

ASN_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
SHIPPABLE_PO_STATUSES = frozenset(
    {
        PurchaseOrder.Status.CONFIRMED,
        PurchaseOrder.Status.PARTIALLY_SHIPPED,
        PurchaseOrder.Status.SHIPPED,
    }
)


@dataclass(frozen=True)
class AsnLineInput:
    """One line to ship. `uom` None means the PO line's unit."""

    po_line: PurchaseOrderLine
    quantity: Decimal
    uom: UnitOfMeasure | None = None
    lot: str = ""
    expiry_date: datetime.date | None = None
    serial_numbers: tuple[str, ...] = ()
    # The delivery this ships against; None: the line's oldest open deliveries first.
    schedule_line: PurchaseOrderScheduleLine | None = None


@dataclass(frozen=True)
class PackageInput:
    sscc: str = ""
    weight_kg: Decimal | None = None


@dataclass
class AsnHeader:
    asn_number: str
    ship_date: datetime.date
    expected_delivery: datetime.date
    carrier: str = ""
    tracking_number: str = ""
    package_count: int = 1
    gross_weight_kg: Decimal | None = None
    packages: list[PackageInput] = field(default_factory=list)
    # Give every package without an SSCC the next one of the supplier's GS1 sequence
    # (suppliers.services.sscc_numbers); only the portal's forms ask for it.
    number_ssccs: bool = False


def line_label(po_line: PurchaseOrderLine) -> str:
    """How errors name a PO line: "PO-1001 line 2"."""
    return f"{po_line.purchase_order.number} line {po_line.line_no}"


def fmt(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}"


# ---------------------------------------------------------------- validation


def validate_header(*, supplier: Supplier, header: AsnHeader, shipment: Shipment | None) -> None:
    number = header.asn_number
    if not ASN_NUMBER.fullmatch(number or ""):
        raise DomainError(
            gettext(
                "Enter an ASN number of up to 40 letters, digits, dots, dashes or underscores."
            ),
            field="asn_number",
        )
    taken = Shipment.objects.filter(supplier=supplier, asn_number=number)
    if shipment is not None:
        taken = taken.exclude(pk=shipment.pk)
    if taken.exists():
        raise DomainError(
            gettext("You already have an ASN numbered %(number)s; ASN numbers must be unique.")
            % {"number": number},
            field="asn_number",
        )
    if header.ship_date is None:
        raise DomainError(gettext("Enter the ship date."), field="ship_date")
    if header.expected_delivery is None:
        raise DomainError(gettext("Enter the expected delivery date."), field="expected_delivery")
    if header.expected_delivery < header.ship_date:
        raise DomainError(
            gettext(
                "Expected delivery %(expected_delivery)s is before the ship "
                "date %(ship_date)s; it must be on or after it."
            )
            % {"expected_delivery": header.expected_delivery, "ship_date": header.ship_date},
            field="expected_delivery",
        )
    if header.package_count < 1:
        raise DomainError(gettext("A shipment has at least one package."), field="package_count")
    if header.gross_weight_kg is not None and header.gross_weight_kg < 0:
        raise DomainError(gettext("Weight cannot be negative."), field="gross_weight_kg")
    if len(header.packages) > header.package_count:
        raise DomainError(
            gettext(
                "%(packages)s package labels for %(package_count)s packages; "
                "raise the package count or remove labels."
            )
            % {"packages": len(header.packages), "package_count": header.package_count},
            field="package_count",
        )
    seen: set[str] = set()
    for sequence, package in enumerate(header.packages, 1):
        where = f"package {sequence}"
        if package.sscc:
            problem = sscc_problem(package.sscc)
            if problem:
                raise DomainError(problem, field="sscc", line=where)
            sscc = sscc_normalize(package.sscc)
            if sscc in seen:
                raise DomainError(
                    gettext("SSCC %(sscc)s is on two packages.") % {"sscc": sscc},
                    field="sscc",
                    line=where,
                )
            seen.add(sscc)
        if package.weight_kg is not None and package.weight_kg < 0:
            raise DomainError(gettext("Weight cannot be negative."), field="weight_kg", line=where)
    if seen:
        reused = (
            ShipmentPackage.objects.filter(shipment__supplier=supplier, sscc__in=seen)
            .exclude(shipment__status=Shipment.Status.CANCELLED)
            .exclude(shipment=shipment)
            .values_list("sscc", "shipment__asn_number")
            .first()
        )
        if reused:
            raise DomainError(
                gettext("SSCC %(reused)s is already on ASN %(reused_2)s; every label is used once.")
                % {"reused": reused[0], "reused_2": reused[1]},
                field="sscc",
            )


def supplier_units(supplier: Supplier, lines: list[AsnLineInput]) -> dict[int, SupplierItem]:
    item_ids = {line.po_line.item_id for line in lines}
    return {
        si.item_id: si
        for si in SupplierItem.objects.filter(supplier=supplier, item_id__in=item_ids)
    }


def prepare_lines(
    *, supplier: Supplier, ship_to_id: int, ship_date: datetime.date, lines: list[AsnLineInput]
) -> list[AsnLine]:
    """Check every line on its own and convert it into the PO unit; the cumulative
    tolerance check needs the other ASNs and is done by `check_tolerance`."""
    if not lines:
        raise DomainError(gettext("An ASN needs at least one line with a quantity."), field="lines")
    supplier_items = supplier_units(supplier, lines)
    prepared = []
    for line_no, line in enumerate(lines, 1):
        po_line = line.po_line
        purchase_order = po_line.purchase_order
        label = line_label(po_line)
        if purchase_order.supplier_id != supplier.pk:
            # Same words as for an unknown PO: a supplier learns nothing about others'.
            raise DomainError(
                gettext("%(label)s is not one of your purchase orders.") % {"label": label},
                field="po_line",
            )
        if purchase_order.ship_to_id != ship_to_id:
            raise DomainError(
                gettext("%(label)s ships to %(code)s; one ASN goes to one warehouse.")
                % {"label": label, "code": purchase_order.ship_to.code},
                field="po_line",
                line=label,
            )
        if (
            purchase_order.status not in SHIPPABLE_PO_STATUSES
            or po_line.confirmed_qty is None
            or po_line.confirmed_qty <= 0
        ):
            raise DomainError(
                gettext(
                    "%(label)s is not confirmed; only acknowledged (confirmed) "
                    "lines can be shipped."
                )
                % {"label": label},
                field="po_line",
                line=label,
            )
        if po_line.status != PurchaseOrderLine.Status.OPEN:
            # E.g. received short with the ERP's backorder cancelled: nothing is owed.
            raise DomainError(
                gettext("%(label)s is %(status)s; nothing is open to ship on it.")
                % {"label": label, "status": po_line.get_status_display().lower()},
                field="po_line",
                line=label,
            )
        if line.quantity is None or line.quantity <= 0:
            raise DomainError(
                gettext("%(label)s: the quantity shipped must be greater than zero.")
                % {"label": label},
                field="quantity",
                line=label,
            )
        uom = line.uom or po_line.uom
        supplier_item = supplier_items.get(po_line.item_id)
        allowed_units = {po_line.uom_id} | ({supplier_item.uom_id} if supplier_item else set())
        if uom.pk not in allowed_units:
            units = sorted(
                {po_line.uom.code} | ({supplier_item.uom.code} if supplier_item else set())
            )
            raise DomainError(
                gettext("%(label)s: ship in %(units)s, not %(code)s.")
                % {"label": label, "units": " or ".join(units), "code": uom.code},
                field="uom",
                line=label,
            )
        try:
            quantity_po_uom = convert_quantity(
                quantity=line.quantity, from_uom=uom, to_uom=po_line.uom, item=po_line.item
            )
            in_base = convert_quantity(
                quantity=line.quantity,
                from_uom=uom,
                to_uom=po_line.item.base_uom,
                item=po_line.item,
            )
        except DomainError as error:
            raise DomainError(
                gettext("%(label)s: %(message)s") % {"label": label, "message": error.message},
                field=error.field or "quantity",
                line=label,
            ) from error
        serials = [serial.strip() for serial in line.serial_numbers if serial.strip()]
        if po_line.item.is_serialized:
            if Decimal(len(serials)) != in_base:
                raise DomainError(
                    gettext(
                        "%(label)s: %(sku)s is serialised; enter one serial number "
                        "per %(code)s shipped (%(fmt)s), not %(serials)s."
                    )
                    % {
                        "label": label,
                        "sku": po_line.item.sku,
                        "code": po_line.item.base_uom.code,
                        "fmt": fmt(in_base),
                        "serials": len(serials),
                    },
                    field="serial_numbers",
                    line=label,
                )
            if len(set(serials)) != len(serials):
                raise DomainError(
                    gettext("%(label)s: a serial number is entered twice.") % {"label": label},
                    field="serial_numbers",
                    line=label,
                )
        elif serials:
            raise DomainError(
                gettext("%(label)s: %(sku)s is not serialised; remove the serial numbers.")
                % {"label": label, "sku": po_line.item.sku},
                field="serial_numbers",
                line=label,
            )
        check_schedule_line_pick(po_line, line.schedule_line)
        if line.expiry_date is not None and line.expiry_date < ship_date:
            raise DomainError(
                gettext("%(label)s: lot expiry %(expiry_date)s is before the ship date.")
                % {"label": label, "expiry_date": line.expiry_date},
                field="expiry_date",
                line=label,
            )
        prepared.append(
            AsnLine(
                line_no=line_no,
                po_line=po_line,
                quantity=line.quantity,
                uom=uom,
                quantity_po_uom=quantity_po_uom,
                lot=(line.lot or "").strip()[:60],
                expiry_date=line.expiry_date,
                serial_numbers=serials,
                schedule_line=line.schedule_line,
            )
        )
    return prepared


def replace_lines_and_packages(
    shipment: Shipment, prepared: list[AsnLine], header: AsnHeader
) -> None:
    shipment.lines.all().delete()
    shipment.packages.all().delete()
    add_lines_and_packages(shipment, prepared, header)


def add_lines_and_packages(shipment: Shipment, prepared: list[AsnLine], header: AsnHeader) -> None:
    """The lines and packages of an ASN that has none (one created in this transaction)."""
    for asn_line in prepared:
        asn_line.shipment = shipment
    AsnLine.objects.bulk_create(prepared)
    packages = header.packages
    if header.number_ssccs:
        packages = with_numbered_ssccs(shipment.supplier, packages, header.package_count)
    ShipmentPackage.objects.bulk_create(
        ShipmentPackage(
            shipment=shipment,
            sequence=sequence,
            sscc=sscc_normalize(package.sscc) if package.sscc else "",
            weight_kg=package.weight_kg,
        )
        for sequence, package in enumerate(packages, 1)
    )


def with_numbered_ssccs(
    supplier: Supplier, packages: list[PackageInput], package_count: int
) -> list[PackageInput]:
    """The ASN's packages, one per package counted, each without an SSCC given the next
    one of the supplier's sequence; typed SSCCs and weights are kept as they are."""
    padded = packages + [PackageInput()] * max(package_count - len(packages), 0)
    unlabelled = [index for index, package in enumerate(padded) if not package.sscc]
    for index, sscc in zip(unlabelled, sscc_allocate(supplier, len(unlabelled)), strict=True):
        padded[index] = replace(padded[index], sscc=sscc)
    return padded


def asn_snapshot(shipment: Shipment, *, lines: Iterable[AsnLine] | None = None) -> dict[str, Any]:
    """The ASN as events and audit entries carry it. `lines`: its lines as the caller has
    just read them (with their PO lines' PO, item and unit, their unit and delivery), in
    line order, instead of reading them again."""
    if lines is None:
        lines = shipment.lines.select_related(
            "po_line__purchase_order", "po_line__item", "po_line__uom", "uom", "schedule_line"
        ).order_by("line_no")
    return {
        "asn_number": shipment.asn_number,
        "supplier": shipment.supplier.code,
        "ship_to": shipment.ship_to.code,
        "status": shipment.status,
        "ship_date": shipment.ship_date,
        "expected_delivery": shipment.expected_delivery,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "package_count": shipment.package_count,
        "gross_weight_kg": shipment.gross_weight_kg,
        "revision": shipment.revision,
        "packages": [
            {"sscc": p.sscc, "weight_kg": p.weight_kg}
            for p in shipment.packages.order_by("sequence")
        ],
        "lines": [
            {
                "line_no": line.line_no,
                "po_number": line.po_line.purchase_order.number,
                "po_line_no": line.po_line.line_no,
                "sku": line.po_line.item.sku,
                "quantity": line.quantity,
                "uom": line.uom.code,
                "quantity_po_uom": line.quantity_po_uom,
                "po_uom": line.po_line.uom.code,
                "lot": line.lot,
                "expiry_date": line.expiry_date,
                "serial_numbers": line.serial_numbers,
                # The delivery picked (its date), or null: oldest open first.
                "schedule_line_date": line.schedule_line.date if line.schedule_line else None,
            }
            for line in lines
        ],
    }


def publish_asn_event(
    shipment: Shipment, event_type: str, *, actor: Actor, channel: str, data: dict[str, Any]
) -> None:
    publish(
        event_type=event_type,
        aggregate_type="asn",
        aggregate_id=shipment.aggregate_id,
        data=data,
        actor=actor,
        channel=channel,
    )


def locked_shipment(shipment: Shipment) -> Shipment:
    # of=("self",): lock the ASN row only, not the joined supplier and warehouse rows,
    # which would serialise every ASN of a supplier (and of a warehouse) for nothing.
    return (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("supplier", "ship_to")
        .get(pk=shipment.pk)
    )


def po_line_ids_of(shipment: Shipment) -> set[int]:
    return set(shipment.lines.values_list("po_line_id", flat=True))
