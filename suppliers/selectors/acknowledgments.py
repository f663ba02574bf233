"""Reads for acknowledgments: the supplier's inbox counters, the buyer's review queue and
overdue list, and a PO's acknowledgment history. Constant query counts whatever the volume."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from suppliers.models import (
    Acknowledgment,
    AcknowledgmentLine,
    AutoAcceptRule,
    PurchaseOrder,
    ReasonCode,
    ScheduleLine,
    Supplier,
)


@dataclass(frozen=True)
class SupplierInbox:
    """A supplier's POs counted by status, and how many await an acknowledgment past due."""

    by_status: dict[str, int]
    overdue: int

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def counters(self) -> dict[str, int]:
        """The four counters a supplier acts on."""
        return {
            "to_acknowledge": self._sum(PurchaseOrder.AWAITING_ACKNOWLEDGMENT),
            "change_proposed": self._sum({PurchaseOrder.Status.CHANGE_PROPOSED}),
            "overdue": self.overdue,
            "open_to_ship": self._sum(PurchaseOrder.OPEN_TO_SHIP),
        }

    def _sum(self, statuses) -> int:
        return sum(self.by_status.get(status, 0) for status in statuses)


def supplier_inbox(*, supplier: Supplier, now: datetime.datetime) -> SupplierInbox:
    """The supplier's PO counts by status and overdue, in one query that stays cheap at
    10,000s of POs: the counts by status come from the (supplier, status, …) index alone
    (an index-only scan, no table rows), the overdue count (a scalar subquery, run once)
    reads the table only for the POs awaiting acknowledgment. The total doubles as the
    list's paginator count, so the list never runs its own COUNT(*) when unfiltered."""
    overdue = (
        PurchaseOrder.objects.filter(
            supplier=supplier,
            status__in=PurchaseOrder.AWAITING_ACKNOWLEDGMENT,
            ack_due_at__lt=now,
        )
        .order_by()
        .values("supplier")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = list(
        PurchaseOrder.objects.filter(supplier=supplier)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"), overdue=Subquery(overdue))
    )
    return SupplierInbox(
        by_status={row["status"]: row["n"] for row in rows},
        overdue=(rows[0]["overdue"] or 0) if rows else 0,
    )


def supplier_inbox_counters(*, supplier: Supplier, now: datetime.datetime) -> dict[str, int]:
    """The four counters a supplier acts on, in one query."""
    return supplier_inbox(supplier=supplier, now=now).counters


def only_overdue(queryset: QuerySet[PurchaseOrder], *, now: datetime.datetime) -> QuerySet:
    return queryset.filter(
        status__in=PurchaseOrder.AWAITING_ACKNOWLEDGMENT, ack_due_at__lt=now
    ).order_by("ack_due_at", "id")


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
    return list(ReasonCode.choices)
