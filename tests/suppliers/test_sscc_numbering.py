"""SSCC labels numbered by the portal from the supplier's GS1 company prefix, and the
weight of each package typed on the ASN form (issue 21)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from integrations.errors import DomainError
from suppliers import services
from suppliers.models import Shipment, Supplier
from suppliers.services.ship_purchase_orders import purchase_orders_ship
from suppliers.services.sscc import sscc_compose, sscc_problem
from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship, today

pytestmark = pytest.mark.django_db

PREFIX = "0614141"


def _labelled(supplier: Supplier, prefix: str = PREFIX) -> Supplier:
    supplier.gs1_company_prefix = prefix
    supplier.save(update_fields=["gs1_company_prefix"])
    return supplier


def _packages(shipment: Shipment) -> list[tuple[int, str, Decimal | None]]:
    return [(p.sequence, p.sscc, p.weight_kg) for p in shipment.packages.order_by("sequence")]


def _edit_form(shipment: Shipment, **fields: str) -> dict[str, str]:
    line = shipment.lines.get()
    return {
        "asn_number": shipment.asn_number,
        "ship_date": today().isoformat(),
        "expected_delivery": shipment.expected_delivery.isoformat(),
        "carrier": "",
        "tracking_number": "",
        "package_count": "1",
        "gross_weight_kg": "",
        "sscc_labels": "",
        "package_weights": "",
        f"line-{line.po_line_id}-quantity": str(line.quantity.normalize()),
        f"line-{line.po_line_id}-uom": str(line.uom_id),
        **fields,
    }


def test_an_sscc_is_the_extension_digit_prefix_serial_and_gs1_check_digit():
    # GS1's own worked example: (00) 1 0614141 123456789 7.
    assert sscc_compose(PREFIX, 123456789, extension=1) == "106141411234567897"
    assert sscc_compose(PREFIX, 1) == "006141410000000012"
    assert sscc_problem(sscc_compose("061414112", 7)) is None
    with pytest.raises(ValueError, match="does not fit the 9 digits"):
        sscc_compose(PREFIX, 10**9)


def test_ship_this_po_labels_the_package_at_once_when_the_portal_numbers_the_ssccs(
    supplier, supplier_user
):
    _labelled(supplier)
    purchase_order = confirmed_po(supplier, "PO-1")

    shipment = purchase_orders_ship(
        actor=supplier_user, supplier=supplier, purchase_orders=[purchase_order]
    ).shipment

    assert _packages(shipment) == [(1, "006141410000000012", None)]
    supplier.refresh_from_db()
    assert supplier.sscc_last_serial == 1


def test_without_a_prefix_ship_this_po_leaves_the_package_unlabelled(supplier, supplier_user):
    purchase_order = confirmed_po(supplier, "PO-1")

    shipment = purchase_orders_ship(
        actor=supplier_user, supplier=supplier, purchase_orders=[purchase_order]
    ).shipment

    assert _packages(shipment) == []


def test_saving_three_packages_keeps_the_typed_label_and_numbers_the_other_two_with_weights(
    client, supplier, supplier_user
):
    _labelled(supplier)
    purchase_order = confirmed_po(supplier, "PO-1")
    shipment = ship(
        supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "40")], submit=False
    )
    typed = "034567890123456786"
    client.force_login(supplier_user)

    response = client.post(
        reverse("suppliers:asn_edit", args=["ASN-1"]),
        _edit_form(
            shipment,
            package_count="3",
            sscc_labels=typed,
            package_weights="12.5\n7,25\n3",
            number_ssccs="on",
        ),
    )

    assert response.status_code == 302
    shipment.refresh_from_db()
    assert _packages(shipment) == [
        (1, typed, Decimal("12.500")),
        (2, sscc_compose(PREFIX, 1), Decimal("7.250")),
        (3, sscc_compose(PREFIX, 2), Decimal("3.000")),
    ]
    # No gross weight typed: the packages' weights add up to it.
    assert shipment.gross_weight_kg == Decimal("22.750")
    edit_page = client.get(reverse("suppliers:asn_edit", args=["ASN-1"]))
    assert sscc_compose(PREFIX, 2).encode() in edit_page.content
    assert b"12.5\n7.25\n3</textarea>" in edit_page.content


def test_a_label_typed_by_hand_on_the_next_serial_is_skipped_so_no_sscc_is_used_twice(
    supplier, supplier_user
):
    _labelled(supplier)
    first = confirmed_po(supplier, "PO-1")
    second = confirmed_po(supplier, "PO-2", lines=[("NUT-M8", "10", "EA")])
    ship(
        supplier,
        supplier_user,
        "ASN-1",
        [(line_of(first), "10")],
        packages=[services.PackageInput(sscc=sscc_compose(PREFIX, 1))],
    )

    numbered = ship(
        supplier,
        supplier_user,
        "ASN-2",
        [(line_of(second), "10")],
        package_count=2,
        number_ssccs=True,
    )

    assert [sscc for _n, sscc, _w in _packages(numbered)] == [
        sscc_compose(PREFIX, 2),
        sscc_compose(PREFIX, 3),
    ]


def test_numbers_of_a_cancelled_asn_are_never_handed_out_again(supplier, supplier_user):
    _labelled(supplier)
    purchase_order = confirmed_po(supplier, "PO-1")
    cancelled = ship(
        supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "10")], number_ssccs=True
    )
    services.asn_cancel(actor=supplier_user, shipment=cancelled, reason="Truck missed")

    again = ship(
        supplier, supplier_user, "ASN-2", [(line_of(purchase_order), "10")], number_ssccs=True
    )

    assert _packages(again) == [(1, sscc_compose(PREFIX, 2), None)]


def test_each_supplier_numbers_from_its_own_prefix_and_counter(
    supplier, supplier_user, other_supplier, outsider
):
    _labelled(supplier)
    _labelled(other_supplier, "0712345")
    mine = ship(
        supplier,
        supplier_user,
        "ASN-1",
        [(line_of(confirmed_po(supplier, "PO-1")), "10")],
        number_ssccs=True,
    )

    theirs = ship(
        other_supplier,
        outsider,
        "ASN-1",
        [(line_of(confirmed_po(other_supplier, "PO-9", warehouse="DC2")), "10")],
        number_ssccs=True,
    )

    assert _packages(mine) == [(1, sscc_compose(PREFIX, 1), None)]
    assert _packages(theirs) == [(1, sscc_compose("0712345", 1), None)]


def test_asking_to_number_labels_without_a_prefix_says_what_to_do(supplier, supplier_user):
    purchase_order = confirmed_po(supplier, "PO-1")

    with pytest.raises(DomainError, match="has no GS1 company prefix") as raised:
        ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "10")], number_ssccs=True)

    assert raised.value.field == "sscc"
    assert not Shipment.objects.exists()


def test_the_form_offers_numbering_only_to_a_supplier_with_a_prefix(
    client, supplier, supplier_user
):
    purchase_order = confirmed_po(supplier, "PO-1")
    ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "10")], submit=False)
    client.force_login(supplier_user)
    url = reverse("suppliers:asn_edit", args=["ASN-1"])

    assert b'name="number_ssccs"' not in client.get(url).content
    _labelled(supplier)
    assert b'name="number_ssccs"' in client.get(url).content


def test_a_weight_that_is_not_a_number_is_refused_with_its_package_number(
    client, supplier, supplier_user
):
    purchase_order = confirmed_po(supplier, "PO-1")
    shipment = ship(
        supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "10")], submit=False
    )
    client.force_login(supplier_user)

    response = client.post(
        reverse("suppliers:asn_edit", args=["ASN-1"]),
        _edit_form(shipment, package_count="2", package_weights="4\nheavy"),
    )

    assert response.status_code == 200
    assert "Package 2: &#x27;heavy&#x27; is not a weight" in response.content.decode()
    assert _packages(shipment) == []


def test_any_channel_without_a_gross_weight_gets_the_packages_weights_added(
    supplier, supplier_user
):
    purchase_order = confirmed_po(supplier, "PO-1")
    packages = [services.PackageInput(weight_kg=Decimal("4.5")), services.PackageInput()]

    summed = ship(
        supplier,
        supplier_user,
        "ASN-1",
        [(line_of(purchase_order), "5")],
        package_count=2,
        packages=packages,
    )
    given = ship(
        supplier,
        supplier_user,
        "ASN-2",
        [(line_of(purchase_order), "5")],
        package_count=2,
        packages=packages,
        gross_weight_kg=Decimal("10"),
    )

    assert (summed.gross_weight_kg, given.gross_weight_kg) == (Decimal("4.5"), Decimal("10"))
