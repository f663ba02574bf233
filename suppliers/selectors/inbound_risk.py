"""Reads for the buyer's inbound risk: which inbound lines are late, delayed, unacknowledged
or on a stale availability feed, and how much of what (per unit) and how much money (per
currency) they carry, by supplier, by warehouse and by week.

Quantities are never added across units: every figure is kept per the PO line's unit of
measure (the unit the supplier confirmed and ships in), and money per PO currency, each line
being quantity × price rounded to the currency's decimals (integrations/money.py). Every
figure is the sum of the rows `risk_lines` returns for the same filters, so the page's
figures and the lists they link to cannot disagree.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from integrations.money import line_amount, total_amount
from suppliers.models import (
    AsnLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderScheduleLine,
    Shipment,
    SupplierAvailability,
)

# The stale-feed cut-off is one rule with the availability pages (per-supplier windows).
from suppliers.selectors.shipping import _stale_filter

MEASURES: dict[str, str | Promise] = {
    "late": _("Late"),
    "delayed": _("Delayed ASNs"),
    "unacknowledged": _("Unacknowledged"),
    "stale": _("Stale feed"),
}
GROUPS: dict[str, str | Promise] = {
    "supplier": _("Supplier"),
    "warehouse": _("Warehouse"),
    "week": _("Week"),
}


def _quantity(expression: Any) -> ExpressionWrapper:
    """A quantity computed in SQL, typed as the quantity columns are."""
    return ExpressionWrapper(expression, output_field=DecimalField(max_digits=18, decimal_places=6))


def week_label(day: datetime.date) -> str:
    """The ISO week a date falls in, as `2026-W49`."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(label: str) -> datetime.date | None:
    """The Monday of an ISO week label, or None when the label is not one."""
    try:
        year, week = label.split("-W")
        return datetime.date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return None


@dataclass(frozen=True)
class RiskLine:
    """One line at risk: what, where, due when, how much in its PO unit, at what price."""

    measure: str
    supplier_code: str
    warehouse_code: str
    due: datetime.date
    po_number: str
    po_line_no: int
    schedule_position: int | None  # the PO line's delivery (schedule line), when it has one
    asn_number: str
    sku: str
    quantity: Decimal
    uom_code: str
    unit_price: Decimal
    currency: str

    @property
    def week(self) -> str:
        return week_label(self.due)

    @property
    def measure_label(self) -> str:
        return str(MEASURES[self.measure])

    @property
    def quantity_text(self) -> str:
        """The quantity as the supplier gave it: no exponent, no padding zeros."""
        return f"{self.quantity.normalize():f}"

    @property
    def value(self) -> Decimal:
        return line_amount(self.quantity, self.unit_price, self.currency)

    def key(self, group: str) -> str:
        return {
            "supplier": self.supplier_code,
            "warehouse": self.warehouse_code,
            "week": self.week,
        }[group]


@dataclass
class RiskCell:
    """One measure for one supplier, warehouse or week: how many lines, how much of each
    unit, how much money in each currency. Units and currencies are never added together."""

    lines: int = 0
    quantities: dict[str, Decimal] = field(default_factory=dict)
    values: dict[str, Decimal] = field(default_factory=dict)

    def add(self, line: RiskLine) -> None:
        self.lines += 1
        self.quantities[line.uom_code] = self.quantities.get(line.uom_code, Decimal(0)) + (
            line.quantity
        )
        self.values[line.currency] = total_amount(
            [self.values.get(line.currency, Decimal(0)), line.value], line.currency
        )

    @property
    def quantity_items(self) -> list[tuple[str, Decimal]]:
        return sorted(self.quantities.items())

    @property
    def value_items(self) -> list[tuple[str, Decimal]]:
        return sorted(self.values.items())


@dataclass
class RiskRow:
    key: str
    cells: dict[str, RiskCell]


@dataclass(frozen=True)
class RiskFilters:
    """What a figure on the risk page stands for; its link carries these as the query."""

    measure: str = ""
    supplier: str = ""
    warehouse: str = ""
    week: str = ""
    uom: str = ""
    currency: str = ""

    def matches(self, line: RiskLine) -> bool:
        return all(
            not wanted or wanted == actual
            for wanted, actual in (
                (self.measure, line.measure),
                (self.supplier, line.supplier_code),
                (self.warehouse, line.warehouse_code),
                (self.week, line.week),
                (self.uom, line.uom_code),
                (self.currency, line.currency),
            )
        )


