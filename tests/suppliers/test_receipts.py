"""Receipts against ASNs: partial, complete, over, short and damaged, across two receipts
of one ASN line, with the receiving exception that follows the variance."""

from decimal import Decimal

import pytest

from integrations.errors import DomainError
from integrations.models import Event, ExceptionCase
from inventory.models import StockMovement, StockPosition
from suppliers.models import PurchaseOrder, ReceiptLine, Shipment
from tests.suppliers.receipts_helpers import receive, submitted_asn

pytestmark = pytest.mark.django_db


@pytest.fixture
def tolerant_supplier(supplier):
    supplier.over_ship_tolerance_pct = Decimal("5")
    supplier.save()
    return supplier


def cases() -> list[tuple]:
    return list(
        ExceptionCase.objects.order_by("id").values_list(
            "subject_key", "status", "expected_qty", "actual_qty", "delta", "detail__variance"
        )
    )


def test_a_partial_receipt_leaves_the_asn_partially_received_without_an_exception(
    tolerant_supplier, supplier_user
):
    asn = submitted_asn(tolerant_supplier, supplier_user)

    receive(asn, "R-1", "60")

    asn.refresh_from_db()
    assert asn.status == Shipment.Status.PARTIALLY_RECEIVED
    assert asn.lines.get().received_qty == Decimal(60)
    assert asn.lines.get().po_line.received_qty == Decimal(60)
    assert cases() == []


def test_two_receipts_that_complete_the_line_close_the_asn_and_receive_the_po(
    tolerant_supplier, supplier_user
):
    asn = submitted_asn(tolerant_supplier, supplier_user)
    receive(asn, "R-1", "60")

    receive(asn, "R-2", "40")

    asn.refresh_from_db()
    assert asn.status == Shipment.Status.RECEIVED
    assert PurchaseOrder.objects.get(number="PO-R1").status == PurchaseOrder.Status.RECEIVED
    assert list(
        StockMovement.objects.order_by("id").values_list("kind", "quantity", "document_ref")
    ) == [("receipt", Decimal(60), "wms:R-1"), ("receipt", Decimal(40), "wms:R-2")]
    assert cases() == []
    assert Event.objects.filter(type="receipt.confirmed").count() == 2


def test_a_short_closing_within_tolerance_across_two_receipts_opens_no_exception(
    tolerant_supplier, supplier_user
):
    asn = submitted_asn(tolerant_supplier, supplier_user)
    receive(asn, "R-1", "60")

    receive(asn, "R-2", "35", closes_asn=True)  # 95 of 100: short 5, tolerance 5

    assert cases() == []
    assert ReceiptLine.objects.get(receipt__reference="R-2").variance == "none"


def test_a_short_closing_outside_tolerance_opens_a_receiving_exception(
    tolerant_supplier, supplier_user
):
    asn = submitted_asn(tolerant_supplier, supplier_user)
    receive(asn, "R-1", "60")

    receive(asn, "R-2", "34", closes_asn=True)  # 94 of 100: short 6

    assert cases() == [
        ("asn_line:ACME:ASN-1:1", "open", Decimal(100), Decimal(94), Decimal(-6), "short")
    ]
    case = ExceptionCase.objects.get()
    assert (case.owner_team, case.supplier_code, case.warehouse_code) == (
        "receiving",
        "ACME",
        "DC1",
    )
    assert ReceiptLine.objects.get(receipt__reference="R-2").variance == "short"


def test_over_receipt_is_measured_across_receipts_and_raised_when_it_passes_tolerance(
    tolerant_supplier, supplier_user
):
    asn = submitted_asn(tolerant_supplier, supplier_user)
    receive(asn, "R-1", "100")  # complete: the ASN is received
    asn.status = Shipment.Status.PARTIALLY_RECEIVED  # the WMS books a late pallet
    asn.save()

    receive(asn, "R-2", "6")

    assert cases() == [
        ("asn_line:ACME:ASN-1:1", "open", Decimal(100), Decimal(106), Decimal(6), "over")
    ]


def test_damaged_goods_above_tolerance_open_an_exception_and_stay_out_of_stock(
    tolerant_supplier, supplier_user
):
    asn = submitted_asn(tolerant_supplier, supplier_user)
    receive(asn, "R-1", "50", damaged="3")

    receive(asn, "R-2", "50", damaged="3")  # 6 damaged of 100: tolerance 5

    assert [row[5] for row in cases()] == ["damaged"]
    assert list(StockMovement.objects.order_by("id").values_list("kind", "quantity")) == [
        ("receipt", Decimal(47)),
        ("damaged", Decimal(3)),
        ("receipt", Decimal(47)),
        ("damaged", Decimal(3)),
    ]
    asn.refresh_from_db()
    assert asn.lines.get().received_qty == Decimal(94)


def test_a_later_receipt_that_brings_the_line_within_tolerance_auto_resolves_its_case(
    tolerant_supplier, supplier_user
):
    asn = submitted_asn(tolerant_supplier, supplier_user)
    receive(asn, "R-1", "80", closes_asn=True)
    assert [row[1] for row in cases()] == ["open"]
    asn.status = Shipment.Status.PARTIALLY_RECEIVED  # reopened: the rest turned up
    asn.save()

    receive(asn, "R-2", "20")

    assert [row[1] for row in cases()] == ["auto_resolved"]


def test_receipts_move_goods_off_in_transit_on_the_stock_position(tolerant_supplier, supplier_user):
    asn = submitted_asn(tolerant_supplier, supplier_user)  # submitting put 100 in transit
    assert StockPosition.objects.get().inbound_in_transit == Decimal(100)

    receive(asn, "R-1", "60", damaged="10")

    assert StockPosition.objects.get().inbound_in_transit == Decimal(40)


def test_the_same_receipt_sent_twice_is_recorded_once(tolerant_supplier, supplier_user):
    asn = submitted_asn(tolerant_supplier, supplier_user)
    first = receive(asn, "R-1", "60")

    again = receive(asn, "R-1", "60")

    assert again.pk == first.pk
    assert StockMovement.objects.count() == 1


@pytest.mark.parametrize(
    ("received", "damaged", "message"),
    [("-1", "0", "zero or more"), ("5", "6", "cannot exceed received")],
)
def test_impossible_quantities_are_refused_with_the_line(
    tolerant_supplier, supplier_user, received, damaged, message
):
    asn = submitted_asn(tolerant_supplier, supplier_user)

    with pytest.raises(DomainError, match=message) as error:
        receive(asn, "R-1", received, damaged=damaged)

    assert error.value.line == 1
    assert StockMovement.objects.count() == 0


def test_a_draft_asn_cannot_be_received(supplier, supplier_user):
    from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship

    draft = ship(
        supplier,
        supplier_user,
        "ASN-D",
        [(line_of(confirmed_po(supplier, "PO-D")), "5")],
        submit=False,
    )

    with pytest.raises(DomainError, match="draft"):
        receive(draft, "R-1", "5")
