"""A set that was not applied never gets AK5 A, whatever kept it out (a business rule, a
syntax error, a set we do not take, its group's envelope); and `edi_import` counts
applied, rejected and duplicate sets and exits non-zero when one was rejected."""

from io import StringIO

import pytest
from django.core.management import call_command

from integrations.services.edi_intake import edi_file_import
from integrations.x12 import read
from suppliers.models import Acknowledgment, PurchaseOrder
from tests.edi.helpers import ack_855, numbered_file, partner_file
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db


def _answers(record) -> list[tuple[str, str]]:
    """(ST02, AK5 answer) per set in the 997 that answered `record`."""
    [ack] = read(record.acknowledgment.raw).interchanges
    answers, st02 = [], None
    for ts in ack.transaction_sets():
        for segment in ts.segments:
            if segment.id == "AK2":
                st02 = segment.value(2)
            elif segment.id == "AK5":
                answers.append((st02, segment.value(1)))
    return answers


def test_a_set_that_was_not_applied_never_gets_ak5_a(supplier, edi_partner):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-OK", lines=1)
    sets = [
        ack_855("PO-OK", [(1, "IA", "")]),  # applied
        ack_855("PO-NOPE", [(1, "IA", "")]),  # refused by the services: no such PO
        ["850", "BEG*00*SA*X**20240305"],  # a set we do not take inbound
        ack_855("PO-OK", [(1, "IA", "")]),  # the same PO again: a business duplicate
        ack_855("PO-OK", [(1, "IA", "")]),  # a syntax error (SE01 below)
    ]
    st02s = ["0001", "0002", "0003", "0004", "0005"]
    text = numbered_file(sets, control="000000801", st02s=st02s).replace("SE*6*0005", "SE*9*0005")

    [record] = edi_file_import(data=text).interchanges

    rows = {r.control_number: r.status for r in record.transaction_sets.all()}
    assert rows == {"0001": "accepted"} | {n: "rejected" for n in st02s[1:]}
    assert _answers(record) == [("0001", "A")] + [(n, "R") for n in st02s[1:]]
    assert "AK9*P*5*5*1~" in record.acknowledgment.raw
    assert Acknowledgment.objects.count() == 1


def test_the_sets_of_a_group_in_error_are_not_applied_and_get_ak5_r(supplier, edi_partner):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-G", lines=1)

    [record] = edi_file_import(
        data=partner_file([ack_855("PO-G", [(1, "IA", "")])], ge01="2")
    ).interchanges

    assert [r.status for r in record.transaction_sets.all()] == ["rejected"]
    assert _answers(record) == [("50101", "R")]
    assert PurchaseOrder.objects.get(number="PO-G").status == "issued"


def test_a_resend_is_answered_with_what_the_original_applied(supplier, edi_partner):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-RS", lines=1)
    text = numbered_file(
        [ack_855("PO-RS", [(1, "IA", "")]), ack_855("PO-MISSING", [(1, "IA", "")])],
        control="000000811",
        st02s=["0001", "0002"],
    )
    edi_file_import(data=text)

    [resend] = edi_file_import(data=text).interchanges

    assert [r.status for r in resend.transaction_sets.all()] == ["duplicate", "duplicate"]
    assert _answers(resend) == [("0001", "A"), ("0002", "R")]


def test_edi_import_counts_applied_rejected_and_duplicate_sets_and_exits_non_zero(
    supplier, edi_partner, tmp_path
):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-C1", lines=1)
    good = numbered_file([ack_855("PO-C1", [(1, "IA", "")])], control="000000821", st02s=["0001"])
    bad = numbered_file(
        [ack_855("PO-UNKNOWN", [(1, "IA", "")])], control="000000822", st02s=["0001"]
    )
    (tmp_path / "1-good.x12").write_text(good)
    (tmp_path / "2-again.x12").write_text(good)
    (tmp_path / "3-bad.x12").write_text(bad)
    out = StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("edi_import", str(tmp_path), stdout=out, stderr=StringIO())

    assert exit_info.value.code == 1
    assert out.getvalue().splitlines()[-1] == (
        "3 file(s): 1 set(s) applied, 1 rejected, 1 duplicate (resent, applied before); "
        "0 file(s) unreadable."
    )


def test_edi_import_exits_zero_when_a_file_was_only_resent(supplier, edi_partner, tmp_path):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-Z1", lines=1)
    path = tmp_path / "po.x12"
    path.write_text(
        numbered_file([ack_855("PO-Z1", [(1, "IA", "")])], control="000000831", st02s=["0001"])
    )
    call_command("edi_import", str(path), stdout=StringIO(), stderr=StringIO())
    out = StringIO()

    call_command("edi_import", str(path), stdout=out, stderr=StringIO())

    assert "0 set(s) applied, 0 rejected, 1 duplicate" in out.getvalue()
