"""Each envelope error is reported (never raised) on the level a 997/TA1 rejects, with
the X12 code of that level and the segment it concerns."""

from integrations.x12 import (
    ErrorLevel,
    GroupErrorCode,
    InterchangeNoteCode,
    SegmentErrorCode,
    SetErrorCode,
    read,
)
from tests.integrations.x12.helpers import group, interchange, isa, po_set


def _located(error):
    return (
        error.level,
        error.code,
        error.segment_id,
        error.segment_index,
        error.segment_position,
        error.element_position,
    )


def test_a_valid_interchange_has_no_findings():
    result = read(interchange([*group([po_set()]), "IEA*1*000000001"]))

    assert result.all_errors() == []
    assert result.interchanges[0].groups[0].transaction_sets[0].accepted


def test_wrong_se01_rejects_that_set_naming_the_se_segment():
    result = read(interchange([*group([po_set(se01="9")]), "IEA*1*000000001"]))

    ts = result.interchanges[0].groups[0].transaction_sets[0]
    assert [_located(e) for e in result.all_errors()] == [
        (ErrorLevel.SET, SetErrorCode.SEGMENT_COUNT_MISMATCH, "SE", 7, 5, 1)
    ]
    assert ts.errors[0].bad_value == "9"
    assert ts.errors[0].code == "4"


def test_se02_different_from_st02_rejects_that_set():
    result = read(interchange([*group([po_set("0001", se02="0002")]), "IEA*1*000000001"]))

    [error] = result.interchanges[0].groups[0].transaction_sets[0].errors
    assert _located(error) == (ErrorLevel.SET, "3", "SE", 7, 5, 2)
    assert error.bad_value == "0002"


def test_wrong_ge01_is_a_group_error_on_the_ge_segment():
    result = read(interchange([*group([po_set()], ge01="2"), "IEA*1*000000001"]))

    [error] = result.all_errors()
    assert _located(error) == (
        ErrorLevel.GROUP,
        GroupErrorCode.SET_COUNT_MISMATCH,
        "GE",
        8,
        None,
        1,
    )
    assert error.code == "5"
    assert result.interchanges[0].groups[0].errors == [error]


def test_ge02_different_from_gs06_is_a_group_error():
    result = read(interchange([*group([po_set()], gs06="7", ge02="8"), "IEA*1*000000001"]))

    [error] = result.all_errors()
    assert _located(error) == (ErrorLevel.GROUP, "4", "GE", 8, None, 2)


def test_wrong_iea01_is_an_interchange_error():
    result = read(interchange([*group([po_set()]), "IEA*2*000000001"]))

    [error] = result.all_errors()
    assert _located(error) == (ErrorLevel.INTERCHANGE, "021", "IEA", 9, None, 1)
    assert result.interchanges[0].errors == [error]


def test_iea02_different_from_isa13_is_an_interchange_error():
    result = read(interchange([*group([po_set()]), "IEA*1*000000002"]))

    [error] = result.all_errors()
    assert _located(error) == (
        ErrorLevel.INTERCHANGE,
        InterchangeNoteCode.CONTROL_NUMBER_MISMATCH,
        "IEA",
        9,
        None,
        2,
    )
    assert error.code == "001"


def test_a_short_isa_is_rejected_naming_the_element_that_lost_its_padding():
    text = interchange([*group([po_set()]), "IEA*1*000000001"]).replace(
        "ACME           ", "ACME", 1
    )

    result = read(text)

    [error] = result.all_errors()
    assert _located(error) == (ErrorLevel.INTERCHANGE, "006", "ISA", 1, None, 6)
    assert "95 characters" in error.message and "106" in error.message
    # The rest was still read so the operator can see it.
    assert result.interchanges[0].sender_id == "ACME"
    assert result.interchanges[0].groups[0].transaction_sets[0].accepted


def test_an_isa_cut_off_before_its_sixteen_elements_is_reported_without_an_interchange():
    result = read("ISA*00*          *00*    ")

    assert result.interchanges == []
    assert [(e.code, e.segment_id) for e in result.errors] == [("022", "ISA")]


def test_a_missing_iea_is_a_premature_end_of_file():
    result = read(interchange(group([po_set()])))

    [error] = result.all_errors()
    assert (error.level, error.code, error.segment_id) == (ErrorLevel.INTERCHANGE, "023", "IEA")
    assert result.interchanges[0].groups[0].transaction_sets[0].accepted


def test_an_interchange_without_iea_ends_where_the_next_isa_starts():
    first = interchange(group([po_set()]), control="000000001")
    second = interchange(
        [*group([po_set()]), "IEA|1|000000002"], control="000000002", element="|"
    ).replace("*", "|")

    result = read(first + second)

    assert [(i.control_number, [e.code for e in i.errors]) for i in result.interchanges] == [
        ("000000001", ["023"]),
        ("000000002", []),
    ]
    assert result.errors == []


