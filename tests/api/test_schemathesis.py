"""Schemathesis against the live schema, in-process through the WSGI app, authenticated as
a supplier with every supplier scope (and as the WMS for internal operations): a bounded
number of generated requests per operation; no 5xx, invalid requests refused, and every
response conforms to the documented schema (status codes, content types, bodies, headers)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import issue_key
from tests.fuzzing import examples
from tests.suppliers.shipping_helpers import confirmed_po

# Loaded at collection through the app itself (no database needed to serve the schema).
# (schemathesis.pytest.from_fixture does not work with pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@pytest.fixture
def keep_test_connection():
    """The WSGI handler closes "old" connections around each request, which would close
    the test's transaction on PostgreSQL; Django's test client disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def keys(supplier, other_supplier, settings, keep_test_connection, fresh_cache):
    # Generated traffic must not trip the throttles it is not testing.
    settings.API_THROTTLE_KEY_RATE = "100000/min"
    settings.API_THROTTLE_TENANT_RATE = "100000/min"
    confirmed_po(supplier, "PO-1")
    return {
        "supplier": issue_key(supplier=supplier).plaintext,
        "internal": issue_key(scopes=["read", "receipts", "snapshots"], name="wms").plaintext,
    }


@schema.parametrize()
@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_the_api_conforms_to_its_schema(case, keys):
    internal = case.operation.path.startswith(
        ("/api/v1/receipts", "/api/v1/stock-snapshots", "/api/v1/inventory")
    )
    token = keys["internal" if internal else "supplier"]
    # Schema-valid bodies naming documents that do not exist, or breaking business rules,
    # are rightly refused with 422: "valid data must be accepted" does not apply here.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, excluded_checks=[positive_data_acceptance]
    )
