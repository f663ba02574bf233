"""Reads for acknowledgments: the supplier's inbox counters, the buyer's review queue and
overdue list, and a PO's acknowledgment history. Constant query counts whatever the volume."""

import datetime
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import connections, router
from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from suppliers.models import (
    Acknowledgment,
    AcknowledgmentLine,
    AutoAcceptRule,
    PurchaseOrder,
    ReasonCode,
    ScheduleLine,
    Supplier,
)
from suppliers.selectors.purchase_order_counts import PO_COUNTS, supplier_scope

# The queues a supplier acts on, in the order their counters show. Each queue is one
# filter (`_queue_filter`): its counter counts it and its list (`inbox_queue`) applies it,
# so "Open to ship 9" always opens a list of 9.
INBOX_QUEUES: dict[str, str | Promise] = {
    "to_acknowledge": _("To acknowledge"),
    "change_proposed": _("Change proposed"),
    "overdue": _("Overdue acknowledgment"),
    "open_to_ship": _("Open to ship"),
}


def _queue_filter(queue: str, *, now: datetime.datetime) -> Q:
    if queue == "to_acknowledge":
        return Q(status__in=PurchaseOrder.AWAITING_ACKNOWLEDGMENT)
    if queue == "change_proposed":
        return Q(status=PurchaseOrder.Status.CHANGE_PROPOSED)
    if queue == "overdue":
        return Q(status__in=PurchaseOrder.AWAITING_ACKNOWLEDGMENT, ack_due_at__lt=now)
    if queue == "open_to_ship":
        # Partially shipped POs are still open to ship: they are in the list too.
        return Q(status__in=PurchaseOrder.OPEN_TO_SHIP)
    raise ValueError(f"unknown inbox queue {queue!r}")


def inbox_queue(
    queryset: QuerySet[PurchaseOrder], *, queue: str, now: datetime.datetime
) -> QuerySet[PurchaseOrder]:
    """The POs of one inbox queue among `queryset`: the list its counter opens."""
    queryset = queryset.filter(_queue_filter(queue, now=now))
    if queue == "overdue":
        return queryset.order_by("ack_due_at", "id")
    return queryset


@dataclass(frozen=True)
class SupplierInbox:
    """A supplier's POs counted by status and by inbox queue."""

    by_status: dict[str, int]
    queues: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def overdue(self) -> int:
        return self.queues["overdue"]

    @property
    def counters(self) -> dict[str, int]:
        """The four counters a supplier acts on, each the size of its queue's list."""
        return dict(self.queues)


# The "overdue" counter changes with the clock alone: the inbox also reads the next
# instant an acknowledgment due time passes, and a kept inbox is used only until then.
_NEXT_DUE = "next_due"


def _inbox_aggregates(now: datetime.datetime) -> dict[str, Count | Min]:
    aggregates: dict[str, Count | Min] = {
        f"status:{status}": Count("status", filter=Q(status=status))
        for status in PurchaseOrder.Status.values
    }
    aggregates.update(
        {
            f"queue:{queue}": Count("status", filter=_queue_filter(queue, now=now))
            for queue in INBOX_QUEUES
        }
    )
    aggregates[_NEXT_DUE] = Min(
        "ack_due_at",
        filter=Q(status__in=PurchaseOrder.AWAITING_ACKNOWLEDGMENT, ack_due_at__gte=now),
    )
    return aggregates


# Stand-ins the inbox's SQL is compiled with once per process, replaced by the real
# supplier and time on each call (`_compiled_inbox`).
_SUPPLIER_STAND_IN = -924_601_337
_NOW_STAND_IN = datetime.datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=datetime.UTC)


@lru_cache(maxsize=8)
def _compiled_inbox(
    alias: str,
) -> tuple[str, tuple[Any, ...], int, tuple[int, ...], tuple[str, ...]] | None:
    """The inbox's aggregate as SQL, compiled by the ORM once per process: compiling its
    twelve filtered counts was ~1.3 ms of Python on every PO list (issue 24), the SQL
    itself ~0.5 ms. (sql, params, index of the supplier, indexes of the time, column
    names), or None when the stand-ins are not found as expected (then the ORM runs)."""
    queryset = (
        PurchaseOrder.objects.using(alias)
        .filter(supplier_id=_SUPPLIER_STAND_IN)
        .values("supplier_id")
        .annotate(**_inbox_aggregates(_NOW_STAND_IN))
    )
    names = tuple(queryset.query.annotation_select)
    sql, params = queryset.query.get_compiler(alias).as_sql()
    now_param = connections[alias].ops.adapt_datetimefield_value(_NOW_STAND_IN)
    suppliers = [i for i, param in enumerate(params) if param == _SUPPLIER_STAND_IN]
    times = [i for i, param in enumerate(params) if param in (_NOW_STAND_IN, now_param)]
    # The time: once in the overdue count, once in the next due time.
    if len(suppliers) != 1 or len(times) != 2:
        return None
    return sql, tuple(params), suppliers[0], tuple(times), names


def _inbox_row(supplier: Supplier, now: datetime.datetime) -> dict[str, Any]:
    alias = router.db_for_read(PurchaseOrder)
    compiled = _compiled_inbox(alias)
    if compiled is None:
        return PurchaseOrder.objects.filter(supplier=supplier).aggregate(**_inbox_aggregates(now))
    sql, stand_in_params, supplier_at, now_at, names = compiled
    params = list(stand_in_params)
    params[supplier_at] = supplier.pk
    for index in now_at:
        params[index] = connections[alias].ops.adapt_datetimefield_value(now)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    # Grouped by supplier: no row when the supplier has no PO (every count 0).
    values = found[1:] if found is not None else (0,) * (len(names) - 1) + (None,)
    row = dict(zip(names, values, strict=True))
    row[_NEXT_DUE] = _aware(row[_NEXT_DUE])
    return row


