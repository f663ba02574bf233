"""Demo connectors that work offline: an ERP and a WMS `file_drop` writing JSON files
under var/outbox/, plus one dead letter to replay on the operator screens."""

import datetime

from django.db import transaction
from django.utils import timezone

from integrations.models import Connector, Delivery, DeliveryAttempt, Event
from integrations.services import publish
from integrations.services.dispatch import block_followers, breaker_for

DEMO_CONNECTORS = [
    {
        "name": "erp",
        "kind": "file_drop",
        "label": "ERP",
        "description": "Purchasing and finance: acknowledgments, change proposals, ASNs and "
        "receipts go to the ERP's import folder.",
        "config": {"directory": "var/outbox/erp"},
        "event_types": [
            "purchase_order.acknowledged",
            "purchase_order.change_proposed",
            "purchase_order.change_decided",
            "asn.*",
            "receipt.confirmed",
            "supplier.onboarded",
            "supplier.profile_changed",
        ],
        "owner_team": "ERP team",
        "change_window": "Sundays 02:00–04:00 UTC",
    },
    {
        "name": "wms",
        "kind": "file_drop",
        "label": "warehouse system",
        "description": "Inbound planning in the warehouse: purchase orders, ASNs and shipment "
        "milestones go to the WMS drop folder.",
        "config": {"directory": "var/outbox/wms"},
        "event_types": ["purchase_order.received", "asn.*", "shipment.milestone_reported"],
        "owner_team": "Warehouse systems",
        "change_window": "Weekdays 22:00–23:00 local",
    },
]

SEEDED_ERROR = "HTTP 422 Unprocessable Entity: vendor not found in ERP (seeded for the demo)"


@transaction.atomic
def ensure_demo_connectors(*, with_dead_letter: bool = True) -> list[Connector]:
    """Create the demo connectors if missing (operator changes to existing ones are kept),
    and, once, a dead letter on the ERP connector. Idempotent; `seed_demo` calls it."""
    connectors = []
    for spec in DEMO_CONNECTORS:
        connector, _ = Connector.objects.get_or_create(name=spec["name"], defaults=spec)
        breaker_for(connector)
        connectors.append(connector)
    if with_dead_letter:
        _seed_dead_letter(connectors[0])
    return connectors


def _seed_dead_letter(erp: Connector) -> Delivery | None:
    if Delivery.objects.filter(connector=erp, last_error=SEEDED_ERROR).exists():
        return None
    event = (
        Event.objects.filter(type__startswith="purchase_order.")
        .exclude(deliveries__connector=erp)
        .order_by("-occurred_at")
        .first()
    )
    if event is None:
        event = publish(
            event_type="purchase_order.acknowledged",
            aggregate_type="purchase_order",
            aggregate_id="DEMO-DEAD-1",
            data={"number": "DEMO-DEAD-1", "kind": "accept", "note": "seeded dead letter"},
        )
        delivery = Delivery.objects.filter(event=event, connector=erp).first()
    else:
        delivery = None
    now = timezone.now()
    if delivery is None:
        delivery = Delivery.objects.create(
            event=event,
            connector=erp,
            aggregate_key=f"{event.aggregate_type}:{event.aggregate_id}",
            sequence=event.sequence,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.DEAD,
        attempts=1,
        last_error=SEEDED_ERROR,
        last_status_code=422,
        updated_at=now,
    )
    DeliveryAttempt.objects.create(
        delivery=delivery,
        connector=erp,
        number=1,
        started_at=now - datetime.timedelta(seconds=1),
        duration_ms=38,
        outcome=DeliveryAttempt.Outcome.PERMANENT,
        status_code=422,
        request={"method": "POST", "url": "(seeded)"},
        response='{"error": "vendor not found"}',
        error=SEEDED_ERROR,
    )
    delivery.refresh_from_db()
    block_followers(delivery=delivery, now=now)
    return delivery
