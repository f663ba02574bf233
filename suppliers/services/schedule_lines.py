"""A PO line's confirmed deliveries (schedule lines): written when a confirmation is
accepted, and shipped against by ASNs.

The schedule lines are the confirmation; `PurchaseOrderLine.confirmed_qty` is their sum
and `confirmed_date` the date of the earliest delivery still open (the last one once all
have shipped), kept for readers that know one figure per line.

What has shipped against each delivery is recomputed from the line's ASNs that count as
shipped (`counted_shipments`), never incremented: first what an ASN line ships against
the delivery the supplier picked (up to that delivery's quantity), then everything else
against the oldest open deliveries first; an over-shipment inside the tolerance lands on
the last one.

A short receipt kept open (issue 23): once an ASN is received (closed) with less than it
carried, only what arrived (damaged goods included: they did arrive) counts as shipped on
a PO line that is still open, so the rest is open to ship again, as Tryton's backorder
is. A line closed (received, e.g. because the ERP cancelled its backorder, or cancelled)
counts the ASN's full quantity: nothing is open to ship on it.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from integrations.errors import DomainError
from suppliers.models import (
    AsnLine,
    PurchaseOrderLine,
    PurchaseOrderScheduleLine,
    ReceiptLine,
    Shipment,
)

# (quantity in the PO line's unit, date): one delivery as a confirmation gives it.
Delivery = tuple[Decimal, datetime.date]


def decimal_text(value: Decimal) -> str:
    """A quantity as the events carry it: plain digits, no exponent, no trailing zeros
    ("10", "2.5")."""
    return f"{value.normalize():f}"


def _summary_date(schedule: Sequence[PurchaseOrderScheduleLine]) -> datetime.date | None:
    if not schedule:
        return None
    open_dates = [s.date for s in schedule if s.open_qty > 0]
    return min(open_dates) if open_dates else max(s.date for s in schedule)


def schedule_lines_replace(
    confirmations: Iterable[tuple[PurchaseOrderLine, Sequence[Delivery], Decimal | None]],
) -> None:
    """Make each PO line's confirmation these deliveries (and this confirmed price): the
    old schedule lines go, the new ones are written in date order (then as given), the
    line's confirmed quantity and date are set from them and what already shipped is
    allocated again. An empty list confirms nothing (a rejected line: 0)."""
    po_lines: list[PurchaseOrderLine] = []
    new: list[PurchaseOrderScheduleLine] = []
    for po_line, deliveries, price in confirmations:
        po_line.confirmed_price = price
        ordered = sorted(enumerate(deliveries), key=lambda pair: (pair[1][1], pair[0]))
        schedule = [
            PurchaseOrderScheduleLine(line=po_line, position=position, quantity=qty, date=date)
            for position, (_index, (qty, date)) in enumerate(ordered, start=1)
        ]
        po_line.confirmed_qty = sum((s.quantity for s in schedule), Decimal(0))
        po_line.confirmed_date = _summary_date(schedule)
        po_lines.append(po_line)
        new.extend(schedule)
    if not po_lines:
        return
    PurchaseOrderScheduleLine.objects.filter(line__in=[line.pk for line in po_lines]).delete()
    PurchaseOrderScheduleLine.objects.bulk_create(new)
    PurchaseOrderLine.objects.bulk_update(
        po_lines, ["confirmed_qty", "confirmed_date", "confirmed_price"]
    )
    schedule_lines_allocate({line.pk for line in po_lines})


class Counted(NamedTuple):
    """An ASN line's quantity in the PO unit that counts as shipped, the delivery it
    picked, and where it comes in submission order (its ASN's `submitted_at`, the ASN,
    the line number)."""

    po_line_id: int
    picked_id: int | None
    quantity: Decimal
    submitted_at: datetime.datetime | None
    shipment_id: int
    line_no: int


def counted_shipments(
    po_line_ids: set[int], *, excluding_shipment_id: int | None = None
) -> list[Counted]:
    """Every ASN line of these PO lines on an ASN that counts as shipped, in submission
    order. A received (closed) ASN counts no more than arrived on a line still open."""
    arrived = Subquery(
        ReceiptLine.objects.filter(asn_line=OuterRef("pk"))
        .values("asn_line")
        .annotate(total=Sum("qty_received"))
        .values("total")
    )
    rows = AsnLine.objects.filter(
        po_line_id__in=po_line_ids, shipment__status__in=Shipment.COUNTS_AS_SHIPPED
    )
    if excluding_shipment_id is not None:
        rows = rows.exclude(shipment_id=excluding_shipment_id)
    rows = rows.annotate(
        arrived=Coalesce(
            arrived, Value(Decimal(0)), output_field=DecimalField(max_digits=18, decimal_places=6)
        )
    ).order_by("shipment__submitted_at", "shipment_id", "line_no")
    counted: list[Counted] = []
    for (
        po_line_id,
        picked_id,
        quantity,
        asn_status,
        line_status,
        got,
        submitted_at,
        shipment_id,
        line_no,
    ) in rows.values_list(
        "po_line_id",
        "schedule_line_id",
        "quantity_po_uom",
        "shipment__status",
        "po_line__status",
        "arrived",
        "shipment__submitted_at",
        "shipment_id",
        "line_no",
    ):
        if asn_status == Shipment.Status.RECEIVED and line_status == PurchaseOrderLine.Status.OPEN:
            quantity = min(quantity, got)
        counted.append(Counted(po_line_id, picked_id, quantity, submitted_at, shipment_id, line_no))
    return counted


def counted_with_submitted(
    counted: Iterable[Counted], *, shipment: Shipment, lines: Iterable[AsnLine]
) -> list[Counted]:
    """What `counted_shipments` reads once `shipment` (a draft until now, so not in
    `counted`) counts as shipped with these, its lines: `counted` and them, in the same
    submission order. Spares the submission a second read of the same rows under the same
    PO line locks."""
    # A submitted ASN is neither received nor cancelled: each line counts in full.
    mine = [
        Counted(
            line.po_line_id,
            line.schedule_line_id,
            line.quantity_po_uom,
            shipment.submitted_at,
            shipment.pk,
            line.line_no,
        )
        for line in lines
    ]
    return sorted([*counted, *mine], key=_submission_order)


def _submission_order(row: Counted) -> tuple[bool, datetime.datetime, int, int]:
    # `ORDER BY submitted_at, shipment_id, line_no` as the database sorts a missing
    # submission time: last on PostgreSQL, first on SQLite.
    missing = row.submitted_at is None
    first = not missing if connection.features.nulls_order_largest else missing
    when = row.submitted_at or datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return (not first, when, row.shipment_id, row.line_no)


def schedule_lines_allocate(
    po_line_ids: set[int],
    *,
    counted: Sequence[Counted] | None = None,
    po_lines: Iterable[PurchaseOrderLine] | None = None,
) -> None:
    """Recompute what has shipped against each delivery of these lines from their ASNs
    that count as shipped (`counted_shipments`), and the lines' confirmed date (earliest
    open delivery). The caller holds the PO line locks (shipping) or the PO lock
    (acknowledgments); one that has already read, under those locks, the rows counted or
    the PO lines (all of `po_line_ids`) passes them instead of their being read again."""
    if not po_line_ids:
        return
    if po_lines is None:
        po_lines = PurchaseOrderLine.objects.filter(pk__in=po_line_ids)
    lines = {line.pk: line for line in po_lines}
    schedules: dict[int, list[PurchaseOrderScheduleLine]] = defaultdict(list)
    for schedule_line in PurchaseOrderScheduleLine.objects.filter(line_id__in=po_line_ids):
        schedules[schedule_line.line_id].append(schedule_line)
    _ensure_schedule(lines.values(), schedules)
    for schedule in schedules.values():
        for schedule_line in schedule:
            schedule_line.shipped_qty = Decimal(0)
    if counted is None:
        counted = counted_shipments(po_line_ids)
    unpicked: dict[int, list[Decimal]] = defaultdict(list)
    for po_line_id, picked_id, quantity, *_order in counted:
        schedule = schedules.get(po_line_id, [])
        picked = next((s for s in schedule if s.pk == picked_id), None)
        if picked is not None:
            taken = min(quantity, picked.open_qty)
            picked.shipped_qty += taken
            quantity -= taken
        if quantity > 0:
            unpicked[po_line_id].append(quantity)
    changed: list[PurchaseOrderScheduleLine] = []
    for po_line_id, schedule in schedules.items():
        oldest_first = sorted(schedule, key=lambda s: (s.date, s.position))
        for quantity in unpicked.get(po_line_id, []):
            for schedule_line in oldest_first:
                taken = min(quantity, schedule_line.open_qty)
                schedule_line.shipped_qty += taken
                quantity -= taken
            if quantity > 0:  # over-shipped inside the tolerance: the last delivery
                oldest_first[-1].shipped_qty += quantity
        changed.extend(schedule)
    PurchaseOrderScheduleLine.objects.bulk_update(changed, ["shipped_qty"])
    dated = [line for pk, line in lines.items() if pk in schedules]
    for po_line in dated:
        po_line.confirmed_date = _summary_date(schedules[po_line.pk])
    PurchaseOrderLine.objects.bulk_update(dated, ["confirmed_date"])


def _ensure_schedule(
    po_lines: Iterable[PurchaseOrderLine],
    schedules: dict[int, list[PurchaseOrderScheduleLine]],
) -> None:
    """Lines confirmed without schedule lines (older data, direct set-ups) get the one
    delivery they stand for, so shipping has something to ship against."""
    bare = [
        PurchaseOrderScheduleLine(
            line_id=line.pk, position=1, quantity=line.confirmed_qty, date=line.confirmed_date
        )
        # In the lines' own order (PO, line number), as a query of them would give it.
        for line in sorted(po_lines, key=lambda line: (line.purchase_order_id, line.line_no))
        if line.confirmed_qty is not None
        and line.confirmed_qty > 0
        and line.confirmed_date is not None
        and line.pk not in schedules
    ]
    for schedule_line in PurchaseOrderScheduleLine.objects.bulk_create(bare):
        schedules[schedule_line.line_id].append(schedule_line)


def check_schedule_line_pick(
    po_line: PurchaseOrderLine, schedule_line: PurchaseOrderScheduleLine | None
) -> None:
    """A picked delivery must be one of the line's own."""
    if schedule_line is not None and schedule_line.line_id != po_line.pk:
        label = f"{po_line.purchase_order.number} line {po_line.line_no}"
        raise DomainError(
            gettext("%(label)s: the delivery chosen is not one of this line's schedule lines.")
            % {"label": label},
            field="schedule_line",
            line=label,
        )
