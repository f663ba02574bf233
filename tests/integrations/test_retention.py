"""The daily retention purge (issue 18): each table keeps rows for its own setting, the
outbox keeps undelivered events and every document's latest event, the audit trail is
kept longest, and rows go in small batches."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.models import (
    ApiRequestLog,
    AuditEntry,
    Delivery,
    DeliveryAttempt,
    Event,
    IdempotencyRecord,
    InboundMessage,
)
from integrations.selectors.retention import PURGE_OBJECT_TYPE
from integrations.services.inbound import inbound_seen_or_record
from integrations.services.retention import retention_purge
from integrations.tasks.retention import retention_purge as retention_task
from portal.celery import app as celery_app
from tests.api.conftest import issue_key
from tests.integrations.factories import ConnectorFactory
from tests.integrations.helpers import publish_po_event

pytestmark = pytest.mark.django_db

NOW = timezone.now()
NOTHING = {
    "outbox": 0,
    "api_request_log": 0,
    "inbound_dedupe": 0,
    "idempotency": 0,
    "edi_interchanges": 0,
    "edi_files": 0,
    "audit": 0,
}


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def delivered(event: Event, *, at: datetime.datetime) -> None:
    """The event's delivery done, with one successful attempt, `at` that time."""
    delivery = Delivery.objects.get(event=event)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.DELIVERED, delivered_at=at
    )
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=1,
        started_at=at,
        outcome=DeliveryAttempt.Outcome.SUCCESS,
        connector=delivery.connector,
    )


def test_delivered_events_past_retention_go_with_their_deliveries_and_attempts(settings):
    settings.RETENTION_OUTBOX_DAYS = 30
    ConnectorFactory(name="erp", event_types=["purchase_order.*"])
    old_done = publish_po_event("PO-1", "purchase_order.received")
    old_undelivered = publish_po_event("PO-1")
    latest = publish_po_event("PO-1", "purchase_order.change_proposed")
    recent_done = publish_po_event("PO-2", "purchase_order.received")
    newest_of_po2 = publish_po_event("PO-2")
    Event.objects.exclude(pk__in=[recent_done.pk, newest_of_po2.pk]).update(
        occurred_at=days_ago(31)
    )
    Event.objects.filter(pk__in=[recent_done.pk, newest_of_po2.pk]).update(occurred_at=days_ago(29))
    for event in (old_done, latest, recent_done):
        delivered(event, at=days_ago(31))

    counts = retention_purge(actor=None, now=NOW)

    assert counts == {**NOTHING, "outbox": 1}
    assert set(Event.objects.values_list("pk", flat=True)) == {
        old_undelivered.pk,  # still owed to the ERP
        latest.pk,  # PO-1's latest: the next event's sequence continues from it
        recent_done.pk,  # younger than 30 days
        newest_of_po2.pk,
    }
    assert not Delivery.objects.filter(event_id=old_done.pk).exists()
    assert DeliveryAttempt.objects.count() == 2


