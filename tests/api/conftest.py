"""API keys and a client that sends them, for the API tests."""

import pytest
from rest_framework.test import APIClient

from integrations.services import api_key_create


def issue_key(*, supplier=None, scopes=("read", "acknowledge", "ship", "availability"), name="erp"):
    return api_key_create(
        actor=None,
        name=name,
        scopes=list(scopes),
        supplier_id=supplier.pk if supplier is not None else None,
        channel="system",
    )


def client_for(plaintext: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


@pytest.fixture
def supplier_key(supplier):
    return issue_key(supplier=supplier)


@pytest.fixture
def api(supplier_key) -> APIClient:
    """A client with a key of `supplier` holding every supplier scope."""
    return client_for(supplier_key.plaintext)


@pytest.fixture
def outsider_api(other_supplier) -> APIClient:
    """A client with an all-scopes key of another supplier."""
    return client_for(issue_key(supplier=other_supplier, name="globex-erp").plaintext)


@pytest.fixture
def read_only_api(supplier) -> APIClient:
    return client_for(issue_key(supplier=supplier, scopes=["read"], name="reader").plaintext)


@pytest.fixture
def internal_api(db) -> APIClient:
    return client_for(issue_key(scopes=["read", "receipts", "snapshots"], name="wms").plaintext)


@pytest.fixture
def fresh_cache(settings, request):
    """A cache of this test's own for the throttle counts, never a shared Redis database
    (clearing that would flush whatever else lives in it)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"api-test-{request.node.nodeid}",
        }
    }
