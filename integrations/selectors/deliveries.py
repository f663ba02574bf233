"""Reads of the integration layer. Lists are built in a constant number of queries."""

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, F, Min, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from integrations.contracts import known_contracts
from integrations.models import AuditEntry, Connector, Delivery, DeliveryAttempt

SLO_WINDOW = datetime.timedelta(days=7)


def audit_entries_for(obj: models.Model) -> QuerySet[AuditEntry]:
    """The audit history of one object, newest first."""
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")


@dataclass(frozen=True)
class ConnectorHealth:
    """One row of the connector list: the connector and its health."""

    connector: Connector
    circuit_state: str
    backlog: int  # deliveries not yet delivered or skipped
    dead_count: int
    oldest_open_age: datetime.timedelta | None
    attempts_last_hour: int
    failure_rate: float | None  # percent of the last hour's attempts; None: no attempt
    last_success_at: datetime.datetime | None


def connectors_with_health(*, now: datetime.datetime | None = None) -> list[ConnectorHealth]:
    """Every connector with its health in three queries: circuit state, backlog (not yet
    delivered or skipped), oldest open delivery, failure rate over the last hour, last
    success."""
    now = now or timezone.now()
    connectors = list(Connector.objects.select_related("breaker").order_by("name"))
    backlog = {
        row["connector_id"]: row
        for row in Delivery.objects.filter(status__in=Delivery.OPEN_STATUSES)
        .values("connector_id")
        .annotate(
            backlog=Count("id"),
            dead=Count("id", filter=Q(status=Delivery.Status.DEAD)),
            oldest=Min("created_at"),
        )
        .order_by()
    }
    attempts = {
        row["connector_id"]: row
        for row in DeliveryAttempt.objects.filter(started_at__gte=now - datetime.timedelta(hours=1))
        .values("connector_id")
        .annotate(
            total=Count("id"),
            failed=Count("id", filter=~Q(outcome=DeliveryAttempt.Outcome.SUCCESS)),
        )
        .order_by()
    }
    rows = []
    for connector in connectors:
        row = backlog.get(connector.pk, {})
        oldest = row.get("oldest")
        tries = attempts.get(connector.pk, {})
        breaker = getattr(connector, "breaker", None)
        rows.append(
            ConnectorHealth(
                connector=connector,
                circuit_state=breaker.state if breaker else "closed",
                backlog=row.get("backlog", 0),
                dead_count=row.get("dead", 0),
                oldest_open_age=(now - oldest) if oldest else None,
                attempts_last_hour=tries.get("total", 0),
                failure_rate=(
                    100.0 * tries["failed"] / tries["total"] if tries.get("total") else None
                ),
                last_success_at=breaker.last_success_at if breaker else None,
            )
        )
    return rows


@dataclass(frozen=True)
class DeliveryFilters:
    connector: int | None = None
    status: str = ""
    event_type: str = ""
    document: str = ""
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None


def deliveries_list(*, filters: DeliveryFilters) -> QuerySet[Delivery]:
    """The delivery explorer, newest first, with event and connector in the same query."""
    queryset = Delivery.objects.select_related("event", "connector").order_by("-created_at", "-id")
    if filters.connector:
        queryset = queryset.filter(connector_id=filters.connector)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.event_type:
        queryset = queryset.filter(event__type=filters.event_type)
    if filters.document:
        queryset = queryset.filter(event__aggregate_id=filters.document)
    if filters.since:
        queryset = queryset.filter(created_at__gte=filters.since)
    if filters.until:
        queryset = queryset.filter(created_at__lt=filters.until)
    return queryset


def get_delivery(*, pk: int) -> Delivery:
    return get_object_or_404(Delivery.objects.select_related("event", "connector"), pk=pk)


def delivery_attempts(*, delivery: Delivery) -> QuerySet[DeliveryAttempt]:
    return delivery.attempt_rows.order_by("number", "id")


def deliveries_for_aggregate(aggregate_type: str, aggregate_id: str) -> list[Delivery]:
    """Every delivery of one document's events, per connector in sequence order (one
    query) — the document timeline on PO and ASN pages."""
    return list(
        Delivery.objects.filter(aggregate_key=f"{aggregate_type}:{aggregate_id}")
        .select_related("event", "connector")
        .order_by("connector__name", "sequence", "id")
    )


def event_types() -> list[str]:
    return sorted({event_type for event_type, _ in known_contracts()})


@dataclass(frozen=True)
class CatalogEntry:
    """One connector of the integration catalog: its subscribed contracts and the SLO
    measured over `SLO_WINDOW`."""

    connector: Connector
    contracts: list[tuple[str, int]]  # (event type, version)
    slo_measured: float | None  # percent on time; None: nothing judged yet
    slo_sample: int  # deliveries judged


def catalog() -> list[CatalogEntry]:
    """Connectors with owner, subscribed contracts and the SLO measured over 7 days: the
    share of deliveries that arrived within the target time (open ones past it count as
    misses; younger open ones are not judged yet). Two queries: the per-connector targets
    are literals in one aggregate, which every database can compare."""
    now = timezone.now()
    connectors = list(Connector.objects.order_by("name"))
    counts: dict[str, Count] = {}
    for c in connectors:
        target = datetime.timedelta(seconds=c.slo_seconds)
        mine = Q(connector_id=c.pk)
        counts[f"total_{c.pk}"] = Count("id", filter=mine)
        counts[f"on_time_{c.pk}"] = Count(
            "id",
            filter=mine & Q(delivered_at__isnull=False, delivered_at__lte=F("created_at") + target),
        )
        counts[f"young_{c.pk}"] = Count(
            "id", filter=mine & Q(delivered_at__isnull=True, created_at__gt=now - target)
        )
    measured = (
        Delivery.objects.filter(created_at__gte=now - SLO_WINDOW)
        .exclude(status=Delivery.Status.SKIPPED)
        .aggregate(**counts)
        if counts
        else {}
    )
    contracts = known_contracts()
    entries = []
    for connector in connectors:
        judged = measured[f"total_{connector.pk}"] - measured[f"young_{connector.pk}"]
        on_time = measured[f"on_time_{connector.pk}"]
        entries.append(
            CatalogEntry(
                connector=connector,
                contracts=[
                    (event_type, version)
                    for event_type, version in contracts
                    if connector.subscribes_to(event_type)
                ],
                slo_measured=(100.0 * on_time / judged) if judged else None,
                slo_sample=judged,
            )
        )
    return entries