def test_each_table_keeps_rows_for_its_own_setting(settings):
    settings.API_REQUEST_LOG_DAYS = 90
    settings.RETENTION_INBOUND_DAYS = 365
    settings.API_IDEMPOTENCY_HOURS = 24
    settings.RETENTION_AUDIT_DAYS = 2555
    api_key = issue_key(scopes=["read"], name="wms").api_key
    for at in (days_ago(91), days_ago(89)):
        ApiRequestLog.objects.create(
            at=at, method="GET", path="/api/v1/asns", status_code=200, request_id="r"
        )
    inbound_seen_or_record(source="tryton", external_id="old")
    inbound_seen_or_record(source="tryton", external_id="new")
    InboundMessage.objects.filter(external_id="old").update(received_at=days_ago(366))
    for key, at in (("k-old", NOW - datetime.timedelta(hours=25)), ("k-new", NOW)):
        IdempotencyRecord.objects.create(
            api_key=api_key, key=key, fingerprint="f", method="POST", path="/", created_at=at
        )
    AuditEntry.objects.all().delete()
    for action in ("ancient", "old", "recent"):
        AuditEntry.objects.create(channel="system", object_type="t", object_id="1", action=action)
    AuditEntry.objects.filter(action="ancient").update(occurred_at=days_ago(2556))
    AuditEntry.objects.filter(action="old").update(occurred_at=days_ago(400))

    counts = retention_purge(actor=None, now=NOW)

    assert counts == {
        "outbox": 0,
        "api_request_log": 1,
        "inbound_dedupe": 1,
        "idempotency": 1,
        "edi_interchanges": 0,
        "edi_files": 0,
        "audit": 1,
    }
    assert ApiRequestLog.objects.get().at == days_ago(89)
    assert list(InboundMessage.objects.values_list("external_id", flat=True)) == ["new"]
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k-new"]
    # The run's own record (see test_a_purge_run_is_recorded_with_the_rows_removed_per_rule).
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == [
        "old",
        "purged",
        "recent",
    ]
    # A purged dedupe key is a new message again.
    assert inbound_seen_or_record(source="tryton", external_id="old") is False


def test_zero_days_keeps_a_table_forever(settings):
    settings.RETENTION_AUDIT_DAYS = 0
    AuditEntry.objects.create(channel="system", object_type="t", object_id="1", action="x")
    AuditEntry.objects.update(occurred_at=days_ago(100_000))

    assert retention_purge(actor=None, now=NOW)["audit"] == 0
    assert AuditEntry.objects.filter(action="x").count() == 1


def test_rows_are_deleted_in_batches_of_the_configured_size(settings):
    settings.RETENTION_BATCH_SIZE = 2
    settings.API_REQUEST_LOG_DAYS = 1
    ApiRequestLog.objects.bulk_create(
        ApiRequestLog(at=days_ago(2), method="GET", path="/", status_code=200, request_id="r")
        for _ in range(5)
    )

    with CaptureQueriesContext(connection) as queries:
        counts = retention_purge(actor=None, now=NOW)

    deletes = [q["sql"] for q in queries if q["sql"].startswith('DELETE FROM "integrations_apir')]
    assert counts["api_request_log"] == 5
    assert len(deletes) == 3  # 2 + 2 + 1
    assert not ApiRequestLog.objects.exists()


def test_the_daily_task_runs_the_purge_and_is_scheduled(settings):
    settings.API_REQUEST_LOG_DAYS = 1
    ApiRequestLog.objects.create(
        at=days_ago(2), method="GET", path="/", status_code=200, request_id="r"
    )

    assert retention_task.apply().get()["api_request_log"] == 1
    assert settings.CELERY_BEAT_SCHEDULE["integrations-retention-purge"] == {
        "task": "integrations.retention_purge",
        "schedule": 86400.0,
    }
    assert "integrations.retention_purge" in celery_app.tasks


def test_a_purge_run_is_recorded_with_the_rows_removed_per_rule(settings):
    settings.API_REQUEST_LOG_DAYS = 1
    ApiRequestLog.objects.bulk_create(
        ApiRequestLog(at=days_ago(2), method="GET", path="/", status_code=200, request_id="r")
        for _ in range(3)
    )

    retention_purge(actor=None, now=NOW)

    entry = AuditEntry.objects.get(object_type=PURGE_OBJECT_TYPE)
    assert (entry.action, entry.channel, entry.actor_label) == ("purged", "system", "system")
    assert entry.after["rows"] == {**NOTHING, "api_request_log": 3}
    assert entry.after["as_of"] == NOW.isoformat()
    assert entry.after["seconds"] >= 0


def test_a_later_purge_never_removes_the_record_of_an_earlier_one_within_the_audit_retention(
    settings,
):
    settings.RETENTION_AUDIT_DAYS = 30
    retention_purge(actor=None, now=NOW)
    retention_purge(actor=None, now=NOW + datetime.timedelta(days=1))

    assert AuditEntry.objects.filter(object_type=PURGE_OBJECT_TYPE).count() == 2
