"""Every envelope error is answered with a 997 (and a TA1 for the interchange level) that
rejects, naming the segment: AK3 for a set's segments, AK9 codes for GS/GE, TA1 notes for
ISA/IEA; the interchange record keeps the finding in words with the segment id."""

import pytest

from integrations.services.edi_intake import edi_file_import
from integrations.x12 import read
from tests.edi.helpers import ack_855, partner_file
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db


@pytest.fixture
def po(supplier, edi_partner):
    return purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-ENV", lines=1)


def _answer(text: str):
    [record] = edi_file_import(data=text, file_name="t.x12").interchanges
    [ack] = read(record.acknowledgment.raw).interchanges
    assert ack.all_errors() == []
    segments = [s for ts in ack.transaction_sets() for s in ts.segments]
    return record, ack, segments


def _ids(segments, segment_id):
    return [tuple(e[0] for e in s.elements) for s in segments if s.id == segment_id]


def _file(**kwargs):
    return partner_file([ack_855("PO-ENV", [(1, "IA", "")])], **kwargs)


def test_a_clean_interchange_is_accepted_with_ak5_a_and_ak9_a(po):
    record, _, segments = _answer(_file())

    assert record.status == "accepted"
    assert _ids(segments, "AK5") == [("A",)]
    assert _ids(segments, "AK9") == [("A", "1", "1", "1")]


def test_a_wrong_se01_rejects_the_set_with_ak3_naming_the_se_segment(po):
    text = _file().replace("SE*6*50101", "SE*9*50101")

    record, _, segments = _answer(text)

    assert record.status == "rejected"
    assert _ids(segments, "AK3") == [("SE", "6", "", "8")]
    assert _ids(segments, "AK4") == [("1", "", "7", "9")]
    assert _ids(segments, "AK5") == [("R", "4")]
    assert _ids(segments, "AK9") == [("R", "1", "1", "0")]
    assert po.lines.first().confirmed_qty is None


def test_an_se02_different_from_st02_rejects_the_set_naming_se(po):
    record, _, segments = _answer(_file().replace("SE*6*50101", "SE*6*99999"))

    assert _ids(segments, "AK3")[0][0] == "SE"
    assert _ids(segments, "AK5") == [("R", "3")]
    assert "SE02" in record.transaction_sets.get().rejection


def test_an_unrecognised_segment_in_a_set_is_named_in_ak3(po):
    text = _file().replace("CTT*1~", "CTT*1~\nZZ!*1~").replace("SE*6*", "SE*7*")

    _, _, segments = _answer(text)

    assert _ids(segments, "AK3") == [("ZZ!", "6", "", "1")]
    assert _ids(segments, "AK5") == [("R", "5")]


def test_a_wrong_ge01_rejects_the_group_with_ak9_code_5(po):
    record, _, segments = _answer(_file(ge01="3"))

    assert _ids(segments, "AK9") == [("R", "1", "1", "0", "5")]
    assert _ids(segments, "AK5") == [("R",)]
    assert [e["segment_id"] for e in record.errors] == ["GE"]


def test_a_ge02_different_from_gs06_rejects_the_group_with_ak9_code_4(po):
    text = _file().replace("GE*1*501", "GE*1*777")

    record, _, segments = _answer(text)

    assert _ids(segments, "AK9") == [("R", "1", "1", "0", "4")]
    assert "GE02" in record.errors[0]["text"]


def test_a_version_the_partner_may_not_send_rejects_the_group_naming_gs08(po):
    record, _, segments = _answer(_file(version="003020"))

    assert _ids(segments, "AK9") == [("R", "1", "1", "0", "2")]
    assert record.errors[-1]["segment_id"] == "GS"
    assert "GS08 version 003020" in record.errors[-1]["text"]


@pytest.mark.parametrize(
    ("iea", "note", "named"),
    [
        ("IEA*2*000000101~", "021", "IEA01"),
        ("IEA*1*000000999~", "001", "IEA02"),
        ("", "023", "no IEA"),
    ],
)
def test_an_interchange_error_is_a_ta1_rejection_and_every_group_is_rejected(po, iea, note, named):
    text = _file(iea=iea or " ")

    record, _, segments = _answer(text)

    assert record.status == "rejected"
    assert named in " ".join(e["text"] for e in record.errors)
    ta1 = read(record.acknowledgment.raw)
    raw_lines = record.acknowledgment.raw.splitlines()
    assert raw_lines[1] == f"TA1*000000101*240305*1402*R*{note}~"
    assert _ids(segments, "AK9") == [("R", "1", "1", "0")]
    assert ta1.interchanges[0].groups[0].functional_id == "FA"
    po.refresh_from_db()
    assert po.status == "issued"


def test_a_file_that_is_not_x12_is_recorded_as_unreadable_without_a_997(edi_partner):
    report = edi_file_import(data="hello, this is not EDI", file_name="junk.txt")

    [record] = report.interchanges
    assert (record.status, record.acknowledgment) == ("unreadable", None)
    assert report.rejected
