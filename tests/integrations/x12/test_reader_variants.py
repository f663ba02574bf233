"""Delimiters and terminators come from each ISA; layout noise (BOM, CR/LF, indentation)
carries no data. Every fixture holds the same 850, so each must read to the same sets."""

import pytest

from integrations.x12 import Delimiters, Segment, read, write
from tests.integrations.x12.helpers import FIXTURES, interchange

BASE = "850_tilde_lf_00401.edi"

# fixture → (element, component, terminator, repetition, line break, ISA12)
VARIANTS = {
    "850_tilde_lf_00401.edi": ("*", ">", "~", None, "\n", "00401"),
    "850_bom_tilde_crlf_00501.edi": ("*", ":", "~", "^", "\r\n", "00501"),
    "850_cr_terminator_00200.edi": ("*", ">", "\r", None, "", "00200"),
    "850_lf_terminator_00302.edi": ("*", ">", "\n", None, "", "00302"),
    "850_crlf_terminator_00400.edi": ("*", ">", "\r", None, "\n", "00400"),
    "850_pipe_separator_00403.edi": ("|", "<", "~", "^", "", "00403"),
    "850_tilde_element_separator_00406.edi": ("~", ">", "\n", "+", "", "00406"),
    "850_indented_00501.edi": ("*", ">", "~", "^", "\n", "00501"),
    "850_bom_no_line_breaks_00401.edi": ("*", ">", "~", None, "", "00401"),
}


def _only(name: str):
    result = read((FIXTURES / name).read_bytes())
    assert result.all_errors() == []
    assert len(result.interchanges) == 1
    return result.interchanges[0]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_variant_reads_its_delimiters_from_the_isa(name):
    element, component, terminator, repetition, line_break, version = VARIANTS[name]

    ic = _only(name)

    assert ic.delimiters == Delimiters(element, component, terminator, repetition, line_break)
    assert ic.version == version
    assert ic.sender_id == "ACME"
    assert ic.receiver_id == "DISTRIBUTOR"


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_variant_reads_to_the_same_transaction_sets(name):
    base = _only(BASE)

    ic = _only(name)

    assert ic.groups[0].transaction_sets == base.groups[0].transaction_sets
    po = ic.groups[0].transaction_sets[0]
    assert [s.id for s in po.segments] == [
        "BEG",
        "REF",
        "DTM",
        "N1",
        "N3",
        "N4",
        "PO1",
        "PID",
        "PO1",
        "PID",
        "CTT",
    ]
    assert po.first("REF").components(4) == ("ZZ", "DEPT 38", "VN", "ACME-7")
    assert po.first("PID").value(5) == "HEX BOLT M8 X 40, ZINC"


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_round_trip_with_the_same_delimiters_gives_the_same_interchange(name):
    ic = _only(name)

    again = read(write(ic))

    assert again.all_errors() == []
    assert again.interchanges == [ic]
    assert again.interchanges[0].delimiters == ic.delimiters


@pytest.mark.parametrize("name", sorted(VARIANTS))
@pytest.mark.parametrize(
    "delimiters",
    [
        Delimiters("|", "^", "~", "{", ""),
        Delimiters("*", ":", "\n", "^", ""),
        Delimiters("~", ">", "\r", "^", "\n"),
    ],
)
def test_round_trip_with_other_delimiters_keeps_the_content(name, delimiters):
    ic = _only(name)
    ic.header = Segment.of(
        *["ISA", *[ic.header.value(i) for i in range(1, 12)]],
        "00501",
        *[ic.header.value(i) for i in range(13, 17)],
    )

    again = read(write(ic, delimiters=delimiters))

    assert again.all_errors() == []
    assert again.interchanges[0].delimiters == delimiters
    assert again.interchanges[0].groups == ic.groups


