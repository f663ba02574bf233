import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from integrations.api import idempotency
from integrations.models import IdempotencyRecord
from integrations.services.retention import retention_purge
from integrations.tasks.retention import retention_purge as retention_task
from portal.celery import app as celery_app
from suppliers.models import Shipment
from tests.api.conftest import client_for, issue_key
from tests.api.test_asns_api import asn_body
from tests.suppliers.shipping_helpers import confirmed_po


@pytest.mark.django_db
def test_the_same_key_and_body_replays_the_stored_response(api, supplier):
    confirmed_po(supplier, "PO-1")

    first = api.post("/api/v1/asns", asn_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = api.post("/api/v1/asns", asn_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Shipment.objects.count() == 1


@pytest.mark.django_db
def test_key_order_and_whitespace_do_not_make_a_different_request(api, supplier):
    confirmed_po(supplier, "PO-1")
    body = asn_body()
    reordered = dict(reversed(list(body.items())))

    api.post("/api/v1/asns", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    replay = api.post("/api/v1/asns", reordered, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_an_error_of_an_executed_request_is_replayed_too(api, supplier):
    confirmed_po(supplier, "PO-1")

    first = api.post("/api/v1/asns", asn_body(qty="999"), format="json", HTTP_IDEMPOTENCY_KEY="k")
    again = api.post("/api/v1/asns", asn_body(qty="999"), format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()
    assert again["Content-Type"] == "application/problem+json"
    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_422(api, supplier):
    confirmed_po(supplier, "PO-1")
    api.post("/api/v1/asns", asn_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    response = api.post(
        "/api/v1/asns", asn_body("ASN-2"), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert response.status_code == 422
    assert response.json()["type"].endswith("idempotency-mismatch")
    assert Shipment.objects.count() == 1


@pytest.mark.django_db
def test_a_key_still_in_progress_is_a_409(api, supplier, supplier_key):
    confirmed_po(supplier, "PO-1")
    IdempotencyRecord.objects.create(
        api_key=supplier_key.api_key,
        key="k-1",
        fingerprint=idempotency.fingerprint(
            method="POST",
            path="/api/v1/asns",
            body=b'{"x": 1}',
            content_type="application/json",
        ),
        method="POST",
        path="/api/v1/asns",
        created_at=timezone.now(),
    )

    response = api.post("/api/v1/asns", {"x": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert not Shipment.objects.exists()


@pytest.mark.django_db
def test_keys_are_scoped_per_api_key(api, supplier):
    confirmed_po(supplier, "PO-1")
    other = client_for(issue_key(supplier=supplier, name="second system").plaintext)

    first = api.post("/api/v1/asns", asn_body("ASN-1"), format="json", HTTP_IDEMPOTENCY_KEY="k")
    second = other.post("/api/v1/asns", asn_body("ASN-2"), format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert (first.status_code, second.status_code) == (201, 201)
    assert Shipment.objects.count() == 2


@pytest.mark.django_db
def test_records_are_kept_24_hours_then_purged(api, supplier):
    confirmed_po(supplier, "PO-1")
    api.post("/api/v1/asns", asn_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    now = timezone.now()

    kept = retention_purge(actor=None, now=now + datetime.timedelta(hours=23))["idempotency"]
    purged = retention_purge(actor=None, now=now + datetime.timedelta(hours=25))["idempotency"]

    assert (kept, purged) == (0, 1)


@pytest.mark.django_db
def test_an_overlong_key_is_a_400_naming_the_header(api):
    response = api.post("/api/v1/asns", {}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/Idempotency-Key"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_identical_posts_create_exactly_one_asn(supplier):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent requests need PostgreSQL (SQLite serialises writers).")
    confirmed_po(supplier, "PO-1")
    plaintext = issue_key(supplier=supplier).plaintext
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def post() -> None:
        try:
            client = client_for(plaintext)
            barrier.wait()
            response = client.post(
                "/api/v1/asns", asn_body(), format="json", HTTP_IDEMPOTENCY_KEY="same"
            )
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Shipment.objects.count() == 1
    assert len(statuses) == 20
    assert set(statuses) <= {201, 409}
    assert statuses.count(201) >= 1


@pytest.mark.django_db
def test_the_daily_retention_task_purges_records_past_retention_and_no_other_task_does(
    api, supplier, settings
):
    confirmed_po(supplier, "PO-1")
    api.post("/api/v1/asns", asn_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    IdempotencyRecord.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))

    assert retention_task.apply().get()["idempotency"] == 1
    assert not IdempotencyRecord.objects.exists()
    # One purge: the old hourly idempotency task and its schedule are gone.
    assert "integrations.api.purge_idempotency_records" not in celery_app.tasks
    assert [
        entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if "purge" in entry["task"]
    ] == ["integrations.retention_purge"]
