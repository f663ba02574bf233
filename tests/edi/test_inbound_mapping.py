"""Each inbound set lands in the same services as the portal; business-rule errors become
rejections of that set with the reason."""

import datetime
from decimal import Decimal

import pytest

from integrations.models import Event
from integrations.services.edi_intake import edi_file_import
from integrations.x12 import read
from suppliers.models import Acknowledgment, Invoice, PurchaseOrder, SupplierAvailability
from tests.edi.conftest import confirmed_po
from tests.edi.helpers import ack_855, day, partner_file
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db


def _import(sets, **kwargs):
    [record] = edi_file_import(data=partner_file(sets, **kwargs)).interchanges
    return record


def test_an_855_rejecting_one_line_proposes_that_change_for_the_buyer(supplier, edi_partner):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-855", lines=2)

    record = _import([ack_855("PO-855", [(1, "IA", ""), (2, "R2", "")])])

    [row] = record.transaction_sets.all()
    assert (row.status, row.result["summary"]) == (
        "accepted",
        "PO PO-855: changes proposed on lines 2 (pending buyer review)",
    )
    acknowledgment = Acknowledgment.objects.get(purchase_order__number="PO-855")
    assert (acknowledgment.kind, acknowledgment.channel) == ("change", "edi")
    lines = acknowledgment.lines.order_by("po_line__line_no")
    assert [(line.po_line.line_no, line.action, line.reason_code) for line in lines] == [
        (1, "accept", ""),
        (2, "reject", "discontinued"),
    ]  # fmt: skip
    assert (
        Event.objects.filter(type="purchase_order.change_proposed", source_channel="edi").count()
        == 1
    )


def test_an_855_with_a_quantity_and_date_change_and_schedule_lines(supplier, edi_partner):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-SCH", lines=1)
    body = [
        "855", "BAK*00*AC*PO-SCH*20240305*1", "PO1*1*100*EA*2.5*PE*BP*SKU-PO-SCH-1",
        f"ACK*IQ*80*EA*068*{day(20)}", f"SCH*50*EA***002*{day(16)}", f"SCH*30*EA***002*{day(20)}",
    ]  # fmt: skip

    record = _import([body])

    assert record.transaction_sets.get().rejection == ""
    [line] = Acknowledgment.objects.get().lines.all()
    assert (line.action, line.proposed_qty, line.reason_code) == (
        "change",
        Decimal("80"),
        "capacity",
    )
    assert [(s.quantity, s.date) for s in line.schedule_lines.order_by("sequence")] == [
        (Decimal("50"), datetime.date.today() + datetime.timedelta(days=16)),
        (Decimal("30"), datetime.date.today() + datetime.timedelta(days=20)),
    ]


def test_an_855_rejecting_every_line_rejects_the_po(supplier, edi_partner):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-RJ", lines=1)

    _import([ack_855("PO-RJ", [(1, "IR", "")], kind="RJ")])

    assert PurchaseOrder.objects.get(number="PO-RJ").status == "rejected"


def test_an_855_for_a_stale_revision_is_rejected_with_the_services_reason(supplier, edi_partner):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-REV", lines=1, revision=2)

    record = _import([ack_855("PO-REV", [(1, "IA", "")], revision=1)])

    [row] = record.transaction_sets.all()
    assert row.status == "rejected"
    assert row.rejection == (
        "revision: You answered revision 1, but PO PO-REV is now at revision 2. Reload the PO "
        "and acknowledge the current revision."
    )
    ack = read(record.acknowledgment.raw).interchanges[0]
    assert [s.value(1) for s in next(ack.transaction_sets()).find("AK5")] == ["R"]


def test_an_856_over_the_confirmed_quantity_is_rejected_with_the_reason(supplier, edi_partner):
    confirmed_po(supplier, "PO-OVER", qty="24")
    body = [
        "856", f"BSN*00*ASN-OVER*{day(0)}*1200", "HL*1**S", f"DTM*017*{day(2)}",
        "HL*2*1*O", "PRF*PO-OVER", "HL*3*2*I", "LIN*1*VP*AC-PO-OVER", "SN1*1*3*CA",
    ]  # fmt: skip

    record = _import([body], functional_id="SH")

    [row] = record.transaction_sets.all()
    assert row.status == "rejected"
    assert "PO-OVER line 1" in row.rejection
    assert not PurchaseOrder.objects.get(number="PO-OVER").lines.get().asn_lines.exists()


