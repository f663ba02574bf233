"""/metrics: each metric family moves after the action it measures, read back through
prometheus_client's own parser. Counters are process-wide, so each test compares the
scrape after its action with the scrape before."""

import datetime
import time

import pytest
import redis
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from integrations.models import Delivery
from integrations.services import delivery_replay, dispatch
from integrations.services.deliveries import dead_letters_replay
from integrations.services.edi_intake import edi_file_import
from inventory.services.reconciliation import reconcile
from portal.tasks import heartbeat
from suppliers.models import TradingPartner
from tests.api.conftest import client_for, issue_key
from tests.edi.helpers import ack_855, partner_file
from tests.integrations.factories import ConnectorFactory
from tests.integrations.helpers import publish_po_event
from tests.integrations.sink import Sink
from tests.inventory.snapshots import ingest, items, warehouse

pytestmark = pytest.mark.django_db

Samples = dict[tuple[str, frozenset], float]


def scrape(client) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def sink():
    receiver = Sink().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def wms(sink, monkeypatch):
    monkeypatch.setenv("TEST_SINK_SECRET", "s3cret")
    return ConnectorFactory(
        name="wms",
        config={"url": sink.url, "secret_env": "TEST_SINK_SECRET"},
        max_attempts=1,
        breaker_threshold=50,
    )


def test_a_page_request_is_counted_by_route_method_and_status(client):
    before = scrape(client)
    client.get("/healthz")
    after = scrape(client)

    name = "portal_http_request_duration_seconds_count"
    labels = {"route": "healthz", "method": "GET", "status": "200"}
    assert value(after, name, **labels) - value(before, name, **labels) == 1


def test_an_api_request_is_counted_by_key_kind(client):
    before = scrape(client)
    response = client.get("/api/v1/asns")
    after = scrape(client)

    assert response.status_code == 401
    name = "portal_api_request_duration_seconds_count"
    route = response.wsgi_request.resolver_match.view_name
    labels = {"key_kind": "none", "route": route, "status": "401"}
    assert value(after, name, **labels) - value(before, name, **labels) == 1


def test_api_requests_with_a_supplier_key_and_an_internal_key_are_told_apart(client, supplier):
    supplier_api = client_for(issue_key(supplier=supplier, name="acme-erp").plaintext)
    internal_api = client_for(issue_key(scopes=["read"], name="wms").plaintext)
    before = scrape(client)
    supplier_api.get("/api/v1/asns")
    internal_api.get("/api/v1/asns")
    after = scrape(client)

    name = "portal_api_request_duration_seconds_count"
    moved = {
        (labels["key_kind"], labels["status"]): after[key] - before.get(key, 0.0)
        for key in after
        if key[0] == name
        for labels in [dict(key[1])]
        if after[key] != before.get(key, 0.0)
    }
    # The ASN list is for suppliers: an internal system's key is refused (403).
    assert moved == {("internal", "403"): 1.0, ("supplier", "200"): 1.0}


def test_a_delivered_attempt_moves_attempts_and_attempt_duration(client, wms, sink):
    publish_po_event("PO-1", "purchase_order.received")
    before = scrape(client)
    assert dispatch.drain_connector(wms.pk) == 1
    after = scrape(client)

    attempts = "portal_outbox_attempts_total"
    assert (
        value(after, attempts, connector="wms", outcome="success")
        - value(before, attempts, connector="wms", outcome="success")
        == 1
    )
    duration = "portal_outbox_attempt_duration_seconds_count"
    assert value(after, duration, connector="wms") - value(before, duration, connector="wms") == 1
    failures = "portal_outbox_failures_total"
    assert value(after, failures, connector="wms") == value(before, failures, connector="wms")


def test_a_rejected_attempt_moves_failures_and_dead_letters(client, wms, sink):
    sink.fail_status = 400
    publish_po_event("PO-1", "purchase_order.received")
    before = scrape(client)
    dispatch.drain_connector(wms.pk)
    after = scrape(client)

    for name, labels in (
        ("portal_outbox_attempts_total", {"connector": "wms", "outcome": "permanent"}),
        ("portal_outbox_failures_total", {"connector": "wms"}),
        ("portal_outbox_dead_letters_total", {"connector": "wms"}),
    ):
        assert value(after, name, **labels) - value(before, name, **labels) == 1, name


def test_replays_are_counted_one_by_one_and_in_bulk(client, wms, sink, operator):
    sink.fail_status = 400
    for number in ("PO-1", "PO-2", "PO-3"):
        publish_po_event(number, "purchase_order.received")
    dispatch.drain_connector(wms.pk)
    first, *_rest = wms.deliveries.order_by("id")
    before = scrape(client)
    delivery_replay(actor=operator, delivery=first)
    dead_letters_replay(actor=operator, expected_count=2, connector_id=wms.pk)
    after = scrape(client)

    name = "portal_outbox_replays_total"
    assert value(after, name, connector="wms") - value(before, name, connector="wms") == 3


