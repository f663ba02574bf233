"""ASN services: every validation rule, shipped quantities, PO status, events, cancel."""

import datetime
from decimal import Decimal

import pytest

from integrations.errors import DomainError
from integrations.models import AuditEntry, Event
from inventory.models import UnitOfMeasure
from suppliers import services
from suppliers.models import PurchaseOrder, Shipment
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, UomConversionFactory
from tests.suppliers.factories import SupplierItemFactory
from tests.suppliers.shipping_helpers import confirmed_po, header, line_of, ship, today

pytestmark = pytest.mark.django_db


def asn_events(shipment: Shipment) -> list[str]:
    return list(
        Event.objects.filter(aggregate_type="asn", aggregate_id=shipment.aggregate_id)
        .order_by("sequence")
        .values_list("type", flat=True)
    )


def test_submitting_an_asn_counts_it_as_shipped_and_publishes_asn_submitted(
    supplier, supplier_user
):
    purchase_order = confirmed_po(supplier, "PO-1")
    po_line = line_of(purchase_order)

    shipment = ship(supplier, supplier_user, "ASN-1", [(po_line, "40")])

    po_line.refresh_from_db()
    purchase_order.refresh_from_db()
    assert shipment.status == Shipment.Status.SUBMITTED
    assert po_line.shipped_qty == Decimal("40")
    assert po_line.open_to_ship == Decimal("60")
    assert purchase_order.status == PurchaseOrder.Status.PARTIALLY_SHIPPED
    event = Event.objects.get(type="asn.submitted")
    assert (event.aggregate_type, event.aggregate_id, event.sequence) == ("asn", "ACME:ASN-1", 1)
    assert event.data["lines"][0]["quantity_po_uom"] == "40.000000"
    assert event.data["lines"][0]["po_number"] == "PO-1"
    assert list(
        AuditEntry.objects.filter(object_type="suppliers.shipment").values_list("action", flat=True)
    ) == ["submitted", "created"]


def test_a_draft_reserves_nothing_until_it_is_submitted(supplier, supplier_user):
    po_line = line_of(confirmed_po(supplier, "PO-1"))

    shipment = ship(supplier, supplier_user, "ASN-1", [(po_line, "40")], submit=False)

    po_line.refresh_from_db()
    assert shipment.status == Shipment.Status.DRAFT
    assert po_line.shipped_qty == Decimal("0")
    assert asn_events(shipment) == []


def test_shipping_everything_open_on_two_pos_fills_every_open_line_and_ships_the_pos(
    supplier, supplier_user
):
    po1 = confirmed_po(supplier, "PO-1", lines=[("BOLT-M8", "100", "EA"), ("NUT-M8", "5", "EA")])
    po2 = confirmed_po(supplier, "PO-2", lines=[("WASHER", "30", "EA")])
    ship(supplier, supplier_user, "ASN-0", [(line_of(po1, 1), "60")])

    shipment = services.asn_create_from_purchase_orders(
        actor=supplier_user, supplier=supplier, header=header("ASN-1"), purchase_orders=[po1, po2]
    )
    services.asn_submit(actor=supplier_user, shipment=shipment)

    assert [
        (line.po_line.purchase_order.number, line.po_line.line_no, line.quantity)
        for line in shipment.lines.select_related("po_line__purchase_order")
    ] == [("PO-1", 1, Decimal("40")), ("PO-1", 2, Decimal("5")), ("PO-2", 1, Decimal("30"))]
    po1.refresh_from_db()
    po2.refresh_from_db()
    assert (po1.status, po2.status) == (PurchaseOrder.Status.SHIPPED, PurchaseOrder.Status.SHIPPED)


def test_pos_of_two_warehouses_cannot_go_on_one_asn(supplier, supplier_user):
    po1 = confirmed_po(supplier, "PO-1", warehouse="DC1")
    po2 = confirmed_po(supplier, "PO-2", warehouse="DC2")

    with pytest.raises(DomainError) as error:
        services.asn_create_from_purchase_orders(
            actor=supplier_user,
            supplier=supplier,
            header=header("ASN-1"),
            purchase_orders=[po1, po2],
        )

    assert error.value.field == "purchase_orders"
    assert "different warehouses" in error.value.message


