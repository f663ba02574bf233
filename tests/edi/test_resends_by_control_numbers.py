"""Duplicates by the standard's keys: an interchange is a resend when its sender sent the
same ISA13 within the retention window (acknowledged again, applied once); a set's ST02
only has to be unique in its group, so partners that restart at 0001 in every interchange
have every set applied."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from integrations.models import EdiInterchange
from integrations.models.edi import EdiFile
from integrations.services.edi_intake import edi_file_import
from integrations.services.retention import retention_purge
from suppliers.demo.edi import seed_edi_demo
from suppliers.demo.load import seed_demo
from suppliers.demo.plan import SCALES
from suppliers.models import Acknowledgment, PurchaseOrder
from tests.edi.helpers import ack_855, numbered_file, partner_file
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db


def _ack(number: str) -> list[str]:
    return ack_855(number, [(1, "IA", "")])


def test_two_interchanges_from_one_partner_both_with_st02_0001_are_both_applied(
    supplier, edi_partner
):
    for number in ("PO-A1", "PO-A2"):
        purchase_order_awaiting_acknowledgment(supplier=supplier, number=number, lines=1)

    [first] = edi_file_import(
        data=numbered_file([_ack("PO-A1")], control="000000701", st02s=["0001"])
    ).interchanges
    [second] = edi_file_import(
        data=numbered_file([_ack("PO-A2")], control="000000702", st02s=["0001"])
    ).interchanges

    assert [(i.status, i.duplicate_of) for i in (first, second)] == [
        ("accepted", None),
        ("accepted", None),
    ]
    assert [r.status for i in (first, second) for r in i.transaction_sets.all()] == [
        "accepted",
        "accepted",
    ]
    assert set(PurchaseOrder.objects.values_list("number", "status")) == {
        ("PO-A1", "confirmed"),
        ("PO-A2", "confirmed"),
    }
    assert "AK2*855*0001~\nAK5*A~" in second.acknowledgment.raw


def test_the_same_isa13_sent_again_is_acknowledged_as_a_duplicate_and_applied_once(
    supplier, edi_partner
):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-R1", lines=1)
    text = numbered_file([_ack("PO-R1")], control="000000711", st02s=["0001"])

    first = edi_file_import(data=text)
    again = edi_file_import(data=text)

    [original], [resend] = first.interchanges, again.interchanges
    assert (resend.status, resend.duplicate_of) == ("duplicate", original)
    assert [r.status for r in resend.transaction_sets.all()] == ["duplicate"]
    assert Acknowledgment.objects.count() == 1
    assert (again.applied, again.refused, again.duplicates, again.rejected) == (0, 0, 1, False)
    ack = resend.acknowledgment.raw.splitlines()
    assert ack[1].startswith("TA1*000000711*") and ack[1].endswith("*E*025~")
    assert "AK5*A~" in ack and "AK9*A*1*1*1~" in ack


def test_the_same_isa13_from_another_partner_is_not_a_resend(
    supplier, other_supplier, edi_partner, other_partner
):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-S1", lines=1)
    purchase_order_awaiting_acknowledgment(supplier=other_supplier, number="PO-S2", lines=1)
    edi_file_import(data=partner_file([_ack("PO-S1")], control="000000721"))

    [theirs] = edi_file_import(
        data=partner_file(
            [_ack("PO-S2")], control="000000721", sender="GLOBEXEDI", gs_sender="GLOBEXGS"
        )
    ).interchanges

    assert theirs.status == "accepted"
    assert PurchaseOrder.objects.get(number="PO-S2").status == "confirmed"


@override_settings(EDI_DUPLICATE_WINDOW_DAYS=30)
def test_an_isa13_seen_before_the_retention_window_is_processed_again(supplier, edi_partner):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-W1", lines=1)
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-W2", lines=1)
    [old] = edi_file_import(data=partner_file([_ack("PO-W1")], control="000000731")).interchanges
    EdiInterchange.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=31)
    )

    [new] = edi_file_import(data=partner_file([_ack("PO-W2")], control="000000731")).interchanges

    assert (new.status, new.duplicate_of) == ("accepted", None)
    assert PurchaseOrder.objects.get(number="PO-W2").status == "confirmed"


def test_an_interchange_rejected_at_its_envelope_may_be_sent_again_with_the_same_isa13(
    supplier, edi_partner
):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-E1", lines=1)
    [broken] = edi_file_import(
        data=partner_file([_ack("PO-E1")], control="000000741", iea="IEA*2*000000741~")
    ).interchanges

    [fixed] = edi_file_import(data=partner_file([_ack("PO-E1")], control="000000741")).interchanges

    assert (broken.status, fixed.status, fixed.duplicate_of) == ("rejected", "accepted", None)
    assert PurchaseOrder.objects.get(number="PO-E1").status == "confirmed"


def test_running_the_demo_files_twice_then_importing_the_second_855_applies_it(tmp_path):
    seed_demo(scale=SCALES["small"])
    demo = seed_edi_demo(folder_root=str(tmp_path / "edi"))
    call_command("edi_demo_files", stdout=StringIO())
    call_command("edi_demo_files", stdout=StringIO())
    second = PurchaseOrder.objects.get(number="PO-EDI-0002")
    path = Path(demo.partner.inbound_folder) / "PO-EDI-0002-1-855.x12"
    out = StringIO()

    call_command("edi_import", str(path), "--partner", "brp", stdout=out)

    second.refresh_from_db()
    assert second.status == PurchaseOrder.Status.CONFIRMED
    assert "855 0001: accepted" in out.getvalue()
    assert out.getvalue().splitlines()[-1] == (
        "1 file(s): 1 set(s) applied, 0 rejected, 0 duplicate (resent, applied before); "
        "0 file(s) unreadable."
    )


def test_edi_traffic_older_than_the_window_is_purged_and_its_isa13_may_come_again(
    supplier, edi_partner
):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-P1", lines=1)
    [old] = edi_file_import(data=partner_file([_ack("PO-P1")], control="000000751")).interchanges
    EdiInterchange.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=400)
    )
    EdiFile.objects.filter(pk=old.file_id).update(
        received_at=timezone.now() - datetime.timedelta(days=400)
    )

    purged = retention_purge(actor=None)

    assert (purged["edi_interchanges"], purged["edi_files"]) == (1, 1)
    assert not EdiInterchange.objects.filter(pk=old.pk).exists()
    assert EdiInterchange.objects.filter(direction="outbound").count() == 1
