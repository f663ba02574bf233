import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import ApiKey
from integrations.services import api_key_create, api_key_revoke
from tests.api.conftest import client_for, issue_key

pytestmark = pytest.mark.django_db


def test_a_key_is_stored_hashed_and_shown_once(supplier):
    issued = issue_key(supplier=supplier)

    prefix, _, secret = issued.plaintext.removeprefix("sp_").partition(".")
    stored = ApiKey.objects.get()
    assert stored.prefix == prefix
    assert secret not in stored.secret_hash
    assert len(stored.secret_hash) == 64
    assert stored.scopes == ["read", "acknowledge", "ship", "availability"]


def test_a_request_without_a_key_is_a_401_problem(client):
    response = client.get("/api/v1/purchase-orders")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    "token", ["sp_nothere.secret", "not-a-key", "sp_"], ids=["unknown", "malformed", "empty"]
)
def test_an_unknown_key_is_a_401(token, db):
    assert client_for(token).get("/api/v1/purchase-orders").status_code == 401


def test_a_wrong_secret_for_a_known_prefix_is_a_401(supplier):
    issued = issue_key(supplier=supplier)

    response = client_for(issued.plaintext[:-2] + "xx").get("/api/v1/purchase-orders")

    assert response.status_code == 401


def test_a_revoked_key_stops_working_at_once(supplier, supplier_user):
    issued = issue_key(supplier=supplier)
    api = client_for(issued.plaintext)
    assert api.get("/api/v1/purchase-orders").status_code == 200

    api_key_revoke(actor=supplier_user, api_key=issued.api_key)

    assert api.get("/api/v1/purchase-orders").status_code == 401


def test_an_expired_key_is_refused(supplier):
    issued = issue_key(supplier=supplier)
    ApiKey.objects.filter(pk=issued.api_key.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert client_for(issued.plaintext).get("/api/v1/purchase-orders").status_code == 401


def test_using_a_key_stamps_its_last_use(api, supplier_key):
    assert supplier_key.api_key.last_used_at is None

    api.get("/api/v1/purchase-orders")

    supplier_key.api_key.refresh_from_db()
    assert supplier_key.api_key.last_used_at is not None


def test_a_supplier_key_cannot_carry_internal_scopes(supplier):
    with pytest.raises(DomainError) as error:
        api_key_create(actor=None, name="x", scopes=["receipts"], supplier_id=supplier.pk)

    assert error.value.message == (
        "receipts cannot be granted to a supplier key; use read, acknowledge, ship, "
        "availability, invoice."
    )


def test_the_command_prints_a_working_key(supplier):
    out = io.StringIO()

    call_command(
        "create_api_key", "--supplier", "ACME", "--name", "erp", "--scopes", "read", stdout=out
    )

    plaintext = out.getvalue().strip()
    assert plaintext.startswith("sp_")
    assert client_for(plaintext).get("/api/v1/purchase-orders").status_code == 200
    assert ApiKey.objects.get().name == "erp"


def test_the_command_refuses_an_unknown_supplier(db):
    with pytest.raises(CommandError, match=r"No supplier has the code 'NOPE'\."):
        call_command("create_api_key", "--supplier", "NOPE", "--name", "x", "--scopes", "read")


def test_requests_past_the_rate_are_429_with_retry_after(supplier, settings, fresh_cache):
    settings.API_THROTTLE_KEY_RATE = "2/min"
    api = client_for(issue_key(supplier=supplier).plaintext)

    statuses = [api.get("/api/v1/purchase-orders").status_code for _ in range(3)]
    throttled = api.get("/api/v1/purchase-orders")

    assert statuses == [200, 200, 429]
    assert throttled["Content-Type"] == "application/problem+json"
    assert 0 < int(throttled["Retry-After"]) <= 60


def test_the_supplier_wide_rate_counts_every_key_of_the_supplier(
    supplier, other_supplier, settings, fresh_cache
):
    settings.API_THROTTLE_TENANT_RATE = "2/min"
    first = client_for(issue_key(supplier=supplier, name="a").plaintext)
    second = client_for(issue_key(supplier=supplier, name="b").plaintext)
    outsider = client_for(issue_key(supplier=other_supplier, name="c").plaintext)

    statuses = [c.get("/api/v1/purchase-orders").status_code for c in (first, second, first)]

    assert statuses == [200, 200, 429]
    assert outsider.get("/api/v1/purchase-orders").status_code == 200


def test_every_response_carries_the_request_id(api):
    given = api.get("/api/v1/purchase-orders", HTTP_X_REQUEST_ID="abc-123")
    generated = api.get("/api/v1/purchase-orders")

    assert given["X-Request-ID"] == "abc-123"
    assert len(generated["X-Request-ID"]) == 32


def test_a_body_over_the_limit_is_a_413(api, settings):
    settings.API_MAX_BODY_BYTES = 100

    response = api.put(
        "/api/v1/availability", {"items": [{"supplier_sku": "x" * 200}]}, format="json"
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"


def test_a_suspended_suppliers_key_is_refused(api, supplier):
    supplier.status = "suspended"
    supplier.save(update_fields=["status"])

    response = api.get("/api/v1/purchase-orders")

    assert response.status_code == 403
    assert response.json()["detail"] == "This key's supplier is not active."
