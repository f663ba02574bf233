"""The writer pads the ISA, takes our control numbers and computes every trailer."""

import pytest

from integrations.x12 import (
    Delimiters,
    FunctionalGroup,
    Interchange,
    Segment,
    TransactionSet,
    X12SyntaxError,
    read,
    write,
)


def _outbound(*, version: str = "00401", delimiters: Delimiters | None = None, sets=None):
    sets = sets or [
        TransactionSet.create(
            set_id="850",
            control_number="0042",
            segments=[
                Segment.of("BEG", "00", "SA", "4500012345", "", "20240305"),
                Segment.of("REF", "DP", "038", "", ["ZZ", "DEPT 38"]),
                Segment.of("PO1", "1", "120", "EA", "9.25", "PE", "BP", "SKU-1001"),
                Segment.of("CTT", "1"),
            ],
        )
    ]
    return Interchange.create(
        sender_qualifier="ZZ",
        sender_id="DISTRIBUTOR",
        receiver_qualifier="12",
        receiver_id="5551234567",
        date="240305",
        time="1402",
        control_number=17,
        version=version,
        groups=[
            FunctionalGroup.create(
                functional_id="PO",
                sender="DISTRIBUTOR",
                receiver="ACME",
                date="20240305",
                time="1402",
                control_number=17,
                version="004010",
                transaction_sets=sets,
            )
        ],
        delimiters=delimiters,
    )


def test_an_outbound_850_is_rendered_with_padded_isa_and_computed_trailers():
    text = write(_outbound())

    assert text == (
        "ISA*00*          *00*          *ZZ*DISTRIBUTOR    *12*5551234567     *240305*1402*U"
        "*00401*000000017*0*P*>~\n"
        "GS*PO*DISTRIBUTOR*ACME*20240305*1402*17*X*004010~\n"
        "ST*850*0042~\n"
        "BEG*00*SA*4500012345**20240305~\n"
        "REF*DP*038**ZZ>DEPT 38~\n"
        "PO1*1*120*EA*9.25*PE*BP*SKU-1001~\n"
        "CTT*1~\n"
        "SE*6*0042~\n"
        "GE*1*17~\n"
        "IEA*1*000000017~\n"
    )
    assert len(text.split("\n")[0]) == 106


def test_the_rendered_interchange_reads_back_without_findings():
    ic = _outbound(version="00501", delimiters=Delimiters("|", ":", "~", "^", "\r\n"))

    result = read(write(ic))

    assert result.all_errors() == []
    [again] = result.interchanges
    assert again.groups == ic.groups
    assert (again.sender_id, again.receiver_qualifier, again.receiver_id) == (
        "DISTRIBUTOR",
        "12",
        "5551234567",
    )
    assert again.control_number == "000000017"
    assert result.interchanges[0].delimiters == Delimiters("|", ":", "~", "^", "\r\n")


def test_counts_cover_several_sets_and_ignore_stale_trailers():
    sets = [
        TransactionSet.create(
            set_id="850",
            control_number=f"000{n}",
            segments=[Segment.of("BEG", "00", "SA", f"PO-{n}", "", "20240305")] * n,
        )
        for n in (1, 2, 3)
    ]
    sets[0].trailer = Segment.of("SE", "99", "WRONG")

    text = write(_outbound(sets=sets))

    assert "SE*3*0001~" in text and "SE*4*0002~" in text and "SE*5*0003~" in text
    assert "GE*3*17~" in text and "IEA*1*000000017~" in text


def test_isa11_is_the_repetition_separator_from_00402_and_u_before():
    assert "*^*00501*" in write(_outbound(version="00501"))
    assert "*U*00401*" in write(_outbound(version="00401"))


def test_a_delimiter_inside_data_is_refused_with_its_position():
    sets = [
        TransactionSet.create(
            set_id="850", control_number="0001", segments=[Segment.of("N1", "ST", "SMITH*JONES")]
        )
    ]

    with pytest.raises(X12SyntaxError) as caught:
        write(_outbound(sets=sets))

    [error] = caught.value.errors
    assert (error.code, error.segment_id, error.element_position, error.bad_value) == (
        "6",
        "N1",
        2,
        "SMITH*JONES",
    )


def test_an_isa_value_wider_than_its_field_is_refused():
    ic = _outbound()
    ic.header = Segment.of(
        "ISA",
        *[ic.header.value(i) for i in range(1, 6)],
        "A-SENDER-ID-OF-20-CH",
        *[ic.header.value(i) for i in range(7, 17)],
    )

    with pytest.raises(X12SyntaxError) as caught:
        write(ic)

    assert [(e.segment_id, e.element_position) for e in caught.value.errors] == [("ISA", 6)]


def test_a_5010_interchange_needs_a_repetition_separator():
    with pytest.raises(X12SyntaxError):
        write(_outbound(version="00501", delimiters=Delimiters(repetition=None)))


@pytest.mark.parametrize(
    "delimiters",
    [
        Delimiters("*", "*", "~"),
        Delimiters("A", ">", "~"),
        Delimiters("*", ">", " "),
        Delimiters("\n", ">", "~"),
    ],
)
def test_unusable_delimiters_are_refused(delimiters):
    with pytest.raises(X12SyntaxError):
        write(_outbound(delimiters=delimiters))
