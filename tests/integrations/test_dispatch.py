import datetime
import hashlib
import hmac
import json

import pytest
from django.utils import timezone

from integrations.models import CircuitBreaker, Delivery, DeliveryAttempt
from integrations.services import delivery_replay, dispatch
from tests.integrations.helpers import publish_po_event

pytestmark = pytest.mark.django_db


def make_due(**filters) -> None:
    """Time passes: scheduled retries and the breaker's cooldown are over."""
    past = timezone.now() - datetime.timedelta(seconds=1)
    Delivery.objects.filter(status="retry_scheduled", **filters).update(next_attempt_at=past)
    CircuitBreaker.objects.filter(state="open").update(reopen_at=past)


def test_a_delivery_reaches_the_webhook_signed_and_keyed_by_the_event_id(webhook, sink):
    event = publish_po_event("PO-1", "purchase_order.received")
    assert dispatch.drain_connector(webhook.pk) == 1
    delivery = Delivery.objects.get(event=event)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert [e["id"] for e in sink.accepted] == [str(event.id)]
    body = json.dumps(sink.accepted[0], separators=(",", ":"), ensure_ascii=False).encode()
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert sink.signatures == [expected]
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert (attempt.number, attempt.outcome, attempt.status_code) == (1, "success", 200)
    assert attempt.request["headers"]["X-Portal-Signature-256"] == "[redacted]"
    assert attempt.request["headers"]["Idempotency-Key"] == str(event.id)


def test_a_500_schedules_a_retry_within_the_backoff_cap_and_records_the_attempt(webhook, sink):
    sink.fail_status = 500
    event = publish_po_event("PO-1", "purchase_order.received")
    before = timezone.now()
    dispatch.drain_connector(webhook.pk)
    delivery = Delivery.objects.get(event=event)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "retry_scheduled",
        1,
        500,
    )
    # Full jitter on the first retry: anywhere in [0, base = 10 s).
    assert before <= delivery.next_attempt_at <= timezone.now() + datetime.timedelta(seconds=10)
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert (attempt.outcome, attempt.status_code, attempt.error) == (
        "transient",
        500,
        "HTTP 500 Internal Server Error",
    )
    assert "told to fail with 500" in attempt.response


def test_retry_after_is_honoured(webhook, sink):
    sink.fail_status = 429
    sink.retry_after = "120"
    event = publish_po_event("PO-1", "purchase_order.received")
    dispatch.drain_connector(webhook.pk)
    delivery = Delivery.objects.get(event=event)
    assert delivery.status == "retry_scheduled"
    wait = (delivery.next_attempt_at - delivery.updated_at).total_seconds()
    assert 119.9 <= wait <= 120.1


def test_a_permanent_400_goes_dead_at_once_and_holds_back_only_its_document(webhook, sink):
    first = publish_po_event("PO-1", "purchase_order.received")
    second = publish_po_event("PO-1")
    other = publish_po_event("PO-2", "purchase_order.received")
    sink.fail_documents["PO-1"] = 400
    dispatch.drain_connector(webhook.pk)
    states = dict(Delivery.objects.values_list("event_id", "status"))
    assert states == {first.id: "dead", second.id: "blocked", other.id: "delivered"}
    dead = Delivery.objects.get(event=first)
    assert (dead.attempts, dead.last_error) == (1, "HTTP 400 Bad Request")


def test_attempts_exhausted_makes_the_delivery_dead(webhook, sink):
    webhook.max_attempts = 2
    webhook.save()
    sink.fail_status = 503
    event = publish_po_event("PO-1", "purchase_order.received")
    dispatch.drain_connector(webhook.pk)
    make_due()
    dispatch.drain_connector(webhook.pk)
    delivery = Delivery.objects.get(event=event)
    assert (delivery.status, delivery.attempts) == ("dead", 2)
    assert delivery.last_error == "HTTP 503 Service Unavailable (attempts exhausted)"


def test_replay_sends_the_same_event_id_and_then_the_held_back_events_in_order(
    webhook, sink, operator
):
    first = publish_po_event("PO-1", "purchase_order.received")
    second = publish_po_event("PO-1")
    sink.fail_documents["PO-1"] = 400
    dispatch.drain_connector(webhook.pk)
    sink.heal()
    delivery_replay(actor=operator, delivery=Delivery.objects.get(event=first))
    assert Delivery.objects.get(event=second).status == "pending"
    dispatch.drain_connector(webhook.pk)
    assert sink.sequences_by_document() == {"PO-1": [1, 2]}
    assert [e["id"] for e in sink.accepted] == [str(first.id), str(second.id)]
    replayed = Delivery.objects.get(event=first)
    assert (replayed.status, replayed.replay_count, replayed.attempt_rows.count()) == (
        "delivered",
        1,
        2,
    )


