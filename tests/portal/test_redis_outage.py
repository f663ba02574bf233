"""Redis down means degraded, not down (issue 18): with the cache's redis-server stopped
mid-test, the API and the pages keep answering from the database, throttles and login
rate limits fail open, sessions survive and /readyz says "degraded", naming Redis."""

import logging

import pytest
import redis
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from integrations.models import ApiRequestLog, Event
from portal import cache as portal_cache
from suppliers.models import Shipment
from tests.api.conftest import client_for, issue_key
from tests.api.test_asns_api import asn_body
from tests.portal.factories import PASSWORD
from tests.portal.redis_server import start_redis_server
from tests.suppliers.shipping_helpers import confirmed_po

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_server():
    server = start_redis_server()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def redis_cache(settings, redis_server):
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.FailOpenRedisCache",
            "LOCATION": redis_server.url,
            "RETRY_AFTER_SECONDS": 5,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    return redis_server


def test_with_redis_stopped_the_api_and_pages_keep_answering_and_nothing_is_lost(
    redis_cache, supplier, supplier_user, teammate, client, caplog
):
    confirmed_po(supplier, "PO-1")
    api = client_for(issue_key(supplier=supplier).plaintext)
    client.force_login(supplier_user)
    assert api.post("/api/v1/asns", asn_body("ASN-1", qty="10"), format="json").status_code == 201
    assert client.get(reverse("suppliers:po_list")).status_code == 200
    throttle_keys = redis.Redis(port=redis_cache.port).keys("*throttle_api_key*")
    assert len(throttle_keys) == 1  # the counts really were in this Redis
    errors_before = portal_cache.counters()["errors"]

    redis_cache.stop()
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        created = api.post("/api/v1/asns", asn_body("ASN-2", qty="20"), format="json")
        submitted = api.post("/api/v1/asns/ASN-2/submission", {}, format="json")
        listed = api.get("/api/v1/asns")
        page = client.get(reverse("suppliers:po_list"))
        signed_in = Client().post(
            reverse("account_login"), {"login": teammate.email, "password": PASSWORD}
        )
        ready = client.get("/readyz")

    assert (created.status_code, submitted.status_code, listed.status_code) == (201, 200, 200)
    assert sorted(asn["asn_number"] for asn in listed.json()["results"]) == ["ASN-1", "ASN-2"]
    assert page.status_code == 200
    assert page.context["user"] == supplier_user
    assert signed_in.status_code == 302
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["degraded"] == ["redis"]
    assert ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"]["cache"] == "error: ConnectionError (redis)"
    assert sorted(Shipment.objects.values_list("asn_number", "status")) == [
        ("ASN-1", "draft"),
        ("ASN-2", "submitted"),
    ]
    assert list(Event.objects.values_list("type", "aggregate_id")) == [
        ("asn.submitted", "ACME:ASN-2")
    ]
    assert ApiRequestLog.objects.count() == 3  # the three writes; a read keeps no row
    assert portal_cache.counters()["errors"] > errors_before
    warnings = [r.getMessage() for r in caplog.records if r.name == "portal.cache"]
    assert len(warnings) == 1
    assert warnings[0].startswith("Redis cache unreachable (ConnectionError")


def test_readyz_says_ok_while_redis_answers(redis_cache, client):
    ready = client.get("/readyz")

    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"
    assert ready.json()["checks"]["cache"] == "ok"
    assert "degraded" not in ready.json()


def test_the_cache_misses_while_redis_is_down_and_answers_again_once_it_is_back(redis_cache):
    cache = caches["default"]
    cache.set("k", "before")
    redis_cache.stop()

    down = (cache.get("k", "missing"), cache.add("k2", "v"), cache.probe())
    restarted = start_redis_server(redis_cache.port)
    try:
        back = cache.probe()
        cache.set("k", "after")
        after = cache.get("k")
    finally:
        restarted.stop()

    assert down == ("missing", True, "ConnectionError")
    assert (back, after) == (None, "after")
