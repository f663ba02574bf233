"""Reads of the exceptions inbox: the lists behind the inbox page and its dashboard."""

import datetime
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from integrations.models import ExceptionCase, ExceptionClass

AGE_BUCKETS = (
    ("lt1d", "< 1 day", 0, 1),
    ("1to3d", "1–3 days", 1, 3),
    ("3to7d", "3–7 days", 3, 7),
    ("gt7d", "> 7 days", 7, None),
)


def _age_filter(bucket: str, now: datetime.datetime) -> Q:
    for key, _label, low, high in AGE_BUCKETS:
        if key == bucket:
            condition = Q(first_seen_at__lte=now - datetime.timedelta(days=low))
            if high is not None:
                condition &= Q(first_seen_at__gt=now - datetime.timedelta(days=high))
            return condition
    return Q()


def exception_cases(
    *,
    status: str = "active",
    exception_class: str = "",
    team: str = "",
    warehouse: str = "",
    supplier: str = "",
    age: str = "",
    overdue: bool = False,
    q: str = "",
    now: datetime.datetime | None = None,
) -> QuerySet[ExceptionCase]:
    """The inbox for internal users, filtered; newest activity first."""
    now = now or timezone.now()
    cases = ExceptionCase.objects.select_related("assigned_to")
    if status == "active":
        cases = cases.filter(status__in=ExceptionCase.ACTIVE)
    elif status == "closed":
        cases = cases.filter(status__in=ExceptionCase.CLOSED)
    elif status in ExceptionCase.Status.values:
        cases = cases.filter(status=status)
    if exception_class:
        cases = cases.filter(exception_class=exception_class)
    if team:
        cases = cases.filter(owner_team=team)
    if warehouse:
        cases = cases.filter(warehouse_code=warehouse)
    if supplier:
        cases = cases.filter(supplier_code=supplier)
    if age:
        cases = cases.filter(_age_filter(age, now))
    if overdue:
        cases = cases.filter(sla_due_at__lt=now)
    if q:
        cases = cases.filter(Q(subject_key__icontains=q) | Q(title__icontains=q))
    return cases.order_by("-last_seen_at", "-id")


def get_exception_case(*, case_id: int) -> ExceptionCase:
    return get_object_or_404(
        ExceptionCase.objects.select_related("assigned_to", "resolved_by"), pk=case_id
    )


def exception_cases_for_supplier(
    *, supplier_code: str, active_only: bool = True
) -> QuerySet[ExceptionCase]:
    """Receiving variances on one supplier's ASNs: the only cases a supplier sees."""
    cases = ExceptionCase.objects.filter(
        supplier_code=supplier_code, exception_class=ExceptionClass.RECEIVING_VARIANCE
    )
    if active_only:
        cases = cases.filter(status__in=ExceptionCase.ACTIVE)
    return cases.order_by("-last_seen_at", "-id")


def open_by_class_and_age(*, now: datetime.datetime | None = None) -> list[dict[str, Any]]:
    """Open cases per class, split by age bucket, in one grouped query."""
    now = now or timezone.now()
    aggregates = {
        key: Count("id", filter=_age_filter(key, now)) for key, _l, _lo, _hi in AGE_BUCKETS
    }
    rows = (
        ExceptionCase.objects.filter(status__in=ExceptionCase.ACTIVE)
        .values("exception_class")
        .annotate(
            total=Count("id"), overdue=Count("id", filter=Q(sla_due_at__lt=now)), **aggregates
        )
        .order_by("exception_class")
    )
    labels = dict(ExceptionClass.choices)
    return [
        {
            "class": row["exception_class"],
            "label": labels.get(row["exception_class"], row["exception_class"]),
            "total": row["total"],
            "overdue": row["overdue"],
            "buckets": [(key, row[key]) for key, _l, _lo, _hi in AGE_BUCKETS],
        }
        for row in rows
    ]


def resolution_times(
    *, days: int = 30, now: datetime.datetime | None = None
) -> list[dict[str, Any]]:
    """Average hours from first seen to resolved, per class, over the last `days`."""
    now = now or timezone.now()
    duration = ExpressionWrapper(
        F("resolved_at") - F("first_seen_at"), output_field=DurationField()
    )
    rows = (
        ExceptionCase.objects.filter(
            status__in=ExceptionCase.CLOSED,
            resolved_at__gte=now - datetime.timedelta(days=days),
        )
        .values("exception_class")
        .annotate(count=Count("id"), average=Avg(duration))
        .order_by("exception_class")
    )
    labels = dict(ExceptionClass.choices)
    return [
        {
            "class": row["exception_class"],
            "label": labels.get(row["exception_class"], row["exception_class"]),
            "count": row["count"],
            "hours": round(row["average"].total_seconds() / 3600, 1) if row["average"] else 0,
        }
        for row in rows
    ]
