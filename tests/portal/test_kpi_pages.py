"""The KPI page and its drill-down: who sees which supplier, and a query count that does
not grow with the data."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from suppliers.models import Acknowledgment, Invoice
from tests.suppliers.factories import PurchaseOrderFactory

pytestmark = pytest.mark.django_db


def acknowledged_pos(supplier, count: int, *, prefix: str, hours: int = 2) -> None:
    now = timezone.now()
    for n in range(count):
        po = PurchaseOrderFactory(
            supplier=supplier, number=f"{prefix}-{n}", issued_at=now - datetime.timedelta(days=3)
        )
        Acknowledgment.objects.create(
            purchase_order=po,
            revision=1,
            kind=Acknowledgment.Kind.ACCEPT,
            status=Acknowledgment.Status.RECORDED,
            submitted_at=po.issued_at + datetime.timedelta(hours=hours),
        )


def test_a_buyer_sees_every_kpi_across_suppliers(client, buyer, supplier, other_supplier):
    acknowledged_pos(supplier, 2, prefix="ACME", hours=2)
    acknowledged_pos(other_supplier, 1, prefix="GLOBEX", hours=8)
    client.force_login(buyer)

    response = client.get(reverse("kpis"))

    assert response.status_code == 200
    shown = {row["kpi"].key: row["shown"] for row in response.context["rows"]}
    assert len(shown) == 12
    assert shown["ack_time"] == "2.0 hours (p90 6.8)"


def test_a_supplier_sees_only_its_own_kpis_whatever_the_query_string(
    client, supplier_user, supplier, other_supplier
):
    acknowledged_pos(supplier, 2, prefix="ACME", hours=2)
    acknowledged_pos(other_supplier, 1, prefix="GLOBEX", hours=8)
    client.force_login(supplier_user)

    response = client.get(reverse("kpis"), {"supplier": other_supplier.pk})

    rows = {row["kpi"].key: row for row in response.context["rows"]}
    assert response.context["supplier"] == supplier
    assert "discrepancy_rate" not in rows and "delivery_latency" not in rows
    assert (rows["ack_time"]["count"], rows["ack_time"]["shown"]) == (2, "2.0 hours (p90 2.0)")


def test_the_drill_down_lists_the_documents_behind_a_kpi(
    client, supplier_user, supplier, other_supplier
):
    acknowledged_pos(supplier, 2, prefix="ACME")
    acknowledged_pos(other_supplier, 1, prefix="GLOBEX")
    client.force_login(supplier_user)

    response = client.get(reverse("kpi_detail", args=["ack_time"]), {"supplier": other_supplier.pk})

    assert response.status_code == 200
    assert [row["document"] for row in response.context["documents"]] == ["ACME-0", "ACME-1"]
    assert "GLOBEX-0" not in response.content.decode()


def test_a_supplier_cannot_drill_into_kpis_that_belong_to_no_supplier(client, supplier_user):
    client.force_login(supplier_user)

    assert client.get(reverse("kpi_detail", args=["delivery_latency"])).status_code == 404


def test_someone_without_a_role_is_refused(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(email="nobody@example.com"))

    assert client.get(reverse("kpis")).status_code == 403


def test_the_kpi_page_costs_the_same_queries_with_ten_times_the_data(
    client, buyer, supplier, other_supplier
):
    client.force_login(buyer)
    acknowledged_pos(supplier, 2, prefix="A")
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("kpis"))
        client.get(reverse("kpi_detail", args=["ack_time"]))
    acknowledged_pos(supplier, 10, prefix="B")
    acknowledged_pos(other_supplier, 10, prefix="C")
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("kpis"))
        client.get(reverse("kpi_detail", args=["ack_time"]))

    assert len(large) == len(small)


def matched_invoices(
    supplier, count: int, *, prefix: str, held: bool = False, paid: bool = False
) -> None:
    """Invoices matched two days ago: approved at once (and paid today), or held on
    their first match."""
    when = timezone.now() - datetime.timedelta(days=2)
    status = Invoice.Status.ON_HOLD if held else Invoice.Status.APPROVED
    for n in range(count):
        Invoice.objects.create(
            supplier=supplier,
            purchase_order=PurchaseOrderFactory(supplier=supplier),
            number=f"{prefix}-{n}",
            invoice_date=when.date(),
            total_amount=Decimal("10.00"),
            received_at=when,
            status=Invoice.Status.PAID if paid else status,
            held_at=when if held else None,
            approved_at=None if held else when,
            paid_on=timezone.now().date() if paid else None,
        )


def test_a_buyer_sees_the_invoice_first_pass_match_across_suppliers(
    client, buyer, supplier, other_supplier
):
    matched_invoices(supplier, 3, prefix="ACME")
    matched_invoices(supplier, 1, prefix="ACME-H", held=True)
    matched_invoices(other_supplier, 1, prefix="GLOBEX-H", held=True)
    client.force_login(buyer)

    response = client.get(reverse("kpis"))

    rows = {row["kpi"].key: row for row in response.context["rows"]}
    assert (rows["invoice_first_pass"]["count"], rows["invoice_first_pass"]["shown"]) == (
        5,
        "60.0 %",
    )
    assert rows["invoice_cycle"]["shown"] == "—"


def test_the_outsider_drills_into_its_own_invoices_only(client, outsider, supplier, other_supplier):
    matched_invoices(supplier, 2, prefix="ACME")
    matched_invoices(other_supplier, 1, prefix="GLOBEX", held=True)
    client.force_login(outsider)

    page = client.get(reverse("kpis"), {"supplier": supplier.pk})
    detail = client.get(
        reverse("kpi_detail", args=["invoice_first_pass"]), {"supplier": supplier.pk}
    )

    rows = {row["kpi"].key: row for row in page.context["rows"]}
    assert (rows["invoice_first_pass"]["count"], rows["invoice_first_pass"]["shown"]) == (
        1,
        "0.0 %",
    )
    assert [(row["document"], row["shown"]) for row in detail.context["documents"]] == [
        ("GLOBEX-0", "0 of 1")
    ]
    assert "ACME-0" not in detail.content.decode()


def test_the_invoice_kpis_cost_the_same_queries_with_ten_times_the_data(
    client, buyer, supplier, other_supplier
):
    client.force_login(buyer)
    matched_invoices(supplier, 2, prefix="A")
    pages = [reverse("kpis")] + [
        reverse("kpi_detail", args=[key])
        for key in ("invoice_cycle", "invoice_first_pass", "dispute_resolution")
    ]
    with CaptureQueriesContext(connection) as small:
        for page in pages:
            client.get(page)
    matched_invoices(supplier, 10, prefix="B", held=True)
    matched_invoices(other_supplier, 10, prefix="C", paid=True)
    with CaptureQueriesContext(connection) as large:
        for page in pages:
            client.get(page)

    assert len(large) == len(small)