def test_the_tolerance_applies_cumulatively_over_three_asns(supplier, supplier_user):
    supplier.over_ship_tolerance_pct = Decimal("5")
    supplier.save()
    po_line = line_of(confirmed_po(supplier, "PO-1"))
    ship(supplier, supplier_user, "ASN-1", [(po_line, "40")])
    ship(supplier, supplier_user, "ASN-2", [(line_of(po_line.purchase_order), "40")])

    with pytest.raises(DomainError) as error:
        ship(supplier, supplier_user, "ASN-3", [(line_of(po_line.purchase_order), "26")])

    assert error.value.line == "PO-1 line 1"
    assert error.value.field == "quantity"
    assert error.value.message == (
        "PO-1 line 1: shipping 26 EA would bring the total shipped to 106 EA, more than the "
        "105 EA allowed (confirmed 100 EA + 5% over-ship tolerance). Other ASNs already ship "
        "80 EA; at most 25 EA more can ship."
    )
    third = ship(supplier, supplier_user, "ASN-3", [(line_of(po_line.purchase_order), "25")])
    po_line.refresh_from_db()
    assert third.status == Shipment.Status.SUBMITTED
    assert po_line.shipped_qty == Decimal("105")
    assert po_line.open_to_ship == Decimal("0")


def test_a_draft_over_the_tolerance_is_refused_on_submit_after_another_asn_shipped(
    supplier, supplier_user
):
    po_line = line_of(confirmed_po(supplier, "PO-1"))
    draft = ship(supplier, supplier_user, "ASN-1", [(po_line, "70")], submit=False)
    ship(supplier, supplier_user, "ASN-2", [(line_of(po_line.purchase_order), "50")])

    with pytest.raises(DomainError) as error:
        services.asn_submit(actor=supplier_user, shipment=draft)

    assert "at most 50 EA more can ship" in error.value.message
    draft.refresh_from_db()
    assert draft.status == Shipment.Status.DRAFT


@pytest.mark.parametrize("quantity", ["0", "-5"])
def test_zero_and_negative_quantities_are_refused_naming_the_line(
    supplier, supplier_user, quantity
):
    po_line = line_of(confirmed_po(supplier, "PO-1"))

    with pytest.raises(DomainError) as error:
        ship(supplier, supplier_user, "ASN-1", [(po_line, quantity)])

    assert (error.value.line, error.value.field) == ("PO-1 line 1", "quantity")
    assert error.value.message == "PO-1 line 1: the quantity shipped must be greater than zero."


def test_a_line_that_is_not_confirmed_cannot_be_shipped(supplier, supplier_user):
    purchase_order = confirmed_po(supplier, "PO-1")
    purchase_order.status = PurchaseOrder.Status.ISSUED
    purchase_order.save()
    purchase_order.lines.update(confirmed_qty=None)

    with pytest.raises(DomainError) as error:
        ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "1")])

    assert (error.value.line, error.value.field) == ("PO-1 line 1", "po_line")
    assert "only acknowledged (confirmed) lines can be shipped" in error.value.message


def test_another_suppliers_po_line_cannot_be_shipped(supplier, other_supplier, supplier_user):
    theirs = line_of(confirmed_po(other_supplier, "PO-G1"))

    with pytest.raises(DomainError) as error:
        ship(supplier, supplier_user, "ASN-1", [(theirs, "1")])

    assert error.value.message == "PO-G1 line 1 is not one of your purchase orders."


@pytest.fixture
def cases(supplier):
    """BOLT-M8 counted in EA; 1 CS = 12 EA; the supplier sells it in CS."""
    item = ItemFactory(sku="BOLT-M8", base_uom=UnitOfMeasureFactory(code="EA"))
    UomConversionFactory(
        item=item, from_uom=UnitOfMeasureFactory(code="CS"), to_uom=item.base_uom, factor=12
    )
    SupplierItemFactory(supplier=supplier, item=item, uom=UnitOfMeasure.objects.get(code="CS"))
    return UnitOfMeasure.objects.get(code="CS")


def test_a_line_entered_in_the_suppliers_cases_is_converted_exactly_into_the_po_unit(
    supplier, supplier_user, cases
):
    po_line = line_of(confirmed_po(supplier, "PO-1", lines=[("BOLT-M8", "120", "EA")]))

    shipment = ship(supplier, supplier_user, "ASN-1", [(po_line, "3", cases)])

    asn_line = shipment.lines.get()
    po_line.refresh_from_db()
    assert (asn_line.quantity, asn_line.uom.code) == (Decimal("3"), "CS")
    assert asn_line.quantity_po_uom == Decimal("36")
    assert po_line.shipped_qty == Decimal("36")