def test_the_breaker_opens_after_the_threshold_and_reschedules_without_spending_attempts(
    webhook, sink
):
    sink.fail_status = 500
    events = [publish_po_event(f"PO-{n}", "purchase_order.received") for n in range(5)]
    dispatch.drain_connector(webhook.pk)
    breaker = CircuitBreaker.objects.get(connector=webhook)
    assert (breaker.state, breaker.consecutive_failures, breaker.times_opened) == ("open", 3, 1)
    assert sink.requests == 3
    untouched = Delivery.objects.filter(event__in=events[3:])
    assert {(d.status, d.attempts, d.next_attempt_at) for d in untouched} == {
        ("retry_scheduled", 0, breaker.reopen_at)
    }
    # While open, nothing is sent and due deliveries move to the reopen time.
    Delivery.objects.update(next_attempt_at=timezone.now())
    assert dispatch.dispatch_batch(webhook).claimed == 0
    assert sink.requests == 3
    assert set(Delivery.objects.values_list("next_attempt_at", flat=True)) == {breaker.reopen_at}


def test_after_the_cooldown_one_probe_closes_the_breaker_and_the_rest_flow(webhook, sink):
    sink.fail_status = 500
    for n in range(5):
        publish_po_event(f"PO-{n}", "purchase_order.received")
    dispatch.drain_connector(webhook.pk)
    sink.heal()
    make_due()
    probe = dispatch.dispatch_batch(webhook)
    assert (probe.claimed, probe.delivered) == (1, 1)
    assert CircuitBreaker.objects.get(connector=webhook).state == "closed"
    dispatch.drain_connector(webhook.pk)
    assert Delivery.objects.filter(status="delivered").count() == 5
    assert sink.key_counts().most_common(1)[0][1] == 1


def test_a_failed_probe_opens_the_breaker_again(webhook, sink):
    sink.fail_status = 500
    for n in range(4):
        publish_po_event(f"PO-{n}", "purchase_order.received")
    dispatch.drain_connector(webhook.pk)
    make_due()
    report = dispatch.dispatch_batch(webhook)
    breaker = CircuitBreaker.objects.get(connector=webhook)
    assert (report.claimed, breaker.state, breaker.times_opened) == (1, "open", 2)


def test_a_paused_connector_sends_nothing(webhook, sink):
    webhook.paused = True
    webhook.save()
    publish_po_event("PO-1", "purchase_order.received")
    assert dispatch.drain_connector(webhook.pk) == 0
    assert sink.requests == 0


def test_a_result_from_a_worker_that_lost_its_lease_is_not_written(webhook, sink):
    event = publish_po_event("PO-1", "purchase_order.received")
    now = timezone.now()
    [claimed] = dispatch.claim(connector=webhook, owner="slow-worker", limit=5, now=now)
    Delivery.objects.filter(pk=claimed.pk).update(
        lease_expires_at=now - datetime.timedelta(seconds=1)
    )
    assert dispatch.reclaim_expired_leases() == 1
    dispatch.drain_connector(webhook.pk)  # another worker delivers it
    # The slow worker now reports a failure for the delivery it no longer owns.
    from integrations.connectors import ConnectorError

    late = dispatch._Outcome(
        delivery=claimed,
        started_at=now,
        duration_ms=5,
        error=ConnectorError("late", permanent=True),
    )
    dispatch._record_failure(webhook, late, "slow-worker", timezone.now())
    delivery = Delivery.objects.get(event=event)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert list(delivery.attempt_rows.values_list("outcome", flat=True)) == ["lost", "success"]


def test_claims_take_only_the_head_of_each_documents_queue(webhook):
    for _ in range(3):
        publish_po_event("PO-1")
    publish_po_event("PO-2")
    claimed = dispatch.claim(connector=webhook, owner="w", limit=10, now=timezone.now())
    assert sorted((d.aggregate_key, d.sequence) for d in claimed) == [
        ("purchase_order:PO-1", 1),
        ("purchase_order:PO-2", 1),
    ]


def test_a_later_event_waits_while_the_documents_head_is_scheduled_for_retry(webhook, sink):
    publish_po_event("PO-1", "purchase_order.received")
    sink.fail_status = 500
    dispatch.dispatch_batch(webhook)
    sink.heal()
    publish_po_event("PO-1")
    publish_po_event("PO-2", "purchase_order.received")
    dispatch.dispatch_batch(webhook)
    assert sink.sequences_by_document() == {"PO-2": [1]}
    make_due()
    dispatch.drain_connector(webhook.pk)
    assert sink.sequences_by_document() == {"PO-2": [1], "PO-1": [1, 2]}
