"""Reads for acknowledgments: the supplier's inbox counters, the buyer's review queue and
overdue list, and a PO's acknowledgment history. Constant query counts whatever the volume."""

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
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


def supplier_inbox_counters(*, supplier: Supplier, now: datetime.datetime) -> dict[str, int]:
    """The four counters a supplier acts on, in one query."""
    awaiting = Q(status__in=PurchaseOrder.AWAITING_ACKNOWLEDGMENT)
    return PurchaseOrder.objects.filter(supplier=supplier).aggregate(
        to_acknowledge=Count("pk", filter=awaiting),
        change_proposed=Count("pk", filter=Q(status=PurchaseOrder.Status.CHANGE_PROPOSED)),
        overdue=Count("pk", filter=awaiting & Q(ack_due_at__lt=now)),
        open_to_ship=Count("pk", filter=Q(status__in=PurchaseOrder.OPEN_TO_SHIP)),
    )


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