def test_a_quantity_that_does_not_convert_exactly_is_refused_naming_the_line(
    supplier, supplier_user, cases
):
    ea = UnitOfMeasure.objects.get(code="EA")
    supplier.items.update(uom=ea)  # the supplier sells each; the PO is in cases
    po_line = line_of(confirmed_po(supplier, "PO-1", lines=[("BOLT-M8", "10", "CS")]))

    with pytest.raises(DomainError) as error:
        ship(supplier, supplier_user, "ASN-1", [(po_line, "13", ea)])

    assert (error.value.line, error.value.field) == ("PO-1 line 1", "quantity")
    assert error.value.message.startswith("PO-1 line 1: 13 EA is not a whole number of CS")


def test_a_unit_that_is_neither_the_po_unit_nor_the_suppliers_is_refused(
    supplier, supplier_user, cases
):
    kg = UnitOfMeasureFactory(code="KG", kind=UnitOfMeasure.Kind.MASS, decimal_places=3)
    po_line = line_of(confirmed_po(supplier, "PO-1", lines=[("BOLT-M8", "120", "EA")]))

    with pytest.raises(DomainError) as error:
        ship(supplier, supplier_user, "ASN-1", [(po_line, "3", kg)])

    assert (error.value.field, error.value.message) == (
        "uom",
        "PO-1 line 1: ship in CS or EA, not KG.",
    )


def test_a_serialised_item_needs_exactly_one_serial_number_per_unit(supplier, supplier_user):
    po = confirmed_po(supplier, "PO-1", lines=[("PUMP-1", "3", "EA")])
    po_line = line_of(po)
    po_line.item.is_serialized = True
    po_line.item.save()

    with pytest.raises(DomainError) as error:
        services.asn_create(
            actor=supplier_user,
            supplier=supplier,
            header=header("ASN-1"),
            lines=[
                services.AsnLineInput(
                    po_line=po_line, quantity=Decimal("3"), serial_numbers=("S1", "S2")
                )
            ],
        )
    shipment = services.asn_create(
        actor=supplier_user,
        supplier=supplier,
        header=header("ASN-1"),
        lines=[
            services.AsnLineInput(
                po_line=po_line, quantity=Decimal("3"), serial_numbers=("S1", "S2", "S3")
            )
        ],
    )

    assert (error.value.line, error.value.field) == ("PO-1 line 1", "serial_numbers")
    assert "enter one serial number per EA shipped (3), not 2" in error.value.message
    assert shipment.lines.get().serial_numbers == ["S1", "S2", "S3"]


def test_expected_delivery_before_the_ship_date_is_refused(supplier, supplier_user):
    po_line = line_of(confirmed_po(supplier, "PO-1"))

    with pytest.raises(DomainError) as error:
        ship(supplier, supplier_user, "ASN-1", [(po_line, "1")], ship_in=3, arrive_in=2)

    assert error.value.field == "expected_delivery"
    assert "before the ship date" in error.value.message


def test_asn_numbers_are_unique_per_supplier_only(supplier, other_supplier, supplier_user):
    ship(supplier, supplier_user, "ASN-1", [(line_of(confirmed_po(supplier, "PO-1")), "1")])

    with pytest.raises(DomainError) as error:
        ship(supplier, supplier_user, "ASN-1", [(line_of(confirmed_po(supplier, "PO-2")), "1")])
    theirs = ship(
        other_supplier, None, "ASN-1", [(line_of(confirmed_po(other_supplier, "PO-G1")), "1")]
    )

    assert error.value.field == "asn_number"
    assert theirs.aggregate_id == "GLOBEX:ASN-1"


def test_an_sscc_label_with_a_wrong_check_digit_is_refused(supplier, supplier_user):
    po_line = line_of(confirmed_po(supplier, "PO-1"))
    good = services.PackageInput(sscc="106141411234567897")
    bad = services.PackageInput(sscc="106141411234567890")

    with pytest.raises(DomainError) as error:
        ship(
            supplier,
            supplier_user,
            "ASN-1",
            [(po_line, "1")],
            package_count=2,
            packages=[good, bad],
        )
    shipment = ship(supplier, supplier_user, "ASN-1", [(po_line, "1")], packages=[good])

    assert (error.value.line, error.value.field) == ("package 2", "sscc")
    assert error.value.message == ("SSCC 106141411234567890 has check digit 0; it should be 7.")
    assert list(shipment.packages.values_list("sscc", flat=True)) == ["106141411234567897"]