# ---------------------------------------------------------------- the lines, per measure


def _price(prefix: str = "") -> Coalesce:
    return Coalesce(f"{prefix}confirmed_price", f"{prefix}unit_price")


def _asn_rows(queryset: QuerySet[AsnLine], measure: str) -> Iterator[RiskLine]:
    rows = queryset.annotate(price=_price("po_line__")).values_list(
        "shipment__supplier__code",
        "shipment__ship_to__code",
        "shipment__expected_delivery",
        "po_line__purchase_order__number",
        "po_line__line_no",
        "schedule_line__position",
        "shipment__asn_number",
        "po_line__item__sku",
        "quantity_po_uom",
        "po_line__uom__code",
        "price",
        "po_line__purchase_order__currency",
    )
    for row in rows.order_by("shipment__expected_delivery", "shipment__asn_number", "line_no"):
        yield RiskLine(measure, *row)


def _inbound_asn_lines() -> QuerySet[AsnLine]:
    return AsnLine.objects.filter(shipment__status__in=Shipment.INBOUND)


def _late_asn_lines(*, today: datetime.date) -> Iterator[RiskLine]:
    """ASN lines on their way past their expected delivery, or expected after the date
    promised for what they ship (their delivery's date, else the PO line's)."""
    promised = Coalesce("schedule_line__date", "po_line__confirmed_date", "po_line__requested_date")
    late = _inbound_asn_lines().filter(
        Q(shipment__expected_delivery__lt=today) | Q(shipment__expected_delivery__gt=promised)
    )
    return _asn_rows(late, "late")


def _late_schedule_lines(*, today: datetime.date) -> Iterator[RiskLine]:
    """Each confirmed delivery (schedule line) not yet shipped in full past its own date:
    a line split into 10 CS now and 5 CS in two weeks is late for 10 CS once the first
    date passes, whatever the second."""
    rows = (
        PurchaseOrderScheduleLine.objects.filter(
            line__purchase_order__status__in=PurchaseOrder.OPEN_TO_SHIP,
            quantity__gt=F("shipped_qty"),
            date__lt=today,
        )
        .annotate(
            to_ship=_quantity(F("quantity") - F("shipped_qty")),
            price=_price("line__"),
        )
        .values_list(
            "line__purchase_order__supplier__code",
            "line__purchase_order__ship_to__code",
            "date",
            "line__purchase_order__number",
            "line__line_no",
            "position",
            "to_ship",
            "line__item__sku",
            "line__uom__code",
            "price",
            "line__purchase_order__currency",
        )
        .order_by("date", "line__purchase_order__number", "line__line_no", "position")
    )
    for supplier, warehouse, due, number, line_no, position, qty, sku, uom, price, cur in rows:
        yield RiskLine(
            "late", supplier, warehouse, due, number, line_no, position, "", sku, qty, uom,
            price, cur,
        )  # fmt: skip


def _po_line_rows(queryset: QuerySet[PurchaseOrderLine], measure: str) -> Iterator[RiskLine]:
    rows = queryset.annotate(price=_price()).values_list(
        "purchase_order__supplier__code",
        "purchase_order__ship_to__code",
        "due",
        "purchase_order__number",
        "line_no",
        "open_qty",
        "item__sku",
        "uom__code",
        "price",
        "purchase_order__currency",
    )
    for supplier, warehouse, due, number, line_no, qty, sku, uom, price, currency in rows.order_by(
        "due", "purchase_order__number", "line_no"
    ):
        yield RiskLine(
            measure, supplier, warehouse, due, number, line_no, None, "", sku, qty, uom, price,
            currency,
        )  # fmt: skip


def _late_unscheduled_lines(*, today: datetime.date) -> Iterator[RiskLine]:
    """Confirmed lines without schedule lines (confirmed before they existed) are one
    delivery on their promised date."""
    rows = (
        PurchaseOrderLine.objects.filter(
            purchase_order__status__in=PurchaseOrder.OPEN_TO_SHIP,
            confirmed_qty__gt=F("shipped_qty"),
        )
        .exclude(Exists(PurchaseOrderScheduleLine.objects.filter(line=OuterRef("pk"))))
        .annotate(
            due=Coalesce("confirmed_date", "requested_date"),
            open_qty=_quantity(F("confirmed_qty") - F("shipped_qty")),
        )
        .filter(due__lt=today)
    )
    return _po_line_rows(rows, "late")


