"""The reader reports, it never raises: any text or bytes gives a ReadResult. And what the
writer renders, the reader reads back to the same content, for any delimiters."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.x12 import (
    Delimiters,
    FunctionalGroup,
    Interchange,
    ReadResult,
    Segment,
    TransactionSet,
    read,
    write,
)
from tests.integrations.x12.helpers import FIXTURES, isa

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TOKENS = [
    "ISA",
    "GS",
    "GE",
    "ST",
    "SE",
    "IEA",
    "HL",
    "REF",
    "*",
    "~",
    ">",
    "^",
    "|",
    "\n",
    "\r",
    "\r\n",
    " ",
    "\t",
    "\ufeff",
    "0",
    "1",
    "2",
    "0001",
    "000000001",
    "U",
    "00501",
    "",
    "é",
    "\x00",
]


@FUZZ
@given(st.text())
def test_reading_any_text_returns_a_result(text):
    assert isinstance(read(text), ReadResult)


@FUZZ
@given(st.binary())
def test_reading_any_bytes_returns_a_result(data):
    assert isinstance(read(data), ReadResult)


@FUZZ
@given(
    st.sampled_from(["*", "|", "~", "!"]),
    st.sampled_from(["~", "\n", "\r", "'", "*"]),
    st.lists(st.sampled_from(TOKENS), max_size=80),
)
def test_reading_a_valid_isa_followed_by_any_tokens_returns_a_result(element, terminator, tokens):
    text = isa(element=element, terminator=terminator, isa11="^", version="00501")

    result = read(text + "".join(tokens))

    assert isinstance(result, ReadResult)
    assert all(e.code for e in result.all_errors())


@FUZZ
@given(st.data())
def test_reading_a_damaged_fixture_returns_a_result(data):
    name = data.draw(st.sampled_from(sorted(p.name for p in FIXTURES.glob("*.edi"))))
    raw = bytearray((FIXTURES / name).read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(raw)))
        action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = data.draw(st.sampled_from(list(b"*~>^|\n\r 0123456789ISAGEST\xef\xbb\xbf\x00")))
        if action == "insert":
            raw.insert(at, byte)
        elif at < len(raw):
            if action == "delete":
                del raw[at]
            else:
                raw[at] = byte

    assert isinstance(read(bytes(raw)), ReadResult)


DELIMITERS = st.sampled_from(
    [
        Delimiters("*", ">", "~", "^", "\n"),
        Delimiters("|", ":", "~", "^", "\r\n"),
        Delimiters("~", ">", "\n", "+", ""),
        Delimiters("*", "<", "\r", "{", "\n"),
    ]
)
VALUE = st.text(alphabet=string.ascii_letters + string.digits + " -.,/#&()@$%'\"", max_size=12)
ELEMENT = st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=4))
SEGMENT_ID = st.from_regex(r"[A-Z][A-Z0-9]{1,2}", fullmatch=True).filter(
    lambda s: s not in {"ISA", "IEA", "GS", "GE", "ST", "SE"}
)
SEGMENT = st.builds(
    lambda sid, els: Segment.of(sid, *els), SEGMENT_ID, st.lists(ELEMENT, max_size=8)
)


@FUZZ
@given(
    DELIMITERS,
    st.lists(st.lists(st.lists(SEGMENT, max_size=6), max_size=3), min_size=1, max_size=3),
)
def test_whatever_the_writer_renders_reads_back_to_the_same_content(delimiters, groups):
    ic = Interchange.create(
        sender_qualifier="ZZ",
        sender_id="ACME",
        receiver_qualifier="ZZ",
        receiver_id="DISTRIBUTOR",
        date="240305",
        time="1402",
        control_number=9,
        version="00501",
        delimiters=delimiters,
        groups=[
            FunctionalGroup.create(
                functional_id="PO",
                sender="ACME",
                receiver="DISTRIBUTOR",
                date="20240305",
                time="1402",
                control_number=g + 1,
                version="005010",
                transaction_sets=[
                    TransactionSet.create(
                        set_id="850", control_number=f"{n + 1:04d}", segments=segments
                    )
                    for n, segments in enumerate(sets)
                ],
            )
            for g, sets in enumerate(groups)
        ],
    )

    result = read(write(ic))

    assert result.all_errors() == []
    assert result.interchanges[0].groups == ic.groups
