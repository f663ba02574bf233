"""A request's correlation id (X-Request-ID) follows it into the events and audit entries
it causes, through the API and through the pages alike."""

import pytest
from django.urls import reverse

from integrations.models import AuditEntry, Event
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db


def test_an_api_request_id_is_returned_and_carried_into_the_event_and_audit(api, supplier):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-1")

    response = api.post(
        "/api/v1/purchase-orders/PO-1/acknowledgments",
        {"kind": "accept", "revision": 1},
        format="json",
        HTTP_X_REQUEST_ID="erp-run-42",
    )

    assert response.status_code == 201
    assert response["X-Request-ID"] == "erp-run-42"
    event = Event.objects.get(type="purchase_order.acknowledged")
    assert event.correlation_id == "erp-run-42"
    assert AuditEntry.objects.get(action="acknowledged").correlation_id == "erp-run-42"


def test_an_unsafe_request_id_is_replaced_by_a_generated_one(api, supplier):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-1")

    response = api.post(
        "/api/v1/purchase-orders/PO-1/acknowledgments",
        {"kind": "accept", "revision": 1},
        format="json",
        HTTP_X_REQUEST_ID="bad id\r\nX-Injected: 1",
    )

    generated = response["X-Request-ID"]
    assert len(generated) == 32
    assert Event.objects.get(type="purchase_order.acknowledged").correlation_id == generated


def test_a_page_action_carries_the_pages_request_id_into_its_event(client, supplier_user):
    purchase_order = purchase_order_awaiting_acknowledgment(
        supplier=supplier_user.supplier_membership.supplier, number="PO-2"
    )
    client.force_login(supplier_user)

    response = client.post(
        reverse("suppliers:po_accept", args=[purchase_order.number]),
        {"revision": 1},
        HTTP_X_REQUEST_ID="page-req-7",
    )

    assert response.status_code == 302
    assert response["X-Request-ID"] == "page-req-7"
    assert Event.objects.get(type="purchase_order.acknowledged").correlation_id == "page-req-7"
