"""Business KPIs computed set-based from the tables (never from logs), issue 20.

Each KPI is a queryset of its facts, one row per document, annotated with:

- `at`: when the fact happened (what the time window and the weekly series filter on),
- `supplier_ref`: the supplier's id (None for facts that belong to no supplier),
- `group`: a sub-key some KPIs are broken down by (exception class, event type),
- `document`: what the drill-down shows (PO number, ASN number, case title, …),
- and either `value` (a duration in seconds: "distribution" KPIs, median and p90) or
  `num` / `den` (a ratio: OTIF, ASN accuracy, discrepancy rate).

`kpi_values()` reduces those facts in one query per call, grouped by nothing, by supplier,
by group or by week, whatever the number of documents: PostgreSQL's `percentile_cont`
computes medians in the database. SQLite (the demo) has no percentile aggregate: there the
one query returns the durations and the median is taken in Python, with the same
interpolation as `percentile_cont`.
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, TruncDate, TruncWeek
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from integrations.models import Delivery, ExceptionCase
from inventory.models import ReconciliationRun
from suppliers.models import (
    Acknowledgment,
    AsnLine,
    Dispute,
    Invoice,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Shipment,
    Supplier,
)


class Seconds(Func):
    """Seconds from `start` to `end` (dates count from midnight), as a float."""

    output_field = FloatField()
    template = "((julianday(%(expressions)s)) * 86400.0)"
    arg_joiner = ") - julianday("

    def as_postgresql(self, compiler: Any, conn: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            conn,
            template="EXTRACT(EPOCH FROM (%(expressions)s))::float",
            arg_joiner="::timestamptz - ",
            **extra,
        )


def _seconds(end: Any, start: Any) -> Any:
    if connection.vendor == "postgresql":
        # `arg_joiner` casts the end; the start is cast here (a date counts from midnight).
        return Seconds(end, Cast(start, output_field=DateTimeField()))
    return Seconds(end, start)


class PercentileCont(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class Window:
    since: datetime.datetime
    until: datetime.datetime

    @classmethod
    def last(cls, days: int, *, now: datetime.datetime) -> "Window":
        return cls(since=now - datetime.timedelta(days=days), until=now)


@dataclass(frozen=True)
class KpiValue:
    """One reduced point: how many facts, and the KPI over them. For durations `median`
    and `p90` (seconds); for ratios `ratio` (0–1, num/den)."""

    count: int
    median: float | None = None
    p90: float | None = None
    ratio: float | None = None
    num: float = 0.0
    den: float = 0.0


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str | Promise  # gettext_lazy: read in the viewer's language
    kind: str  # "duration" or "ratio"
    unit: str  # how the page shows it: "hours", "days", "seconds", "percent"
    facts: Callable[[], QuerySet[Any]]
    description: str | Promise
    per_supplier: bool = True


def _first_acknowledgments() -> QuerySet[Any]:
    earlier = Acknowledgment.objects.filter(
        purchase_order=OuterRef("purchase_order"), submitted_at__lt=OuterRef("submitted_at")
    )
    return (
        Acknowledgment.objects.filter(~Exists(earlier))
        .annotate(
            at=F("submitted_at"),
            supplier_ref=F("purchase_order__supplier_id"),
            group=Value(""),
            document=F("purchase_order__number"),
            value=_seconds(F("submitted_at"), F("purchase_order__issued_at")),
        )
        .order_by()
    )


def _first_receipt_at(shipment: Any) -> Subquery:
    return Subquery(
        Receipt.objects.filter(shipment=shipment).order_by("received_at").values("received_at")[:1]
    )


def _asn_lines_received() -> QuerySet[Any]:
    return (
        AsnLine.objects.filter(shipment__status=Shipment.Status.RECEIVED)
        .annotate(
            at=_first_receipt_at(OuterRef("shipment")),
            supplier_ref=F("shipment__supplier_id"),
            group=Value(""),
            document=Concat(
                F("shipment__asn_number"), Value(" line "), F("line_no"), output_field=CharField()
            ),
            num=Case(
                When(received_qty=F("quantity_po_uom"), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            den=Value(1, output_field=IntegerField()),
        )
        .order_by()
    )


def _po_lines_due() -> QuerySet[Any]:
    last_receipt = Subquery(
        ReceiptLine.objects.filter(asn_line__po_line=OuterRef("pk"))
        .order_by("-receipt__received_at")
        .values("receipt__received_at")[:1]
    )
    due = Coalesce(F("confirmed_date"), F("requested_date"))
    return (
        PurchaseOrderLine.objects.exclude(status=PurchaseOrderLine.Status.CANCELLED)
        .exclude(
            purchase_order__status__in=[
                PurchaseOrder.Status.REJECTED,
                PurchaseOrder.Status.CANCELLED,
            ]
        )
        .annotate(
            at=due,
            last_receipt_on=TruncDate(last_receipt),
            supplier_ref=F("purchase_order__supplier_id"),
            group=Value(""),
            document=Concat(
                F("purchase_order__number"), Value(" line "), F("line_no"), output_field=CharField()
            ),
        )
        .annotate(
            num=Case(
                When(
                    Q(received_qty__gte=Coalesce(F("confirmed_qty"), F("ordered_qty")))
                    & Q(last_receipt_on__lte=F("at")),
                    then=Value(1),
                ),
                default=Value(0),
                output_field=IntegerField(),
            ),
            den=Value(1, output_field=IntegerField()),
        )
        .order_by()
    )


def _shipments_received() -> QuerySet[Any]:
    first = _first_receipt_at(OuterRef("pk"))
    return (
        Shipment.objects.filter(Exists(Receipt.objects.filter(shipment=OuterRef("pk"))))
        .annotate(
            at=first,
            supplier_ref=F("supplier_id"),
            group=Value(""),
            document=F("asn_number"),
            value=_seconds(first, Coalesce(F("original_expected_delivery"), "expected_delivery")),
        )
        .order_by()
    )


def _asns_ahead_of_arrival() -> QuerySet[Any]:
    first = _first_receipt_at(OuterRef("pk"))
    return (
        Shipment.objects.filter(submitted_at__isnull=False)
        .filter(Exists(Receipt.objects.filter(shipment=OuterRef("pk"))))
        .annotate(
            at=first,
            supplier_ref=F("supplier_id"),
            group=Value(""),
            document=F("asn_number"),
            value=_seconds(first, F("submitted_at")),
        )
        .order_by()
    )


def _reconciliation_runs() -> QuerySet[Any]:
    return (
        ReconciliationRun.objects.filter(status=ReconciliationRun.Status.DONE)
        .annotate(
            at=F("finished_at"),
            supplier_ref=Value(None, output_field=IntegerField()),
            group=F("warehouse_code"),
            document=Concat(Value("Reconciliation run #"), F("id"), output_field=CharField()),
            num=F("discrepancies"),
            den=F("positions_compared"),
        )
        .order_by()
    )


def _supplier_ids_by_code() -> Subquery:
    return Subquery(Supplier.objects.filter(code=OuterRef("supplier_code")).values("id")[:1])


def _exceptions_resolved() -> QuerySet[Any]:
    return (
        ExceptionCase.objects.filter(status__in=ExceptionCase.CLOSED, resolved_at__isnull=False)
        .annotate(
            at=F("resolved_at"),
            supplier_ref=_supplier_ids_by_code(),
            group=F("exception_class"),
            document=F("title"),
            value=_seconds(F("resolved_at"), F("first_seen_at")),
        )
        .order_by()
    )


def _suppliers_onboarded() -> QuerySet[Any]:
    return (
        Supplier.objects.filter(activated_at__isnull=False)
        .annotate(
            at=F("activated_at"),
            supplier_ref=F("id"),
            group=Value(""),
            document=F("name"),
            value=_seconds(F("activated_at"), Coalesce(F("invited_at"), F("created_at"))),
        )
        .order_by()
    )


def _deliveries_delivered() -> QuerySet[Any]:
    return (
        Delivery.objects.filter(status=Delivery.Status.DELIVERED, delivered_at__isnull=False)
        .annotate(
            at=F("delivered_at"),
            supplier_ref=Value(None, output_field=IntegerField()),
            group=F("event__type"),
            document=Concat(
                F("event__aggregate_id"),
                Value(" → "),
                F("connector__name"),
                output_field=CharField(),
            ),
            value=_seconds(F("delivered_at"), F("event__occurred_at")),
        )
        .order_by()
    )


def _invoices_paid() -> QuerySet[Any]:
    # `paid_on` is the payment date (the buyer's or the ERP's), not when it was recorded;
    # the submission counts from its day so a same-day payment is 0 days, never negative.
    return (
        Invoice.objects.filter(
            kind=Invoice.Kind.INVOICE, status=Invoice.Status.PAID, paid_on__isnull=False
        )
        .annotate(
            at=F("paid_on"),
            supplier_ref=F("supplier_id"),
            group=Value(""),
            document=F("number"),
            value=_seconds(F("paid_on"), TruncDate("received_at")),
        )
        .order_by()
    )


def _invoices_first_matched() -> QuerySet[Any]:
    # The first match's outcome is on the invoice itself: `held_at` is set by the first
    # hold and never cleared, and an approved invoice is never matched again (only
    # submitted and held ones are), so "never held" is "approved on the first match".
    first_outcome = Coalesce(F("held_at"), F("approved_at"))
    return (
        Invoice.objects.filter(kind=Invoice.Kind.INVOICE)
        .filter(Q(held_at__isnull=False) | Q(approved_at__isnull=False))
        .annotate(
            at=first_outcome,
            supplier_ref=F("supplier_id"),
            group=Value(""),
            document=F("number"),
            num=Case(
                When(held_at__isnull=True, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            den=Value(1, output_field=IntegerField()),
        )
        .order_by()
    )


def _disputes_resolved() -> QuerySet[Any]:
    subject = Case(
        When(invoice__isnull=False, then=Concat(Value("Invoice "), F("invoice__number"))),
        default=Concat(Value("Receipt "), F("receipt__reference")),
        output_field=CharField(),
    )
    return (
        Dispute.objects.filter(status=Dispute.Status.RESOLVED, resolved_at__isnull=False)
        .annotate(
            at=F("resolved_at"),
            supplier_ref=F("supplier_id"),
            group=F("reason"),
            document=Concat(
                subject, Value(" (dispute #"), F("id"), Value(")"), output_field=CharField()
            ),
            value=_seconds(F("resolved_at"), F("created_at")),
        )
        .order_by()
    )


KPIS: dict[str, Kpi] = {
    kpi.key: kpi
    for kpi in (
        Kpi(
            "ack_time",
            _("Acknowledgment time"),
            "duration",
            "hours",
            _first_acknowledgments,
            _("From a PO's issue to the supplier's first acknowledgment."),
        ),
        Kpi(
            "asn_accuracy",
            _("ASN accuracy"),
            "ratio",
            "percent",
            _asn_lines_received,
            _("Lines of received ASNs whose received quantity equals the quantity shipped."),
        ),
        Kpi(
            "asn_lead_time",
            _("ASN lead time"),
            "duration",
            "hours",
            _asns_ahead_of_arrival,
            _("How long before the goods arrived (first receipt) the ASN was submitted."),
        ),
        Kpi(
            "otif",
            _("On time in full"),
            "ratio",
            "percent",
            _po_lines_due,
            _(
                "PO lines due in the period, received in full by their confirmed (else "
                "requested) date."
            ),
        ),
        Kpi(
            "receiving_variance",
            _("Receiving schedule variance"),
            "duration",
            "days",
            _shipments_received,
            _(
                "First receipt of an ASN against its first promised delivery date "
                "(negative: early)."
            ),
        ),
        Kpi(
            "discrepancy_rate",
            _("Inventory discrepancy rate"),
            "ratio",
            "percent",
            _reconciliation_runs,
            _("Differences found by reconciliation per position compared."),
            per_supplier=False,
        ),
        Kpi(
            "exception_resolution",
            _("Exception resolution time"),
            "duration",
            "hours",
            _exceptions_resolved,
            _("From a case's first sighting to its resolution, by class."),
        ),
        Kpi(
            "onboarding_cycle",
            _("Onboarding cycle time"),
            "duration",
            "days",
            _suppliers_onboarded,
            _("From invitation to activation of a supplier."),
        ),
        Kpi(
            "delivery_latency",
            _("Event delivery latency"),
            "duration",
            "seconds",
            _deliveries_delivered,
            _("From an event to its delivery to a connector, by workflow (event type)."),
            per_supplier=False,
        ),
        Kpi(
            "invoice_cycle",
            _("Invoice cycle time"),
            "duration",
            "days",
            _invoices_paid,
            _("From an invoice's submission to its payment date (paid invoices)."),
        ),
        Kpi(
            "invoice_first_pass",
            _("Invoice first-pass match"),
            "ratio",
            "percent",
            _invoices_first_matched,
            _("Invoices approved by their first three-way match, with no hold."),
        ),
        Kpi(
            "dispute_resolution",
            _("Dispute resolution time"),
            "duration",
            "hours",
            _disputes_resolved,
            _("From a dispute's opening to its resolution, by reason."),
        ),
    )
}

BY = ("all", "supplier", "group", "week")


def kpi_facts(
    kpi: Kpi, *, window: Window, supplier_id: int | None = None, group: str = ""
) -> QuerySet[Any]:
    """The facts of one KPI in the window (the drill-down's documents)."""
    facts = kpi.facts().filter(at__gte=window.since, at__lt=window.until)
    if supplier_id is not None:
        facts = facts.filter(supplier_ref=supplier_id)
    if group:
        facts = facts.filter(group=group)
    return facts


def kpi_values(
    kpi: Kpi,
    *,
    window: Window,
    by: str = "all",
    supplier_id: int | None = None,
    group: str = "",
) -> dict[Any, KpiValue]:
    """The KPI reduced over the window, keyed by `by`: "all" (one key, "all"), "supplier"
    (supplier id), "group" (class, workflow, warehouse) or "week" (the Monday as a date).
    One query whatever the number of facts."""
    if by not in BY:
        raise ValueError(f"by must be one of {BY}, not {by!r}")
    facts = kpi_facts(kpi, window=window, supplier_id=supplier_id, group=group)
    if by == "all":
        keyed = facts.annotate(key=Value("all"))
    elif by == "supplier":
        keyed = facts.annotate(key=F("supplier_ref"))
    elif by == "group":
        keyed = facts.annotate(key=F("group"))
    elif isinstance(facts.query.annotations["at"].output_field, DateTimeField):
        keyed = facts.annotate(key=TruncDate(TruncWeek("at")))
    else:
        keyed = facts.annotate(key=TruncWeek("at"))
    if kpi.kind == "ratio":
        rows = keyed.values("key").annotate(n=Count("*"), num=Sum("num"), den=Sum("den"))
        return {row["key"]: _ratio(row) for row in rows.order_by("key")}
    if connection.vendor == "postgresql":
        return {
            row["key"]: KpiValue(count=row["n"], median=row["median"], p90=row["p90"])
            for row in keyed.values("key")
            .annotate(
                n=Count("*"),
                median=PercentileCont("value", fraction=0.5),
                p90=PercentileCont("value", fraction=0.9),
            )
            .order_by("key")
        }
    durations: dict[Any, list[float]] = defaultdict(list)
    for key, seconds in keyed.values_list("key", "value"):
        if seconds is not None:
            durations[key].append(float(seconds))
    return {
        key: KpiValue(
            count=len(values), median=percentile(values, 0.5), p90=percentile(values, 0.9)
        )
        for key, values in sorted(durations.items(), key=lambda item: str(item[0]))
    }


def _ratio(row: dict[str, Any]) -> KpiValue:
    num, den = float(row["num"] or 0), float(row["den"] or 0)
    return KpiValue(count=row["n"], num=num, den=den, ratio=num / den if den else None)


def percentile(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont: linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
