"""Supplier ASN pages: create from POs, edit in cases, submit, milestones, list and
detail query counts, tenancy, and the PO page's shipment progress."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suppliers import services
from suppliers.models import PurchaseOrder, Shipment
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, UomConversionFactory
from tests.suppliers.factories import ShipmentFactory, SupplierItemFactory
from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship, today

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _header_post(number: str, **extra) -> dict:
    return {
        "asn_number": number,
        "ship_date": today().isoformat(),
        "expected_delivery": (today() + datetime.timedelta(days=2)).isoformat(),
        "carrier": "UPS",
        "tracking_number": "1Z999",
        "package_count": "2",
        "gross_weight_kg": "",
        "sscc_labels": "",
        **extra,
    }


def test_supplier_creates_an_asn_from_a_po_edits_a_line_in_cases_and_submits_it(
    client, supplier, supplier_user
):
    item = ItemFactory(sku="BOLT-M8", base_uom=UnitOfMeasureFactory(code="EA"))
    cs = UnitOfMeasureFactory(code="CS")
    UomConversionFactory(item=item, from_uom=cs, to_uom=item.base_uom, factor=12)
    SupplierItemFactory(supplier=supplier, item=item, uom=cs)
    purchase_order = confirmed_po(supplier, "PO-1", lines=[("BOLT-M8", "120", "EA")])
    po_line = line_of(purchase_order)
    client.force_login(supplier_user)

    created = client.post(
        reverse("suppliers:asn_new"),
        {**_header_post("ASN-1"), "purchase_orders": [purchase_order.pk]},
    )
    prefix = f"line-{po_line.pk}"
    edited = client.post(
        reverse("suppliers:asn_edit", args=["ASN-1"]),
        {
            **_header_post("ASN-1"),
            f"{prefix}-quantity": "5",
            f"{prefix}-uom": str(cs.pk),
            f"{prefix}-lot": "L42",
            "then": "submit",
        },
    )

    assert created.status_code == 302
    assert created["Location"] == reverse("suppliers:asn_edit", args=["ASN-1"])
    assert edited.status_code == 302
    assert edited["Location"] == reverse("suppliers:asn_detail", args=["ASN-1"])
    shipment = Shipment.objects.get(asn_number="ASN-1")
    line = shipment.lines.get()
    po_line.refresh_from_db()
    assert shipment.status == Shipment.Status.SUBMITTED
    assert (line.quantity, line.uom.code, line.quantity_po_uom, line.lot) == (
        Decimal("5"),
        "CS",
        Decimal("60"),
        "L42",
    )
    assert po_line.shipped_qty == Decimal("60")
    detail = client.get(reverse("suppliers:asn_detail", args=["ASN-1"])).content.decode()
    assert "5 CS" in detail
    assert "60 EA" in detail
    assert "ASN submitted" in detail


def test_an_over_shipped_line_shows_its_error_next_to_the_line_and_saves_nothing(
    client, supplier, supplier_user
):
    po_line = line_of(confirmed_po(supplier, "PO-1"))
    ship(supplier, supplier_user, "ASN-1", [(po_line, "10")], submit=False)
    client.force_login(supplier_user)
    prefix = f"line-{po_line.pk}"

    response = client.post(
        reverse("suppliers:asn_edit", args=["ASN-1"]),
        {
            **_header_post("ASN-1"),
            f"{prefix}-quantity": "150",
            f"{prefix}-uom": str(po_line.uom_id),
        },
    )

    assert response.status_code == 200
    line_form = response.context["line_forms"][0]
    assert line_form.errors["quantity"] == [
        "PO-1 line 1: shipping 150 EA would bring the total shipped to 150 EA, more than the "
        "100 EA allowed (confirmed 100 EA + 0% over-ship tolerance). Other ASNs already ship "
        "0 EA; at most 100 EA more can ship."
    ]
    assert Shipment.objects.get().lines.get().quantity == Decimal("10")


def test_supplier_reports_a_delay_from_the_asn_page(client, supplier, supplier_user):
    purchase_order = confirmed_po(supplier, "PO-1")
    ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "10")])
    client.force_login(supplier_user)
    new_eta = today() + datetime.timedelta(days=10)

    response = client.post(
        reverse("suppliers:asn_milestone", args=["ASN-1"]),
        {"code": "delayed", "new_eta": new_eta.isoformat(), "reason": "Customs hold"},
    )

    assert response.status_code == 302
    shipment = Shipment.objects.get()
    purchase_order.refresh_from_db()
    assert (shipment.status, shipment.expected_delivery) == (Shipment.Status.DELAYED, new_eta)
    assert purchase_order.at_risk is True
    page = client.get(reverse("suppliers:asn_detail", args=["ASN-1"])).content.decode()
    assert "Customs hold" in page
    assert "At risk" in page


def test_a_delay_without_a_date_is_shown_next_to_the_field(client, supplier, supplier_user):
    ship(supplier, supplier_user, "ASN-1", [(line_of(confirmed_po(supplier, "PO-1")), "10")])
    client.force_login(supplier_user)

    response = client.post(
        reverse("suppliers:asn_milestone", args=["ASN-1"]), {"code": "delayed", "reason": "x"}
    )

    assert response.status_code == 422
    assert response.context["milestone_form"].errors == {
        "new_eta": ["A delay needs the new expected delivery date."]
    }


def test_cancel_from_the_page_frees_the_quantity(client, supplier, supplier_user):
    po_line = line_of(confirmed_po(supplier, "PO-1"))
    ship(supplier, supplier_user, "ASN-1", [(po_line, "100")])
    client.force_login(supplier_user)

    client.post(reverse("suppliers:asn_cancel", args=["ASN-1"]), {"reason": "wrong truck"})

    po_line.refresh_from_db()
    assert po_line.open_to_ship == Decimal("100")
    assert po_line.purchase_order.status == PurchaseOrder.Status.CONFIRMED


def test_the_asn_list_shows_only_the_suppliers_own_asns(
    client, supplier, other_supplier, supplier_user
):
    ShipmentFactory(supplier=supplier, asn_number="ASN-MINE")
    ShipmentFactory(supplier=other_supplier, asn_number="ASN-THEIRS")
    client.force_login(supplier_user)

    page = client.get(reverse("suppliers:asn_list")).content.decode()

    assert "ASN-MINE" in page
    assert "ASN-THEIRS" not in page


def test_the_asn_list_runs_the_same_queries_for_3_and_60_asns(client, supplier, supplier_user):
    client.force_login(supplier_user)
    for _ in range(3):
        ShipmentFactory(supplier=supplier)
    few = _queries(client, reverse("suppliers:asn_list"))

    for _ in range(57):
        ShipmentFactory(supplier=supplier)
    many = _queries(client, reverse("suppliers:asn_list"))

    assert few == many


def test_the_asn_detail_runs_the_same_queries_for_1_and_12_lines(client, supplier, supplier_user):
    client.force_login(supplier_user)
    small = confirmed_po(supplier, "PO-1")
    large = confirmed_po(supplier, "PO-2", lines=[(f"SKU-{n}", "10", "EA") for n in range(12)])
    ship(supplier, supplier_user, "ASN-S", [(line_of(small), "1")])
    shipment = ship(
        supplier, supplier_user, "ASN-L", [(line_of(large, n), "1") for n in range(1, 13)]
    )
    for code in ("picked_up", "in_transit", "out_for_delivery"):
        services.shipment_milestone_report(actor=supplier_user, shipment=shipment, code=code)

    assert _queries(client, reverse("suppliers:asn_detail", args=["ASN-S"])) == _queries(
        client, reverse("suppliers:asn_detail", args=["ASN-L"])
    )


def test_the_po_page_lists_its_shipments_with_constant_queries(client, supplier, supplier_user):
    client.force_login(supplier_user)
    one = confirmed_po(supplier, "PO-1")
    many = confirmed_po(supplier, "PO-2", lines=[(f"SKU-{n}", "10", "EA") for n in range(6)])
    ship(supplier, supplier_user, "ASN-1", [(line_of(one), "4")])
    for n in range(1, 7):
        ship(supplier, supplier_user, f"ASN-M{n}", [(line_of(many, n), "1")])

    page = client.get(reverse("suppliers:po_detail", args=["PO-1"])).content.decode()

    assert 'id="po-shipments"' in page
    assert "ASN-1" in page
    assert _queries(client, reverse("suppliers:po_detail", args=["PO-1"])) == _queries(
        client, reverse("suppliers:po_detail", args=["PO-2"])
    )


def test_the_buyer_does_not_see_a_suppliers_draft_on_the_po_page(
    client, supplier, supplier_user, buyer
):
    po_line = line_of(confirmed_po(supplier, "PO-1"))
    ship(supplier, supplier_user, "ASN-DRAFT", [(po_line, "4")], submit=False)
    client.force_login(buyer)

    page = client.get(reverse("buyer:po_detail", args=["PO-1"])).content.decode()

    assert "ASN-DRAFT" not in page


def test_supplier_pages_are_closed_to_buyers_and_buyer_pages_to_suppliers(
    client, supplier, supplier_user, buyer
):
    ShipmentFactory(supplier=supplier, asn_number="ASN-1")
    client.force_login(buyer)
    to_buyer = client.get(reverse("suppliers:asn_list")).status_code
    client.force_login(supplier_user)
    to_supplier = [
        client.get(reverse(name, args=args)).status_code
        for name, args in (
            ("buyer:inbound_schedule", []),
            ("buyer:inbound_csv", []),
            ("buyer:inbound_risk", []),
            ("buyer:availability", []),
            ("buyer:asn_detail", ["ACME", "ASN-1"]),
        )
    ]

    assert to_buyer == 403
    assert to_supplier == [403, 403, 403, 403, 403]