def _unacknowledged_lines() -> Iterator[RiskLine]:
    """Lines of POs awaiting the supplier's acknowledgment, ordered quantity, due on the
    requested date."""
    rows = PurchaseOrderLine.objects.filter(
        purchase_order__status__in=PurchaseOrder.AWAITING_ACKNOWLEDGMENT
    ).annotate(due=F("requested_date"), open_qty=F("ordered_qty"))
    return _po_line_rows(rows, "unacknowledged")


def _stale_feed_lines(*, now: datetime.datetime) -> Iterator[RiskLine]:
    """Open lines whose supplier item's availability is older than the supplier's
    freshness window: the open quantity, due on the promised date."""
    stale_feed = SupplierAvailability.objects.filter(
        _stale_filter(now=now),
        supplier_item__supplier=OuterRef("purchase_order__supplier"),
        supplier_item__item=OuterRef("item"),
    )
    rows = (
        PurchaseOrderLine.objects.filter(purchase_order__status__in=PurchaseOrder.OPEN)
        .filter(Exists(stale_feed))
        .annotate(
            due=Coalesce("confirmed_date", "requested_date"),
            open_qty=_quantity(Coalesce("confirmed_qty", "ordered_qty") - F("shipped_qty")),
        )
        .filter(open_qty__gt=0)
    )
    return _po_line_rows(rows, "stale")


def _measure_lines(
    measure: str, *, today: datetime.date, now: datetime.datetime
) -> Iterable[RiskLine]:
    if measure == "late":
        return [
            *_late_asn_lines(today=today),
            *_late_schedule_lines(today=today),
            *_late_unscheduled_lines(today=today),
        ]
    if measure == "delayed":
        delayed = _inbound_asn_lines().filter(shipment__status=Shipment.Status.DELAYED)
        return _asn_rows(delayed, "delayed")
    if measure == "unacknowledged":
        return _unacknowledged_lines()
    return _stale_feed_lines(now=now)


def risk_lines(
    *, today: datetime.date, now: datetime.datetime, filters: RiskFilters = RiskFilters()
) -> list[RiskLine]:
    """The lines behind a figure of the risk page (every measure when none is given), by
    due date. A constant number of queries (at most 6) whatever the volume."""
    measures = [filters.measure] if filters.measure in MEASURES else list(MEASURES)
    lines = [
        line
        for measure in measures
        for line in _measure_lines(measure, today=today, now=now)
        if filters.matches(line)
    ]
    return sorted(lines, key=lambda line: (line.due, line.po_number, line.po_line_no))


# ---------------------------------------------------------------- the summary


@dataclass
class InboundRisk:
    """The risk page: per supplier, per warehouse, per week, and in total, one cell per
    measure; `chart` is the late value by week (one bar per currency)."""

    supplier: list[RiskRow]
    warehouse: list[RiskRow]
    week: list[RiskRow]
    totals: dict[str, RiskCell]

    def rows(self, group: str) -> list[RiskRow]:
        return {"supplier": self.supplier, "warehouse": self.warehouse, "week": self.week}[group]


def inbound_risk(*, today: datetime.date, now: datetime.datetime) -> InboundRisk:
    """Late, delayed, unacknowledged and stale-feed lines, counted, their quantities per
    unit and their value per currency, by supplier, by warehouse and by week.

    - late: ASN lines on their way past their expected delivery or expected after their
      promised date, and confirmed deliveries (schedule lines; lines without them, on the
      line's promised date) not yet shipped past their own date;
    - delayed: lines of ASNs with a "delayed" milestone still on their way;
    - unacknowledged: lines of POs awaiting acknowledgment (ordered quantity);
    - stale: open lines whose supplier item's availability feed is older than the
      supplier's freshness window (open quantity).
    """
    tables: dict[str, dict[str, dict[str, RiskCell]]] = {
        group: defaultdict(lambda: {measure: RiskCell() for measure in MEASURES})
        for group in GROUPS
    }
    totals = {measure: RiskCell() for measure in MEASURES}
    for line in risk_lines(today=today, now=now):
        totals[line.measure].add(line)
        for group, table in tables.items():
            table[line.key(group)][line.measure].add(line)
    rows = {
        group: [RiskRow(key, cells) for key, cells in sorted(table.items())]
        for group, table in tables.items()
    }
    return InboundRisk(
        supplier=rows["supplier"], warehouse=rows["warehouse"], week=rows["week"], totals=totals
    )
