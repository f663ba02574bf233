"""The buyer's inbound schedule and risk summary: what is expected by warehouse and day,
late and at-risk lines, filters, CSV export, constant query counts."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from suppliers import services
from suppliers.models import PurchaseOrder, SupplierAvailability
from tests.suppliers.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SupplierItemFactory,
)
from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship, today

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


@pytest.fixture
def inbound(supplier, other_supplier, supplier_user):
    """ACME: PO-1 (DC1) half shipped on ASN-1, due in 2 days, then delayed; PO-2 (DC2)
    confirmed, promised 3 days ago (late). GLOBEX: PO-G1 (DC1) shipped on ASN-G1, whose
    expected delivery was yesterday (late), and PO-G2 awaiting acknowledgment."""
    po1 = confirmed_po(supplier, "PO-1", warehouse="DC1", promised=days(5))
    po2 = confirmed_po(
        supplier, "PO-2", warehouse="DC2", lines=[("NUT-M8", "30", "EA")], promised=days(-3)
    )
    asn = ship(supplier, supplier_user, "ASN-1", [(line_of(po1), "50")], arrive_in=2)
    services.shipment_milestone_report(
        actor=supplier_user, shipment=asn, code="delayed", new_eta=days(4), reason="Storm"
    )
    g1 = confirmed_po(other_supplier, "PO-G1", warehouse="DC1", lines=[("TAPE", "8", "EA")])
    ship(other_supplier, None, "ASN-G1", [(line_of(g1), "8")], ship_in=-3, arrive_in=-1)
    g2 = PurchaseOrderFactory(
        supplier=other_supplier,
        number="PO-G2",
        status=PurchaseOrder.Status.ISSUED,
        ship_to=po1.ship_to,
    )
    PurchaseOrderLineFactory(purchase_order=g2, line_no=1, ordered_qty=Decimal("12"))
    return {"po1": po1, "po2": po2}


def schedule(client, **params):
    response = client.get(reverse("buyer:inbound_schedule"), params)
    assert response.status_code == 200
    return [
        (r["warehouse"], r["day"], r["kind"], r["document"], r["qty"], r["late"], r["risk"])
        for r in response.context["rows"]
    ]


def test_the_schedule_shows_asns_on_their_way_and_unshipped_confirmed_lines_by_warehouse_and_day(
    client, buyer, inbound
):
    client.force_login(buyer)

    assert schedule(client) == [
        ("DC1", days(-1), "asn", "ASN-G1", Decimal("8"), True, False),
        ("DC1", days(4), "asn", "ASN-1", Decimal("50"), False, True),
        ("DC1", days(5), "po_line", "PO-1", Decimal("50"), False, True),
        ("DC2", days(-3), "po_line", "PO-2", Decimal("30"), True, False),
    ]


def test_the_schedule_filters_by_supplier_and_warehouse(client, buyer, inbound):
    client.force_login(buyer)

    by_supplier = schedule(client, supplier="GLOBEX")
    by_warehouse = schedule(client, warehouse="DC2")

    assert [row[3] for row in by_supplier] == ["ASN-G1"]
    assert [row[3] for row in by_warehouse] == ["PO-2"]


def test_late_and_at_risk_rows_are_highlighted(client, buyer, inbound):
    client.force_login(buyer)

    page = client.get(reverse("buyer:inbound_schedule")).content.decode()

    assert page.count('<tr class="late"') == 2
    assert page.count('<tr class=" at-risk"') == 2
    assert page.count('<span class="badge late">Late</span>') == 2


def test_an_asn_delayed_past_the_promised_date_is_late_before_the_day_comes(
    client, supplier, supplier_user, buyer
):
    po = confirmed_po(supplier, "PO-7", promised=days(5))
    asn = ship(supplier, supplier_user, "ASN-7", [(line_of(po), "100")], arrive_in=4)
    client.force_login(buyer)
    on_time = schedule(client)

    services.shipment_milestone_report(
        actor=supplier_user, shipment=asn, code="delayed", new_eta=days(6), reason="Strike"
    )

    assert on_time == [("DC1", days(4), "asn", "ASN-7", Decimal("100"), False, False)]
    assert schedule(client) == [("DC1", days(6), "asn", "ASN-7", Decimal("100"), True, True)]
    risk = client.get(reverse("buyer:inbound_risk")).context["summary"].supplier
    assert [(r.key, r.cells["late"].lines, r.cells["delayed"].lines) for r in risk] == [
        ("ACME", 1, 1)
    ]


def test_the_csv_export_has_every_row_with_the_filters_applied(client, buyer, inbound):
    client.force_login(buyer)

    response = client.get(reverse("buyer:inbound_csv"), {"warehouse": "DC1"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert response["Content-Type"] == "text/csv"
    assert rows[0][:4] == ["warehouse", "date", "source", "supplier"]
    assert [(r[0], r[2], r[4], r[8], r[12], r[13]) for r in rows[1:]] == [
        ("DC1", "ASN", "ASN-G1", "8", "yes", "no"),
        ("DC1", "ASN", "ASN-1", "50", "no", "yes"),
        ("DC1", "PO line", "PO-1", "50", "no", "yes"),
    ]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_schedule_and_the_risk_summary_run_the_same_queries_for_few_and_many_lines(
    client, supplier, supplier_user, buyer
):
    client.force_login(buyer)
    first = confirmed_po(supplier, "PO-A", lines=[("A-1", "5", "EA")])
    ship(supplier, supplier_user, "ASN-A", [(line_of(first), "2")])
    urls = [reverse("buyer:inbound_schedule"), reverse("buyer:inbound_risk")]
    few = [_queries(client, url) for url in urls]

    for n in range(15):
        po = confirmed_po(supplier, f"PO-{n}", lines=[(f"B-{n}", "5", "EA")], warehouse=f"W{n}")
        ship(supplier, supplier_user, f"ASN-{n}", [(line_of(po), "1")])
    many = [_queries(client, url) for url in urls]

    assert few == many


def test_the_risk_summary_counts_late_delayed_unacknowledged_and_stale_per_supplier_and_warehouse(
    client, supplier, buyer, inbound
):
    supplier_item = SupplierItemFactory(supplier=supplier, item=line_of(inbound["po2"]).item)
    SupplierAvailability.objects.create(
        supplier_item=supplier_item,
        qty_available=Decimal("3"),
        as_of=timezone.now() - datetime.timedelta(hours=supplier.availability_freshness_hours + 1),
    )
    client.force_login(buyer)

    summary = client.get(reverse("buyer:inbound_risk")).context["summary"]

    def cells(rows):
        return {
            row.key: (
                row.cells["late"].lines,
                row.cells["late"].quantities,
                row.cells["delayed"].lines,
                row.cells["unacknowledged"].lines,
                row.cells["unacknowledged"].quantities,
                row.cells["stale"].lines,
                row.cells["stale"].quantities,
            )
            for row in rows
        }

    unit = line_of(PurchaseOrder.objects.get(number="PO-G2")).uom.code
    assert cells(summary.supplier) == {
        "ACME": (1, {"EA": Decimal("30")}, 1, 0, {}, 1, {"EA": Decimal("30")}),
        "GLOBEX": (1, {"EA": Decimal("8")}, 0, 1, {unit: Decimal("12")}, 0, {}),
    }
    assert cells(summary.warehouse) == {
        "DC1": (1, {"EA": Decimal("8")}, 1, 1, {unit: Decimal("12")}, 0, {}),
        "DC2": (1, {"EA": Decimal("30")}, 0, 0, {}, 1, {"EA": Decimal("30")}),
    }


def test_the_buyer_asn_detail_runs_the_same_queries_for_1_and_10_lines_and_404s_a_wrong_supplier(
    client, supplier, supplier_user, buyer
):
    client.force_login(buyer)
    small = confirmed_po(supplier, "PO-S")
    large = confirmed_po(supplier, "PO-L", lines=[(f"L-{n}", "10", "EA") for n in range(10)])
    ship(supplier, supplier_user, "ASN-S", [(line_of(small), "1")])
    ship(supplier, supplier_user, "ASN-L", [(line_of(large, n), "1") for n in range(1, 11)])

    few = _queries(client, reverse("buyer:asn_detail", args=["ACME", "ASN-S"]))
    many = _queries(client, reverse("buyer:asn_detail", args=["ACME", "ASN-L"]))
    wrong = client.get(reverse("buyer:asn_detail", args=["GLOBEX", "ASN-S"]))

    assert few == many
    assert wrong.status_code == 404


def test_the_buyer_availability_list_runs_the_same_queries_for_2_and_30_items(
    client, supplier, other_supplier, buyer
):
    client.force_login(buyer)

    def add(count, owner):
        for _ in range(count):
            SupplierAvailability.objects.create(
                supplier_item=SupplierItemFactory(supplier=owner),
                qty_available=Decimal("1"),
                as_of=timezone.now(),
            )

    add(2, supplier)
    few = _queries(client, reverse("buyer:availability"))
    add(28, other_supplier)
    many = _queries(client, reverse("buyer:availability"))

    assert few == many
