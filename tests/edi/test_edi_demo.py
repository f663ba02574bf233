"""The demo's EDI supplier: seeded once however often `seed_demo` runs, and drivable end
to end with files (our 850 out, its 855/856/810 in, our 997s back)."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from integrations.models import Connector, EdiInterchange
from integrations.services.dispatch import drain_connector
from integrations.services.edi_intake import edi_file_import
from integrations.x12 import read
from suppliers.demo.edi import (
    demo_855,
    edi_demo_files_write,
    edi_demo_purchase_order,
    seed_edi_demo,
    sent_850,
)
from suppliers.demo.load import seed_demo
from suppliers.demo.plan import SCALES
from suppliers.models import Invoice, PurchaseOrder, Shipment, Supplier, TradingPartner
from tests.suppliers.factories import SupplierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db, tmp_path):
    seed_demo(scale=SCALES["small"])
    return seed_edi_demo(folder_root=str(tmp_path / "edi"))


def test_seeding_the_edi_demo_twice_leaves_one_partner_and_one_connector(tmp_path):
    SupplierFactory(code="BRP", name="Blue Ridge Packaging")

    first = seed_edi_demo(folder_root=str(tmp_path))
    second = seed_edi_demo(folder_root=str(tmp_path))

    assert first.created == ["trading partner brp", "connector edi-x12"]
    assert second.created == []
    assert (TradingPartner.objects.count(), Connector.objects.count()) == (1, 1)
    partner = TradingPartner.objects.get()
    assert (partner.supplier.code, partner.isa_id, partner.our_isa_id) == (
        "BRP",
        "BRPEDI",
        "DEMODIST",
    )
    assert (partner.inbound_folder, partner.outbound_folder) == (
        f"{tmp_path}/brp/in",
        f"{tmp_path}/brp/out",
    )
    assert (tmp_path / "brp" / "in").is_dir() and (tmp_path / "brp" / "out").is_dir()
    connector = Connector.objects.get()
    assert (connector.kind, connector.event_types) == (
        "edi_x12",
        [
            "edi.functional_ack",
            "purchase_order.received",
            "purchase_order.change_decided",
            "purchase_order.revised",
        ],
    )
    supplier = Supplier.objects.get(code="BRP")
    assert (supplier.edi_isa_qualifier, supplier.edi_isa_id) == ("ZZ", "BRPEDI")


def test_reseeding_keeps_an_operators_changes_to_the_partner(tmp_path):
    SupplierFactory(code="BRP")
    seed_edi_demo(folder_root=str(tmp_path))
    TradingPartner.objects.update(uom_map={"CA": "CS", "BX": "PK"})

    seed_edi_demo(folder_root=str(tmp_path))

    assert TradingPartner.objects.get().uom_map == {"CA": "CS", "BX": "PK"}


def test_seeding_the_edi_demo_without_its_supplier_says_to_seed_the_demo_first(tmp_path):
    with pytest.raises(LookupError, match="Demo supplier BRP does not exist; run seed_demo"):
        seed_edi_demo(folder_root=str(tmp_path))


def test_a_demo_po_goes_out_as_an_850_to_the_partners_outbound_folder(demo):
    purchase_order = edi_demo_purchase_order(partner=demo.partner)

    drain_connector(demo.connector.pk)

    record = sent_850(purchase_order)
    path = Path(demo.partner.outbound_folder) / record.file_name
    [interchange] = read(path.read_text()).interchanges
    assert (interchange.sender_id, interchange.receiver_id) == ("DEMODIST", "BRPEDI")
    [po_set] = interchange.transaction_sets()
    assert po_set.first("BEG").value(3) == purchase_order.number
    assert len(list(po_set.find("PO1"))) == purchase_order.lines.count() == 2


def test_the_generated_855_for_a_demo_po_imports_cleanly(demo):
    purchase_order = edi_demo_purchase_order(partner=demo.partner)

    [record] = edi_file_import(data=demo_855(demo.partner, purchase_order)).interchanges

    assert record.status == "accepted"
    assert [(row.set_id, row.status) for row in record.transaction_sets.all()] == [
        ("855", "accepted")
    ]
    purchase_order.refresh_from_db()
    assert purchase_order.status == PurchaseOrder.Status.CONFIRMED


def test_the_demo_files_drive_a_po_from_855_to_shipped_and_invoiced_with_997s_back(demo):
    purchase_order = edi_demo_purchase_order(partner=demo.partner)
    drain_connector(demo.connector.pk)

    paths = edi_demo_files_write(partner=demo.partner, purchase_order=purchase_order)
    reports = [edi_file_import(data=path.read_bytes(), file_name=path.name) for path in paths]
    drain_connector(demo.connector.pk)

    assert [path.name for path in paths] == [
        f"{purchase_order.number}-1-855.x12",
        f"{purchase_order.number}-2-856.x12",
        f"{purchase_order.number}-3-810.x12",
        f"{purchase_order.number}-4-997.x12",
    ]
    assert [r.rejected for r in reports] == [False, False, False, False]
    purchase_order.refresh_from_db()
    assert purchase_order.status == PurchaseOrder.Status.SHIPPED
    asn = Shipment.objects.get(asn_number=f"ASN-{purchase_order.number}")
    assert (asn.status, asn.lines.count()) == (Shipment.Status.SUBMITTED, 2)
    invoice = Invoice.objects.get(number=f"INV-{purchase_order.number}")
    assert invoice.total_amount == sum(
        line.ordered_qty * line.unit_price for line in purchase_order.lines.all()
    )
    acks = EdiInterchange.objects.filter(direction="outbound", document_kind="997")
    assert sorted(acks.values_list("status", flat=True)) == ["sent", "sent", "sent"]
    written = sorted(p.name for p in Path(demo.partner.outbound_folder).glob("997-*"))
    assert len(written) == 3
    [their_ack] = reports[3].interchanges
    assert [(row.set_id, row.status) for row in their_ack.transaction_sets.all()] == [
        ("997", "accepted")
    ]


def test_the_edi_demo_files_command_issues_a_po_and_edi_import_accepts_the_replies(demo):
    out = StringIO()
    call_command("edi_demo_files", stdout=out)
    purchase_order = PurchaseOrder.objects.get(number="PO-EDI-0001")

    imported = StringIO()
    call_command("edi_import", demo.partner.inbound_folder, "--partner", "brp", stdout=imported)

    lines = out.getvalue().splitlines()
    assert lines[0] == "Issued PO PO-EDI-0001 to BRP Blue Ridge Packaging."
    assert lines[1] == (
        f"850 out: {demo.partner.outbound_folder}/{sent_850(purchase_order).file_name}"
    )
    assert (
        lines[-1]
        == f"Next: python manage.py edi_import {demo.partner.inbound_folder} --partner brp"
    )
    report = imported.getvalue()
    assert "855 0001: accepted" in report
    assert "856 0001: accepted" in report
    assert "810 0001: accepted" in report
    assert report.splitlines()[-1] == (
        "4 file(s): 4 set(s) applied, 0 rejected, 0 duplicate (resent, applied before); "
        "0 file(s) unreadable."
    )