def test_a_segment_between_sets_is_a_group_error_naming_the_segment():
    body = group([po_set("0001"), po_set("0002")])
    body.insert(6, "REF*ZZ*STRAY")

    result = read(interchange([*body, "IEA*1*000000001"]))

    [error] = result.all_errors()
    assert _located(error) == (
        ErrorLevel.SEGMENT,
        SegmentErrorCode.UNEXPECTED_SEGMENT,
        "REF",
        8,
        None,
        None,
    )
    assert error.code == "2"
    assert [s.accepted for s in result.interchanges[0].groups[0].transaction_sets] == [True, True]


def test_a_segment_outside_any_group_is_an_interchange_error():
    result = read(interchange(["REF*ZZ*STRAY", *group([po_set()]), "IEA*1*000000001"]))

    [error] = result.all_errors()
    assert _located(error) == (ErrorLevel.INTERCHANGE, "024", "REF", 2, None, None)


def test_a_set_without_se_is_rejected_and_the_next_set_is_still_read():
    broken = po_set("0001")[:-1]
    result = read(interchange([*group([broken, po_set("0002")]), "IEA*1*000000001"]))

    first, second = result.interchanges[0].groups[0].transaction_sets
    assert [_located(e) for e in first.errors] == [
        (ErrorLevel.SET, SetErrorCode.TRAILER_MISSING, "ST", 3, 1, None)
    ]
    assert "before ST (segment 7)" in first.errors[0].message
    assert second.errors == []
    assert [s.id for s in second.segments] == ["BEG", "PO1", "CTT"]
    assert result.interchanges[0].groups[0].errors == []


def test_a_bad_set_does_not_reject_the_other_sets_of_its_group():
    result = read(
        interchange(
            [*group([po_set("0001"), po_set("0002", se01="4"), po_set("0003")]), "IEA*1*000000001"]
        )
    )

    sets = result.interchanges[0].groups[0].transaction_sets
    assert [(s.control_number, [e.code for e in s.errors]) for s in sets] == [
        ("0001", []),
        ("0002", ["4"]),
        ("0003", []),
    ]


def test_a_group_without_ge_is_closed_by_the_next_gs():
    body = group([po_set()], gs06="1")[:-1] + group([po_set()], gs06="2")

    result = read(interchange([*body, "IEA*2*000000001"]))

    first, second = result.interchanges[0].groups
    assert [_located(e) for e in first.errors] == [
        (ErrorLevel.GROUP, GroupErrorCode.TRAILER_MISSING, "GS", 2, None, None)
    ]
    assert second.errors == []


def test_duplicate_st02_in_a_group_rejects_the_second_set():
    result = read(interchange([*group([po_set("0001"), po_set("0001")]), "IEA*1*000000001"]))

    first, second = result.interchanges[0].groups[0].transaction_sets
    assert first.errors == []
    assert [(e.code, e.segment_id, e.element_position) for e in second.errors] == [("23", "ST", 2)]


def test_an_unrecognized_segment_id_inside_a_set_is_a_segment_error():
    body = group([po_set(se01="6")])
    body.insert(3, "bad segment")

    result = read(interchange([*body, "IEA*1*000000001"]))

    [error] = result.all_errors()
    assert _located(error) == (ErrorLevel.SEGMENT, "1", "bad segment", 5, 3, None)


def test_an_isa13_that_is_not_numeric_is_reported():
    result = read(isa(control="ABC      ") + "IEA*0*ABC      ~")

    assert [(e.code, e.element_position) for e in result.all_errors()] == [("018", 13)]


def test_a_repetition_separator_equal_to_the_component_separator_is_reported():
    result = read(isa(isa11=">", version="00501") + "IEA*0*000000001~")

    assert [(e.code, e.element_position) for e in result.all_errors()] == [("016", 11)]


def test_isa11_other_than_u_before_00402_is_reported():
    result = read(isa(isa11="^", version="00401") + "IEA*0*000000001~")

    assert [(e.code, e.element_position) for e in result.all_errors()] == [("016", 11)]


def test_text_that_is_not_x12_is_reported_not_raised():
    result = read("hello, this is not EDI")

    assert result.interchanges == []
    assert [(e.level, e.code) for e in result.errors] == [(ErrorLevel.INTERCHANGE, "022")]
    assert "No ISA segment" in result.errors[0].message


def test_an_empty_file_is_reported():
    assert [e.code for e in read(b"").errors] == ["023"]
