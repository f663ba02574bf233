"""An EDI supplier driven end to end with files: our 850 out, their 855 and 856 in with
our 997s back, and their 997 for our 850."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from integrations.models import EdiInterchange, EdiTransactionSet
from integrations.services.dispatch import drain_connector
from integrations.x12 import read
from suppliers import services
from suppliers.edi.folders import edi_inbound_folders_poll
from suppliers.models import PurchaseOrder, Shipment
from tests.edi.helpers import day, partner_file
from tests.inventory.factories import (
    ItemFactory,
    UnitOfMeasureFactory,
    UomConversionFactory,
    WarehouseFactory,
)
from tests.suppliers.factories import SupplierItemFactory

pytestmark = pytest.mark.django_db


def _drop(folder: str, name: str, text: str) -> None:
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / name).write_text(text)


def _outbound(folder: str, prefix: str) -> list[str]:
    return sorted(p.read_text() for p in Path(folder).glob(f"{prefix}-*.x12"))


def test_an_edi_supplier_is_driven_end_to_end_with_files(supplier, edi_partner, edi_connector):
    each, case = UnitOfMeasureFactory(code="EA"), UnitOfMeasureFactory(code="CS")
    item = ItemFactory(sku="BOLT-M8", base_uom=each, description="Hex bolt M8")
    UomConversionFactory(item=item, from_uom=case, to_uom=each, factor=Decimal("12"))
    SupplierItemFactory(supplier=supplier, item=item, supplier_sku="AC-M8", uom=case)
    requested = datetime.date.today() + datetime.timedelta(days=10)
    services.purchase_order_create(
        actor=None,
        number="PO-E2E-1",
        supplier=supplier,
        ship_to=WarehouseFactory(code="DC1", name="Main DC"),
        lines=[
            services.PurchaseOrderLineInput(
                line_no=1,
                item=item,
                ordered_qty=Decimal("48"),
                uom=each,
                unit_price=Decimal("0.25"),
                requested_date=requested,
            )
        ],
    )
    drain_connector(edi_connector.pk)

    # 850 out, with our control numbers and the partner's item number.
    [po_text] = _outbound(edi_partner.outbound_folder, "850")
    [po_interchange] = read(po_text).interchanges
    assert read(po_text).all_errors() == []
    assert (po_interchange.sender_id, po_interchange.receiver_id) == ("DISTRIB", "ACMEEDI")
    [po_set] = po_interchange.transaction_sets()
    assert po_set.first("BEG").elements == (
        ("00",),
        ("SA",),
        ("PO-E2E-1",),
        ("1",),
        (po_set.first("BEG").value(5),),
    )
    assert po_set.first("PO1").elements[:9] == tuple(
        (v,) for v in ("1", "48", "EA", "0.25", "PE", "BP", "BOLT-M8", "VP", "AC-M8")
    )
    group_control = po_interchange.groups[0].control_number

    # 855 in (accept) → PO confirmed, 997 A back.
    _drop(edi_partner.inbound_folder, "855.x12", partner_file(
        [[
            "855", "BAK*00*AD*PO-E2E-1*20240305*1", "PO1*1*48*EA*0.25*PE*VP*AC-M8",
            "ACK*IA*48*EA", "CTT*1",
        ]],
        control="000000201", gs06="21",
    ))  # fmt: skip
    # 856 in: two cartons with SSCCs, 4 cases (CA → CS) against 48 eaches.
    _drop(edi_partner.inbound_folder, "856.x12", partner_file(
        [[
            "856", f"BSN*00*ASN-E2E-1*{day(0)}*1200",
            "HL*1**S", "TD1*CTN*2****G*10.5*KG", "TD5*B*2*UPSN", "REF*CN*1Z999",
            f"DTM*011*{day(0)}", f"DTM*017*{day(3)}",
            "HL*2*1*O", "PRF*PO-E2E-1",
            "HL*3*2*P", "MAN*GM*000123456789012350",
            "HL*4*3*I", "LIN*1*VP*AC-M8", "SN1*1*2*CA", "REF*LT*LOT-7",
            "HL*5*2*P", "MAN*GM*000123456789012367",
            "HL*6*5*I", "LIN*1*VP*AC-M8", "SN1*1*2*CA", "REF*LT*LOT-7",
            "CTT*6",
        ]],
        control="000000202", gs06="22", functional_id="SH",
    ))  # fmt: skip
    # Their 997 for our 850.
    _drop(edi_partner.inbound_folder, "997.x12", partner_file(
        [["997", f"AK1*PO*{group_control}", "AK2*850*0001", "AK5*A", "AK9*A*1*1*1"]],
        control="000000203", gs06="23", functional_id="FA",
    ))  # fmt: skip

    run = edi_inbound_folders_poll()
    drain_connector(edi_connector.pk)

    assert [r.rejected for r in run.reports] == [False, False, False]
    assert sorted(p.name for p in (Path(edi_partner.inbound_folder) / "processed").iterdir()) == [
        "855.x12", "856.x12", "997.x12"
    ]  # fmt: skip
    purchase_order = PurchaseOrder.objects.get(number="PO-E2E-1")
    assert purchase_order.status == PurchaseOrder.Status.SHIPPED
    asn = Shipment.objects.get(asn_number="ASN-E2E-1")
    assert asn.status == Shipment.Status.SUBMITTED
    assert [
        (line.quantity, line.uom.code, line.quantity_po_uom, line.lot) for line in asn.lines.all()
    ] == [
        (Decimal("2"), "CS", Decimal("24"), "LOT-7"),
        (Decimal("2"), "CS", Decimal("24"), "LOT-7"),
    ]
    assert [p.sscc for p in asn.packages.all()] == ["000123456789012350", "000123456789012367"]
    assert (asn.carrier, asn.tracking_number) == ("UPSN", "1Z999")

    # 997s back: one per inbound group except their 997 (never acknowledged).
    acks = [read(text).interchanges[0] for text in _outbound(edi_partner.outbound_folder, "997")]
    answered = sorted(
        (
            ack.groups[0].transaction_sets[0].first("AK1").value(2),
            ack.groups[0].transaction_sets[0].first("AK9").value(1),
        )
        for ack in acks
    )
    assert answered == [("21", "A"), ("22", "A")]
    sent_850 = EdiTransactionSet.objects.get(set_id="850", interchange__direction="outbound")
    assert sent_850.result["partner_ack"] == "A"
    assert EdiInterchange.objects.filter(direction="outbound", status="sent").count() == 3
