"""One click ships POs ("Ship this PO", "Ship these POs"): a draft ASN of what is due first.

Each open line of the chosen POs goes on the ASN with its next open delivery (the
schedule line due first, its open quantity, picked as the delivery the ASN line ships
against), numbered from the supplier's ASN sequence (`asn_numbers.py`), shipping today
and expected on the date that delivery is due (today if it is overdue). Nothing is
announced: the supplier checks and edits the draft (the number too) and submits it
through the ordinary ASN services.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from portal.access import Actor
from suppliers.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderScheduleLine,
    Shipment,
    Supplier,
)
from suppliers.services.asn_numbers import asn_create_numbered
from suppliers.services.shipment_rules import AsnHeader, AsnLineInput
from suppliers.services.shipments import asn_create, open_lines_for_purchase_orders

__all__ = ["ShipResult", "due_first_lines", "purchase_orders_ship"]


def _next_delivery(schedule: list[PurchaseOrderScheduleLine]) -> PurchaseOrderScheduleLine | None:
    ordered = sorted(schedule, key=lambda s: (s.date, s.position))
    return next((s for s in ordered if s.open_qty > 0), None)


def due_first_lines(
    open_lines: list[PurchaseOrderLine],
) -> list[tuple[AsnLineInput, datetime.date | None]]:
    """Each open line with its next open delivery: (the ASN line, the date it is due).
    A line without schedule lines (confirmed before they existed) ships all it has open,
    due on its confirmed date."""
    schedules: dict[int, list[PurchaseOrderScheduleLine]] = {line.pk: [] for line in open_lines}
    for schedule_line in PurchaseOrderScheduleLine.objects.filter(line_id__in=list(schedules)):
        schedules[schedule_line.line_id].append(schedule_line)
    due = []
    for po_line in open_lines:
        delivery = _next_delivery(schedules[po_line.pk])
        if delivery is None:
            due.append(
                (
                    AsnLineInput(po_line=po_line, quantity=po_line.open_to_ship),
                    po_line.confirmed_date,
                )
            )
            continue
        quantity = min(delivery.open_qty, po_line.open_to_ship)
        if quantity <= Decimal(0):
            continue
        due.append(
            (
                AsnLineInput(po_line=po_line, quantity=quantity, schedule_line=delivery),
                delivery.date,
            )
        )
    return due


def _check_choice(supplier: Supplier, purchase_orders: list[PurchaseOrder]) -> None:
    if not purchase_orders:
        raise DomainError(gettext("Choose at least one purchase order."), field="purchase_orders")
    for purchase_order in purchase_orders:
        if purchase_order.supplier_id != supplier.pk:
            raise DomainError(
                gettext("%(number)s is not one of your purchase orders.")
                % {"number": purchase_order.number},
                field="purchase_orders",
            )
    if len({po.ship_to_id for po in purchase_orders}) > 1:
        raise DomainError(
            gettext(
                "These purchase orders ship to different warehouses; one ASN "
                "goes to one warehouse. Choose purchase orders of the same "
                "ship-to."
            ),
            field="purchase_orders",
        )


# What a draft ships: (PO line, quantity in the PO unit, delivery) per line.
_Signature = frozenset[tuple[int, Decimal, int | None]]


def _signature(lines: list[AsnLineInput]) -> _Signature:
    return frozenset(
        (line.po_line.pk, line.quantity, line.schedule_line.pk if line.schedule_line else None)
        for line in lines
    )


def _same_draft(supplier: Supplier, lines: list[AsnLineInput]) -> Shipment | None:
    """A draft of the supplier that already ships exactly these deliveries (a second
    click, or a draft left from before): opened again rather than doubled, since a draft
    reserves nothing and two identical ones only confuse."""
    wanted = _signature(lines)
    drafts = Shipment.objects.filter(
        supplier=supplier,
        status=Shipment.Status.DRAFT,
        lines__po_line_id__in=[line.po_line.pk for line in lines],
    ).distinct()
    for draft in drafts.order_by("-created_at", "-id"):
        have = frozenset(
            (po_line_id, quantity.normalize(), schedule_line_id)
            for po_line_id, quantity, schedule_line_id in draft.lines.values_list(
                "po_line_id", "quantity_po_uom", "schedule_line_id"
            )
        )
        if have == frozenset((pk, qty.normalize(), s) for pk, qty, s in wanted):
            return draft
    return None


@dataclass(frozen=True)
class ShipResult:
    shipment: Shipment
    # False: an identical draft existed and is returned instead of a second one.
    created: bool


@transaction.atomic
def purchase_orders_ship(
    *,
    actor: Actor,
    supplier: Supplier,
    purchase_orders: list[PurchaseOrder],
    channel: str = Channel.PORTAL,
) -> ShipResult:
    """A draft ASN of the next open delivery of every open line of these POs (same
    ship-to), with the supplier's next ASN number. Refused when nothing is open; an
    identical draft is returned instead of a second one (`created` False)."""
    _check_choice(supplier, purchase_orders)
    # The POs' rows serialise two clicks on the same POs: the second waits for the
    # first's draft and finds it.
    list(
        PurchaseOrder.objects.select_for_update()
        .filter(pk__in=[po.pk for po in purchase_orders])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    open_lines = open_lines_for_purchase_orders(supplier=supplier, purchase_orders=purchase_orders)
    due = due_first_lines(open_lines)
    if not due:
        numbers = ", ".join(po.number for po in purchase_orders)
        raise DomainError(
            gettext(
                "Nothing is open to ship on %(numbers)s: only confirmed lines "
                "with an open quantity can be shipped."
            )
            % {"numbers": numbers},
            field="purchase_orders",
        )
    today = timezone.localdate()
    dates = [date for _line, date in due if date is not None]
    expected = max(min(dates), today) if dates else today
    lines = [line for line, _date in due]
    existing = _same_draft(supplier, lines)
    if existing is not None:
        return ShipResult(shipment=existing, created=False)

    def create(number: str) -> Shipment:
        header = AsnHeader(
            asn_number=number,
            ship_date=today,
            expected_delivery=expected,
            # One click prints labels at once when the portal numbers the supplier's SSCCs.
            number_ssccs=bool(supplier.gs1_company_prefix),
        )
        return asn_create(
            actor=actor, supplier=supplier, header=header, lines=lines, channel=channel
        )

    return ShipResult(shipment=asn_create_numbered(supplier=supplier, create=create), created=True)