def _aware(value: Any) -> datetime.datetime | None:
    """A timestamp read by raw SQL: SQLite answers text, PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def _inbox_counted(supplier: Supplier, now: datetime.datetime) -> tuple[Any, ...]:
    """(when counted, next due time, counts by status, counts by queue): what is kept."""
    row = _inbox_row(supplier, now)
    by_status = {
        status: row[f"status:{status}"]
        for status in PurchaseOrder.Status.values
        if row[f"status:{status}"]
    }
    queues = {queue: row[f"queue:{queue}"] for queue in INBOX_QUEUES}
    return now, row[_NEXT_DUE], by_status, queues


def supplier_inbox(*, supplier: Supplier, now: datetime.datetime) -> SupplierInbox:
    """The supplier's PO counts by status and by queue in one aggregate query over the
    supplier's POs, which the (supplier, status, ack_due_at) index covers (it counts the
    non-null status, so no column outside the index is needed and PostgreSQL may answer
    from the index alone at volume). The counts by status double as the list's paginator
    count, so the list never runs its own COUNT(*) when unfiltered; the queue counts use
    the very filters the queue lists apply.

    Kept under the supplier's PO count version (`purchase_order_counts`) for as long as
    no acknowledgment due time has passed since it was counted (the overdue counter moves
    with the clock alone): exact, and no query on most pages. The next due time comes
    from the same aggregate and index, so there is no extra "overdue" query per page."""

    def still_valid(kept: tuple[Any, ...]) -> bool:
        counted_at, next_due = kept[0], kept[1]
        return counted_at <= now and (next_due is None or now <= next_due)

    _counted_at, _next_due, by_status, queues = PO_COUNTS.get(
        supplier_scope(supplier.pk),
        "inbox",
        lambda: _inbox_counted(supplier, now),
        still_valid=still_valid,
    )
    return SupplierInbox(by_status=dict(by_status), queues=dict(queues))


def supplier_inbox_counters(*, supplier: Supplier, now: datetime.datetime) -> dict[str, int]:
    """The four counters a supplier acts on, in one query."""
    return supplier_inbox(supplier=supplier, now=now).counters


def only_overdue(queryset: QuerySet[PurchaseOrder], *, now: datetime.datetime) -> QuerySet:
    return inbox_queue(queryset, queue="overdue", now=now)


def pending_review_count(*, supplier_code: str = "") -> int:
    """How many proposals wait for a buyer: the count of `pending_change_proposals`."""
    return pending_change_proposals(supplier_code=supplier_code).count()


def _lines_prefetch() -> Prefetch:
    return Prefetch(
        "lines",
        queryset=AcknowledgmentLine.objects.select_related(
            "po_line", "po_line__item", "po_line__uom"
        ).prefetch_related(
            Prefetch("schedule_lines", queryset=ScheduleLine.objects.select_related("entered_uom"))
        ),
    )


def acknowledgments_for_purchase_order(*, purchase_order: PurchaseOrder) -> list[Acknowledgment]:
    """Every answer to this PO, newest first, with lines and schedule lines (4 queries)."""
    return list(
        purchase_order.acknowledgments.select_related("submitted_by", "decided_by")
        .prefetch_related(_lines_prefetch())
        .order_by("-submitted_at", "-id")
    )


def pending_change_proposals(*, supplier_code: str = "") -> QuerySet[Acknowledgment]:
    """Proposals waiting for a buyer, oldest first, with everything the queue shows."""
    queryset = Acknowledgment.objects.filter(status=Acknowledgment.Status.PENDING_REVIEW)
    if supplier_code:
        queryset = queryset.filter(purchase_order__supplier__code=supplier_code)
    return (
        queryset.select_related(
            "purchase_order",
            "purchase_order__supplier",
            "purchase_order__supplier__auto_accept_rule",
            "submitted_by",
        )
        .prefetch_related(_lines_prefetch())
        .order_by("submitted_at", "id")
    )


def get_change_proposal_for_buyer(*, pk: int) -> Acknowledgment:
    return get_object_or_404(
        Acknowledgment.objects.select_related(
            "purchase_order",
            "purchase_order__supplier",
            "purchase_order__supplier__auto_accept_rule",
            "submitted_by",
            "decided_by",
        ).prefetch_related(_lines_prefetch()),
        pk=pk,
        kind=Acknowledgment.Kind.CHANGE,
    )


def overdue_acknowledgments(
    *, now: datetime.datetime, supplier_code: str = ""
) -> QuerySet[PurchaseOrder]:
    """POs past their acknowledgment due time across suppliers, most overdue first."""
    queryset = PurchaseOrder.objects.select_related("supplier", "ship_to")
    if supplier_code:
        queryset = queryset.filter(supplier__code=supplier_code)
    return only_overdue(queryset, now=now)


def purchase_orders_due_for_reminder(
    *, now: datetime.datetime, overdue_by: datetime.timedelta, today_starts: datetime.datetime
) -> QuerySet[PurchaseOrder]:
    """POs overdue by at least `overdue_by` and not yet reminded since `today_starts`."""
    return (
        PurchaseOrder.objects.filter(
            status__in=PurchaseOrder.AWAITING_ACKNOWLEDGMENT, ack_due_at__lt=now - overdue_by
        )
        .filter(Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lt=today_starts))
        .order_by("ack_due_at", "id")
    )


def auto_accept_rules() -> QuerySet[AutoAcceptRule]:
    return AutoAcceptRule.objects.select_related("supplier").order_by("supplier__code")


def reason_code_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in ReasonCode.choices]