def test_cancelling_a_submitted_asn_restores_the_open_quantity(supplier, supplier_user):
    purchase_order = confirmed_po(supplier, "PO-1")
    po_line = line_of(purchase_order)
    shipment = ship(supplier, supplier_user, "ASN-1", [(po_line, "100")])
    purchase_order.refresh_from_db()
    assert purchase_order.status == PurchaseOrder.Status.SHIPPED

    services.asn_cancel(actor=supplier_user, shipment=shipment, reason="truck broke down")

    po_line.refresh_from_db()
    purchase_order.refresh_from_db()
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.CANCELLED
    assert (po_line.shipped_qty, po_line.open_to_ship) == (Decimal("0"), Decimal("100"))
    assert purchase_order.status == PurchaseOrder.Status.CONFIRMED
    assert asn_events(shipment) == ["asn.submitted", "asn.cancelled"]
    again = ship(supplier, supplier_user, "ASN-2", [(line_of(purchase_order), "100")])
    assert again.status == Shipment.Status.SUBMITTED


def test_submitting_the_same_draft_twice_makes_one_asn_and_one_event(supplier, supplier_user):
    po_line = line_of(confirmed_po(supplier, "PO-1"))
    draft = ship(supplier, supplier_user, "ASN-1", [(po_line, "60")], submit=False)

    services.asn_submit(actor=supplier_user, shipment=draft)
    services.asn_submit(actor=supplier_user, shipment=draft)

    po_line.refresh_from_db()
    assert Shipment.objects.count() == 1
    assert po_line.shipped_qty == Decimal("60")
    assert asn_events(draft) == ["asn.submitted"]


def test_an_edit_after_submission_is_rechecked_updates_shipped_and_publishes_asn_updated(
    supplier, supplier_user
):
    po_line = line_of(confirmed_po(supplier, "PO-1"))
    shipment = ship(supplier, supplier_user, "ASN-1", [(po_line, "60")])

    with pytest.raises(DomainError):
        services.asn_update(
            actor=supplier_user,
            shipment=shipment,
            header=header("ASN-1"),
            lines=[services.AsnLineInput(po_line=po_line, quantity=Decimal("101"))],
        )
    services.asn_update(
        actor=supplier_user,
        shipment=shipment,
        header=header("ASN-1", arrive_in=5, carrier="DHL"),
        lines=[services.AsnLineInput(po_line=po_line, quantity=Decimal("100"))],
    )

    po_line.refresh_from_db()
    shipment.refresh_from_db()
    assert po_line.shipped_qty == Decimal("100")
    assert (shipment.carrier, shipment.revision) == ("DHL", 2)
    assert shipment.expected_delivery == today() + datetime.timedelta(days=5)
    assert asn_events(shipment) == ["asn.submitted", "asn.updated"]
    updated = Event.objects.get(type="asn.updated")
    assert updated.data["lines"][0]["quantity"] == "100.000000"


def test_a_received_asn_can_be_neither_edited_nor_cancelled(supplier, supplier_user):
    po_line = line_of(confirmed_po(supplier, "PO-1"))
    shipment = ship(supplier, supplier_user, "ASN-1", [(po_line, "10")])
    Shipment.objects.filter(pk=shipment.pk).update(status=Shipment.Status.RECEIVED)

    with pytest.raises(DomainError) as cancel_error:
        services.asn_cancel(actor=supplier_user, shipment=shipment)
    with pytest.raises(DomainError) as edit_error:
        services.asn_update(
            actor=supplier_user,
            shipment=shipment,
            header=header("ASN-1"),
            lines=[services.AsnLineInput(po_line=po_line, quantity=Decimal("5"))],
        )

    assert cancel_error.value.message == (
        "ASN ASN-1 is received; received goods cannot be cancelled."
    )
    assert edit_error.value.message == "ASN ASN-1 is received; it can no longer be edited."


def test_saving_a_submitted_asn_unchanged_publishes_nothing_new(supplier, supplier_user):
    po_line = line_of(confirmed_po(supplier, "PO-1"))
    shipment = ship(supplier, supplier_user, "ASN-1", [(po_line, "60")])

    services.asn_update(
        actor=supplier_user,
        shipment=shipment,
        header=header("ASN-1"),
        lines=[services.AsnLineInput(po_line=po_line, quantity=Decimal("60.0"))],
    )

    shipment.refresh_from_db()
    assert shipment.revision == 1
    assert asn_events(shipment) == ["asn.submitted"]
