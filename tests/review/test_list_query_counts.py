"""Query counts of the list pages that had no small-vs-large test: each page is fetched
with a little data and with a lot, and must run the same number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.models import AuditEntry, Delivery
from integrations.services import Subject, exception_add_note, exception_open_or_update
from suppliers import services
from tests.integrations.factories import ConnectorFactory
from tests.integrations.helpers import publish_po_event
from tests.inventory.snapshots import ingest, items, later, warehouse
from tests.portal.factories import UserFactory
from tests.suppliers.factories import PurchaseOrderFactory, SupplierMembershipFactory
from tests.suppliers.onboarding_support import BASE_URL

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_snapshot_list_runs_the_same_queries_for_2_and_12_snapshots(client, operator):
    client.force_login(operator)
    dc1, dc2 = warehouse("DC1"), warehouse("DC2")
    items("A")
    ingest("erp", dc1, [("A", 5)], actor=operator)
    ingest("wms", dc2, [("A", 5)], actor=operator)
    url = reverse("inventory:snapshots")
    few = queries(client, url)

    for hour in range(1, 6):
        ingest("erp", dc1, [("A", 5)], taken_at=later(hour), actor=UserFactory())
        ingest("wms", dc2, [("A", 5)], taken_at=later(hour), actor=UserFactory())
    many = queries(client, url)

    assert client.get(url).context["page"].paginator.count == 12
    assert many == few


def _dead(connector, number: str) -> None:
    event = publish_po_event(number, "purchase_order.received")
    Delivery.objects.filter(event=event, connector=connector).update(status="dead", attempts=3)


def test_the_dead_letters_page_runs_the_same_queries_for_1_and_9_dead_letters(client, operator):
    client.force_login(operator)
    erp = ConnectorFactory(name="erp")
    _dead(erp, "PO-0")
    url = reverse("integrations:dead_letters")
    few = queries(client, url)

    for n in range(1, 9):
        _dead(ConnectorFactory(name=f"more-{n}"), f"PO-{n}")
    many = queries(client, url)

    assert client.get(url).context["dry_run_count"] == 9
    assert many == few


def test_the_catalog_runs_the_same_queries_for_1_and_6_connectors(client, operator):
    client.force_login(operator)
    ConnectorFactory(name="erp")
    publish_po_event("PO-0", "purchase_order.received")
    url = reverse("integrations:catalog")
    few = queries(client, url)

    for n in range(5):
        ConnectorFactory(name=f"more-{n}")
        publish_po_event(f"PO-{n + 1}", "purchase_order.received")
    many = queries(client, url)

    assert len(client.get(url).context["connectors"]) == 6
    assert many == few


def test_the_object_audit_page_runs_the_same_queries_for_1_and_12_entries(client, buyer):
    client.force_login(buyer)
    po = PurchaseOrderFactory(number="PO-AUD")

    def entry(actor) -> None:
        AuditEntry.objects.create(
            actor=actor,
            actor_label=str(actor),
            channel="portal",
            object_type="suppliers.purchaseorder",
            object_id=str(po.pk),
            object_repr="PO-AUD",
            action="changed",
            before={"status": "a"},
            after={"status": "b"},
        )

    entry(UserFactory())
    url = reverse("supplier_admin:object_audit", args=["suppliers.purchaseorder", po.pk])
    few = queries(client, url)

    for _ in range(11):
        entry(UserFactory())
    many = queries(client, url)

    assert client.get(url).context["page"].paginator.count == 12
    assert many == few


def test_the_exception_case_page_runs_the_same_queries_for_1_and_10_notes(client, operator):
    client.force_login(operator)
    case = exception_open_or_update(
        actor=None,
        exception_class="quantity_mismatch",
        subject=Subject.position(sku="SKU-1", warehouse_code="DC1"),
        title="SKU-1 at DC1",
        expected=Decimal(10),
        actual=Decimal(9),
        delta=Decimal(-1),
    )[0]
    exception_add_note(actor=operator, case=case, body="first")
    url = reverse("exceptions:detail", args=[case.pk])
    few = queries(client, url)

    for n in range(9):
        exception_add_note(
            actor=UserFactory(roles=["integration_operator"]), case=case, body=f"{n}"
        )
    many = queries(client, url)

    assert len(client.get(url).context["notes"]) == 10
    assert many == few


def test_the_admin_supplier_page_runs_the_same_queries_for_few_and_many_members(
    client, portal_admin, supplier, supplier_user
):
    client.force_login(portal_admin)
    services.invitation_create(
        actor=supplier_user, supplier=supplier, email="a@acme.example", base_url=BASE_URL
    )
    url = reverse("supplier_admin:supplier_detail", args=[supplier.code])
    few = queries(client, url)

    for n in range(6):
        SupplierMembershipFactory(supplier=supplier)
        services.invitation_create(
            actor=supplier_user, supplier=supplier, email=f"n{n}@acme.example", base_url=BASE_URL
        )
    many = queries(client, url)

    assert len(client.get(url).context["invitations"]) == 7
    assert many == few