def test_an_856_in_an_s_p_o_i_layout_maps_the_pack_above_the_order(supplier, edi_partner):
    confirmed_po(supplier, "PO-SPOI", qty="12")
    body = [
        "856", f"BSN*00*ASN-SPOI*{day(0)}*1200", "HL*1**S", f"DTM*017*{day(2)}",
        "HL*2*1*P", "MAN*GM*000123456789012350", "HL*3*2*O", "PRF*PO-SPOI",
        "HL*4*3*I", "LIN**VP*AC-PO-SPOI", "SN1**1*CA", "DTM*036*" + day(300),
    ]  # fmt: skip

    record = _import([body], functional_id="SH")

    assert record.status == "accepted"
    shipment = supplier.shipments.get()
    [line] = shipment.lines.all()
    assert (line.quantity_po_uom, line.expiry_date) == (
        Decimal("12"),
        datetime.date.today() + datetime.timedelta(days=300),
    )
    assert [p.sscc for p in shipment.packages.all()] == ["000123456789012350"]


def test_an_846_posts_availability_converted_into_the_supplier_items_unit(supplier, edi_partner):
    confirmed_po(supplier, "PO-846", cases=True)
    body = [
        "846", "BIA*00*MM*INV1*20240305*0800",
        "LIN**VP*AC-PO-846", "QTY*33*36*EA", f"DTM*018*{day(5)}",
    ]  # fmt: skip

    record = _import([body], functional_id="IB")

    assert record.status == "accepted"
    availability = SupplierAvailability.objects.get()
    assert (availability.qty_available, availability.available_date, availability.channel) == (
        Decimal("3"),
        datetime.date.today() + datetime.timedelta(days=5),
        "edi",
    )


def test_an_810_records_an_invoice_for_buyer_and_supplier(supplier, edi_partner):
    confirmed_po(supplier, "PO-810")
    body = [
        "810", "BIG*20240310*INV-77**PO-810", "CUR*SE*USD",
        "IT1*1*48*EA*0.25**VP*AC-PO-810", "TDS*1200",
    ]  # fmt: skip

    record = _import([body], functional_id="IN")

    assert record.status == "accepted"
    invoice = Invoice.objects.get()
    assert (invoice.number, invoice.total_amount, invoice.purchase_order.number) == (
        "INV-77",
        Decimal("12.00"),
        "PO-810",
    )
    assert [
        (line.quantity, line.uom_code, line.po_line.line_no) for line in invoice.lines.all()
    ] == [(Decimal("48"), "EA", 1)]


def test_an_810_whose_total_disagrees_with_its_lines_is_rejected(supplier, edi_partner):
    confirmed_po(supplier, "PO-810B")
    body = ["810", "BIG*20240310*INV-78**PO-810B", "IT1*1*48*EA*0.25", "TDS*1300"]

    record = _import([body], functional_id="IN")

    assert record.transaction_sets.get().rejection == (
        "total_amount: The invoice total 13.00 does not match its lines (12.00)."
    )
    assert not Invoice.objects.exists()


def test_an_855_with_one_ack_per_delivery_keeps_every_delivery_as_a_schedule_line(
    supplier, edi_partner
):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-SPLIT", lines=1)
    body = [
        "855", "BAK*00*AC*PO-SPLIT*20240305*1", "PO1*1*100*EA*2.5*PE*BP*SKU-PO-SPLIT-1",
        f"ACK*IA*60*EA*068*{day(10)}", f"ACK*IA*40*EA*068*{day(24)}",
    ]  # fmt: skip

    record = _import([body])

    assert record.transaction_sets.get().rejection == ""
    [line] = Acknowledgment.objects.get().lines.all()
    assert (line.action, line.proposed_qty, line.comment) == (
        "change",
        Decimal("100"),
        "Split into 2 deliveries by EDI 855.",
    )
    assert [(s.quantity, s.date) for s in line.schedule_lines.order_by("sequence")] == [
        (Decimal("60"), datetime.date.today() + datetime.timedelta(days=10)),
        (Decimal("40"), datetime.date.today() + datetime.timedelta(days=24)),
    ]
