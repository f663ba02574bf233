"""Resends are acknowledged again, never processed twice; a partner reaches only its own
supplier's documents."""

import pytest

from integrations.models import Event
from integrations.services.edi_intake import edi_file_import
from suppliers.models import Acknowledgment, PurchaseOrder
from tests.edi.helpers import ack_855, partner_file
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db


def test_a_resent_interchange_is_acknowledged_again_but_not_processed_twice(supplier, edi_partner):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-DUP", lines=1)
    text = partner_file([ack_855("PO-DUP", [(1, "IA", "")])])

    [first] = edi_file_import(data=text).interchanges
    [again] = edi_file_import(data=text).interchanges

    assert (first.status, again.status, again.duplicate_of) == ("accepted", "duplicate", first)
    assert Acknowledgment.objects.count() == 1
    assert again.acknowledgment is not None and again.acknowledgment != first.acknowledgment
    assert "AK9*A*1*1*1~" in again.acknowledgment.raw
    assert Event.objects.filter(type="edi.functional_ack").count() == 2


def test_a_set_whose_st02_came_before_in_another_interchange_is_processed_by_the_services(
    supplier, edi_partner
):
    # ST02 is unique within its group only: a new interchange with the same ST02 is new
    # data; the same acknowledgment again is a business duplicate the service refuses.
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-ST", lines=1)
    edi_file_import(data=partner_file([ack_855("PO-ST", [(1, "IA", "")])], control="000000301"))

    [again] = edi_file_import(
        data=partner_file([ack_855("PO-ST", [(1, "IA", "")])], control="000000302")
    ).interchanges

    [row] = again.transaction_sets.all()
    assert (row.status, row.rejection) == (
        "rejected",
        "status: PO PO-ST was already acknowledged (confirmed).",
    )
    assert again.status == "rejected"
    assert "AK5*R~" in again.acknowledgment.raw
    assert Acknowledgment.objects.count() == 1


def test_an_interchange_from_supplier_a_cannot_touch_supplier_bs_po(
    supplier, other_supplier, edi_partner, other_partner
):
    purchase_order_awaiting_acknowledgment(supplier=other_supplier, number="PO-GLOBEX", lines=1)

    [record] = edi_file_import(
        data=partner_file([ack_855("PO-GLOBEX", [(1, "IR", "")], kind="RJ")])
    ).interchanges

    assert record.partner_code == "acme-edi"
    assert record.transaction_sets.get().rejection == (
        "PO PO-GLOBEX is not one of ACME's purchase orders."
    )
    assert PurchaseOrder.objects.get(number="PO-GLOBEX").status == "issued"
    assert "AK3*BAK*2**8~" in record.acknowledgment.raw


def test_a_file_in_a_partners_folder_with_another_partners_isa_id_is_rejected(
    supplier, other_supplier, edi_partner, other_partner
):
    purchase_order_awaiting_acknowledgment(supplier=other_supplier, number="PO-G2", lines=1)
    text = partner_file(
        [ack_855("PO-G2", [(1, "IA", "")])], sender="GLOBEXEDI", gs_sender="GLOBEXGS"
    )

    [record] = edi_file_import(data=text, partner_code="acme-edi").interchanges

    assert record.status == "rejected"
    assert record.errors[0]["text"] == (
        "ISA05/ISA06 ZZ/GLOBEXEDI is not trading partner acme-edi (ZZ/ACMEEDI)."
    )
    assert PurchaseOrder.objects.get(number="PO-G2").status == "issued"


def test_a_sender_with_no_trading_partner_is_not_processed(supplier):
    [record] = edi_file_import(data=partner_file([ack_855("PO-X", [(1, "IA", "")])])).interchanges

    assert (record.status, record.acknowledgment) == ("rejected", None)
    assert "No trading partner has ISA id ZZ/ACMEEDI" in record.errors[0]["text"]
