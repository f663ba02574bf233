"""The streaming scan reads a file a chunk at a time and a set back by its span; whatever
the bytes and wherever the chunks cut them, it finds exactly what `read()` finds: the same
interchanges, groups, sets, segments (with their numbers) and findings, in the same order."""

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.x12 import X12Error, read
from integrations.x12.stream import BytesSource, file_encoding, load_set, scan
from tests.integrations.x12.helpers import FIXTURES, isa, po_set

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SAMPLES = sorted(FIXTURES.glob("*.edi"))
TOKENS = [
    "ISA", "GS", "GE", "ST", "SE", "IEA", "HL", "REF", "*", "~", ">", "^", "|", "\n", "\r",
    "\r\n", " ", "\t", "\ufeff", "0", "1", "2", "0001", "000000001", "U", "00501", "", "é",
    "\x00", "GS*PO*A*B*1*2*7*X*004010~", "ST*850*0001~", "SE*3*0001~", "GE*1*7~",
    "IEA*1*000000001~",
]  # fmt: skip


def _shape(segment):
    if segment is None:
        return None
    return (segment.id, segment.elements, segment.index, segment.position)


def _streamed(data: bytes, chunk_size: int) -> tuple[list, list]:
    """(file findings, [(interchange, {set: loaded})]) through scan() and load_set()."""
    findings, interchanges = [], []
    encoding = file_encoding(data)
    for item in scan(io.BytesIO(data), encoding=encoding, chunk_size=chunk_size):
        if isinstance(item, X12Error):
            findings.append(item)
            continue
        source = BytesSource(data)
        loaded = {id(s.ts): load_set(source, s, item.delimiters, encoding) for s in item.sets}
        interchanges.append((item.interchange, loaded))
    return findings, interchanges


def _as_read(data: bytes, chunk_size: int) -> list:
    findings, interchanges = _streamed(data, chunk_size)
    shapes = [("file", findings)]
    for interchange, loaded in interchanges:
        shapes.append(_interchange_shape(interchange, loaded))
    return shapes


def _interchange_shape(interchange, loaded=None) -> tuple:
    groups = []
    for group in interchange.groups:
        sets = []
        for ts in group.transaction_sets:
            full = loaded[id(ts)].transaction_set() if loaded is not None else ts
            sets.append(
                (
                    _shape(full.header),
                    [_shape(s) for s in full.segments],
                    _shape(full.trailer),
                    full.errors,
                )
            )
        groups.append((_shape(group.header), sets, _shape(group.trailer), group.errors))
    return (
        _shape(interchange.header),
        groups,
        _shape(interchange.trailer),
        interchange.errors,
        interchange.delimiters,
    )


def _read_shapes(data: bytes) -> list:
    result = read(data)
    return [("file", result.errors)] + [_interchange_shape(i) for i in result.interchanges]


def test_the_scan_of_every_sample_file_matches_read_at_any_chunk_size():
    for path in SAMPLES:
        data = path.read_bytes()
        for chunk_size in (1, 5, 64, 1 << 20):
            assert _as_read(data, chunk_size) == _read_shapes(data), (path.name, chunk_size)


def test_a_set_loaded_back_names_its_body_segments_like_read():
    text = isa() + "\nGS*PO*A*B*20240305*1402*7*X*004010~\n" + "~\n".join(po_set()) + "~\n"
    [scanned] = [i for i in scan(io.BytesIO(text.encode())) if not isinstance(i, X12Error)]

    [span] = scanned.sets
    loaded = load_set(BytesSource(text.encode()), span, scanned.delimiters)

    assert (span.sequence, span.body_count, loaded.set_id, loaded.control_number) == (
        1,
        3,
        "850",
        "0001",
    )
    assert [row[0] for row in loaded.rows] == ["BEG", "PO1", "CTT"]
    assert (loaded.segment(1).index, loaded.segment(1).position) == (5, 3)


@FUZZ
@given(
    st.sampled_from(["*", "|", "~", "!"]),
    st.sampled_from(["~", "\n", "\r", "'", "*", " "]),
    st.lists(st.sampled_from(TOKENS), max_size=80),
    st.sampled_from([1, 3, 16, 4096]),
)
def test_the_scan_of_any_tokens_after_an_isa_matches_read(element, terminator, tokens, chunk):
    data = (isa(element=element, terminator=terminator, isa11="^", version="00501")).encode()
    data += "".join(tokens).encode()

    assert _as_read(data, chunk) == _read_shapes(data)


@FUZZ
@given(st.data())
def test_the_scan_of_a_damaged_sample_matches_read(data):
    raw = bytearray(data.draw(st.sampled_from(SAMPLES)).read_bytes())
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
    chunk = data.draw(st.sampled_from([1, 7, 256, 1 << 20]))

    assert _as_read(bytes(raw), chunk) == _read_shapes(bytes(raw))


@FUZZ
@given(st.binary(max_size=300), st.sampled_from([1, 7, 4096]))
def test_the_scan_of_any_bytes_matches_read(data, chunk):
    assert _as_read(data, chunk) == _read_shapes(data)