@pytest.mark.parametrize(
    "name",
    [
        "850_tilde_lf_00401.edi",
        "850_pipe_separator_00403.edi",
        "850_crlf_terminator_00400.edi",
        "850_lf_terminator_00302.edi",
        "850_tilde_element_separator_00406.edi",
    ],
)
def test_writing_back_a_canonical_file_reproduces_it_byte_for_byte(name):
    raw = (FIXTURES / name).read_bytes().decode()

    assert write(_only(name)) == raw


def test_a_bom_is_ignored_whether_bytes_or_text_are_given():
    raw = (FIXTURES / "850_bom_no_line_breaks_00401.edi").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")

    from_bytes = read(raw).interchanges
    from_text = read(raw.decode("utf-8")).interchanges

    assert from_bytes == from_text
    assert from_bytes[0].header.value(1) == "00"


def test_two_interchanges_in_one_file_each_keep_their_own_delimiters():
    result = read((FIXTURES / "two_interchanges.edi").read_bytes())

    assert result.all_errors() == []
    assert [i.control_number for i in result.interchanges] == ["000000201", "000000202"]
    assert [i.delimiters.element for i in result.interchanges] == ["*", "|"]
    assert [i.delimiters.segment for i in result.interchanges] == ["~", "\n"]
    first, second = result.interchanges
    assert first.groups[0].transaction_sets == second.groups[0].transaction_sets
    assert first.raw.startswith("ISA*") and first.raw.rstrip().endswith("IEA*1*000000201~")
    assert second.raw.startswith("ISA|")


def test_segments_know_their_position_in_the_set_and_their_number_in_the_interchange():
    po = _only(BASE).groups[0].transaction_sets[0]

    assert (po.header.position, po.header.index) == (1, 3)
    assert [(s.id, s.position, s.index) for s in po.segments[:2]] == [
        ("BEG", 2, 4),
        ("REF", 3, 5),
    ]
    assert (po.trailer.id, po.trailer.position, po.trailer.index) == ("SE", 13, 15)
    assert po.segments[1].raw == "REF*DP*038**ZZ>DEPT 38>VN>ACME-7"


def test_repetition_separator_in_data_is_not_split_unless_asked():
    text = interchange(
        [
            "GS*SH*ACME*DISTRIBUTOR*20240305*1402*1*X*004060",
            "ST*856*0001",
            "REF*BM*999999-001",
            "SE*3*0001",
            "GE*1*1",
            "IEA*1*000000001",
        ],
        isa11="-",
        version="00406",
    )

    ic = read(text).interchanges[0]
    ref = ic.groups[0].transaction_sets[0].first("REF")

    assert ic.delimiters.repetition == "-"
    assert ref.value(2) == "999999-001"
    assert ref.repetitions(2, ic.delimiters.repetition) == ["999999", "001"]


def test_before_00402_isa11_is_the_standards_identifier_not_a_separator():
    text = interchange(["IEA*0*000000001"], isa11="U", version="00401")

    ic = read(text).interchanges[0]

    assert ic.delimiters.repetition is None
    assert ic.errors == []


def test_a_5010_interchange_that_keeps_u_in_isa11_has_no_repetition_separator():
    text = interchange(["IEA*0*000000001"], isa11="U", version="00501")

    ic = read(text).interchanges[0]

    assert ic.delimiters.repetition is None
    assert ic.errors == []


def test_trailing_empty_elements_and_components_are_not_content():
    text = interchange(
        [
            "GS*PO*ACME*DISTRIBUTOR*20240305*1402*1*X*004010",
            "ST*850*0001",
            "N1*ST*WAREHOUSE**",
            "REF*ZZ*1**A>>",
            "SE*4*0001",
            "GE*1*1",
            "IEA*1*000000001",
        ]
    )

    po = read(text).interchanges[0].groups[0].transaction_sets[0]

    assert po.segments[0] == Segment.of("N1", "ST", "WAREHOUSE")
    assert po.segments[1].elements == (("ZZ",), ("1",), ("",), ("A",))