def test_a_worker_lost_mid_call_counts_a_lost_attempt_and_a_dead_letter(client, wms):
    publish_po_event("PO-1", "purchase_order.received")
    [delivery] = dispatch.claim(connector=wms, owner="gone:1", limit=1, now=timezone.now())
    # The worker died mid-call: its lease runs out.
    Delivery.objects.filter(pk=delivery.pk).update(
        lease_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    before = scrape(client)
    assert dispatch.reclaim_expired_leases() == 1  # max_attempts=1: the attempt was its last
    after = scrape(client)

    for name, labels in (
        ("portal_outbox_attempts_total", {"connector": "wms", "outcome": "lost"}),
        ("portal_outbox_failures_total", {"connector": "wms"}),
        ("portal_outbox_dead_letters_total", {"connector": "wms"}),
    ):
        assert value(after, name, **labels) - value(before, name, **labels) == 1, name


def test_backlog_oldest_age_dead_and_breaker_state_are_read_from_the_tables(client, wms, sink):
    sink.fail_status = 400
    publish_po_event("PO-1", "purchase_order.received")
    dispatch.drain_connector(wms.pk)
    publish_po_event("PO-2", "purchase_order.received")

    samples = scrape(client)

    assert value(samples, "portal_outbox_backlog", connector="wms") == 2
    assert value(samples, "portal_outbox_dead", connector="wms") == 1
    assert value(samples, "portal_outbox_oldest_pending_age_seconds", connector="wms") > 0
    assert value(samples, "portal_outbox_breaker_state", connector="wms", state="closed") == 1
    assert value(samples, "portal_outbox_breaker_state", connector="wms", state="open") == 0


def test_the_celery_queue_depth_is_the_length_of_the_broker_queue(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/10"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        broker.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    broker.delete("celery")
    broker.rpush("celery", "one", "two")
    try:
        samples = scrape(client)
    finally:
        broker.delete("celery")

    assert value(samples, "portal_celery_queue_depth", queue="celery") == 2


def test_without_a_broker_there_is_no_queue_depth_series(client, settings):
    settings.CELERY_BROKER_URL = ""

    samples = scrape(client)

    assert not any(name == "portal_celery_queue_depth" for name, _labels in samples)


def test_a_task_run_is_timed_by_task_name_and_state(client, eager_tasks):
    before = scrape(client)
    heartbeat.apply()
    after = scrape(client)

    name = "portal_celery_task_duration_seconds_count"
    labels = {"task": "portal.tasks.heartbeat", "state": "SUCCESS"}
    assert value(after, name, **labels) - value(before, name, **labels) == 1


def test_a_tasks_wait_in_the_queue_is_measured_from_the_time_it_was_sent(client, eager_tasks):
    before = scrape(client)
    heartbeat.apply(headers={"portal_sent_at": time.time() - 5})
    after = scrape(client)

    count, total = "portal_celery_task_queue_seconds_count", "portal_celery_task_queue_seconds_sum"
    labels = {"task": "portal.tasks.heartbeat"}
    assert value(after, count, **labels) - value(before, count, **labels) == 1
    assert 5 <= value(after, total, **labels) - value(before, total, **labels) < 60


def test_a_reconciliation_moves_duration_and_discrepancies_by_class_and_warehouse(client):
    items("A", "B", "C")
    dc9 = warehouse("DC9")
    ingest("erp", dc9, [("A", 10), ("B", 5)])
    ingest("wms", dc9, [("A", 7), ("C", 1)])
    before = scrape(client)
    reconcile(actor=None)
    after = scrape(client)

    assert (
        value(after, "portal_reconciliation_duration_seconds_count")
        - value(before, "portal_reconciliation_duration_seconds_count")
        == 1
    )
    name = "portal_reconciliation_discrepancies_total"
    moved = {
        kind: value(after, name, warehouse="DC9", discrepancy_class=kind)
        - value(before, name, warehouse="DC9", discrepancy_class=kind)
        for kind in ("quantity_mismatch", "missing_in_wms", "missing_in_erp")
    }
    assert moved == {"quantity_mismatch": 1, "missing_in_wms": 1, "missing_in_erp": 1}


def test_a_snapshot_ingest_counts_loaded_and_rejected_rows(client):
    items("A", "B")
    dc9 = warehouse("DC9")
    before = scrape(client)
    ingest("wms", dc9, [("A", 1), ("B", 2), ("UNKNOWN", 3)])
    after = scrape(client)

    name = "portal_ingest_rows_total"
    loaded = value(after, name, source="wms", result="loaded") - value(
        before, name, source="wms", result="loaded"
    )
    rejected = value(after, name, source="wms", result="rejected") - value(
        before, name, source="wms", result="rejected"
    )
    assert (loaded, rejected) == (2, 1)


def test_inbound_edi_sets_are_counted_by_set_and_result(client, supplier, tmp_path):
    TradingPartner.objects.create(
        supplier=supplier,
        code="acme-edi",
        isa_qualifier="ZZ",
        isa_id="ACMEEDI",
        gs_id="ACMEGS",
        our_isa_qualifier="ZZ",
        our_isa_id="DISTRIB",
        our_gs_id="DISTGS",
        versions_accepted="004010,005010",
        inbound_folder=str(tmp_path / "in"),
        outbound_folder=str(tmp_path / "out"),
    )
    before = scrape(client)
    # An acknowledgment of a PO nobody issued: the set is read and refused.
    edi_file_import(data=partner_file([ack_855("PO-404", [(1, "IA", "")])]))
    after = scrape(client)

    name = "portal_edi_sets_total"
    labels = {"transaction_set": "855", "result": "rejected"}
    assert value(after, name, **labels) - value(before, name, **labels) == 1


def test_metrics_need_the_token_when_one_is_set(client, settings):
    settings.PORTAL_METRICS_TOKEN = "scrape-secret"

    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    answer = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert answer.status_code == 200


def test_without_a_token_only_loopback_addresses_may_read_metrics(client, settings):
    settings.PORTAL_METRICS_TOKEN = ""

    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    settings.PORTAL_METRICS_ALLOW_LOOPBACK = False
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
