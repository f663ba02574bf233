"""Every API request is recorded with its key, what was asked, the answer and the
correlation id; reads included."""

import datetime

import pytest
from django.utils import timezone

from integrations.api.idempotency import purge_request_log
from integrations.models import ApiRequestLog
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_read_is_logged_with_the_keys_name_and_the_request_id(api, supplier_key):
    response = api.get("/api/v1/purchase-orders", HTTP_X_REQUEST_ID="wms-poll-9")

    entry = ApiRequestLog.objects.get()
    assert response.status_code == 200
    assert (entry.method, entry.path, entry.status_code) == ("GET", "/api/v1/purchase-orders", 200)
    assert entry.request_id == "wms-poll-9"
    assert entry.key_label.startswith("erp (")


def test_a_request_with_a_wrong_key_is_logged_without_a_key(db):
    response = client_for("sp_nope.nope").get("/api/v1/purchase-orders")

    entry = ApiRequestLog.objects.get()
    assert response.status_code == 401
    assert (entry.api_key, entry.key_label, entry.status_code) == (None, "", 401)


def test_log_rows_past_retention_are_purged(api, settings):
    settings.API_REQUEST_LOG_DAYS = 90
    api.get("/api/v1/purchase-orders")
    ApiRequestLog.objects.update(at=timezone.now() - datetime.timedelta(days=91))
    api.get("/api/v1/purchase-orders")

    assert purge_request_log() == 1
    assert ApiRequestLog.objects.count() == 1
