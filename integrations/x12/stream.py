"""Reading a partner file of any size with memory that does not grow with it.

`read()` holds a whole file as text and every segment as an object: fine for one
document, not for a day's 846 feed of 15,000 sets. `scan()` reads a binary stream a chunk
at a time and yields each interchange as soon as its envelope is complete, with every
envelope check of `read()` (the same `EnvelopeBuilder`) but without the sets' bodies: for
each set it keeps only where it lies in the file (`SetSpan`). `load_set()` then reads one
set back from the file by that span, so a caller processes the sets of an interchange
whose trailers it has already checked, one batch at a time.

Only the envelope segments (ISA, GS, GE, ST, SE, IEA) are parsed while scanning; the
segments between them are counted (SE01 is checked) and their own checks (segment ids)
run when the set is loaded, giving the findings `read()` gives, in the same order.

Byte offsets are file offsets; text is decoded per piece (UTF-8, else Latin-1, like
`read()`), and NUL is shown as the NUL symbol so it never reaches a database text column.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

from integrations.x12.envelope import EnvelopeBuilder, body_segment_errors, is_segment_id
from integrations.x12.errors import ErrorLevel, InterchangeNoteCode, X12Error
from integrations.x12.model import Delimiters, FunctionalGroup, Interchange, Segment, TransactionSet
from integrations.x12.reader import NUL_SHOWN, _read_isa, _valid_separator

CHUNK_SIZE = 1 << 20
_WS = b" \t\r\n\f\v"
_WS_TEXT = " \t\r\n\f\v"
_BOM = b"\xef\xbb\xbf"
_ENVELOPE_IDS = ("GS", "GE", "ST", "SE", "IEA")
# Enough bytes for an ISA even when its widths are wrong and it is split by separators.
_ISA_WINDOW = 4096
_ids_ok: dict[str, bool] = {}


def file_encoding(data: bytes, decoder: codecs.IncrementalDecoder | None = None) -> str:
    """ "utf-8" when `data` is UTF-8, else "latin-1" (which never fails), as `read()`
    decides for a whole file; feed a file piece by piece through one `decoder`."""
    try:
        (decoder or codecs.getincrementaldecoder("utf-8")()).decode(data, final=decoder is None)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def decode(data: bytes, encoding: str | None = None) -> str:
    """Bytes of a partner file as text in the file's encoding (unknown: UTF-8, else
    Latin-1, which never fails); NUL shown."""
    if encoding is None:
        encoding = file_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.replace("\x00", NUL_SHOWN)


class ByteSource(Protocol):
    """Random access to the bytes of a file already scanned (a set is read back by its span)."""

    def read_at(self, offset: int, length: int) -> bytes: ...


@dataclass
class FileSource:
    """A file on disk, read with pread: the scanner's position in it is not disturbed."""

    stream: BinaryIO

    def read_at(self, offset: int, length: int) -> bytes:
        return os.pread(self.stream.fileno(), length, offset)


@dataclass
class BytesSource:
    data: bytes

    def read_at(self, offset: int, length: int) -> bytes:
        return self.data[offset : offset + length]


@dataclass
class SetSpan:
    """One transaction set as the scan found it: its envelope (ST, SE and their
    findings, no body) and where it lies in the file."""

    ts: TransactionSet
    group: FunctionalGroup
    sequence: int  # 1, 2 … in the interchange, across its groups
    start: int  # offset of the ST
    end: int = 0  # offset after its last segment
    body_count: int = 0  # segments between ST and SE
    errors_before_body: int = 0  # ts.errors[:n] precede the body's own findings


@dataclass
class ScannedInterchange:
    """An interchange whose envelope is complete: groups and sets without bodies."""

    interchange: Interchange
    start: int
    end: int
    sets: list[SetSpan] = field(default_factory=list)
    header_text: str = ""
    encoding: str = "utf-8"

    @property
    def delimiters(self) -> Delimiters:
        return self.interchange.delimiters


class _Window:
    """The part of the stream still needed, from file offset `base` on."""

    def __init__(self, stream: BinaryIO, chunk_size: int, encoding: str | None) -> None:
        self.stream = stream
        self.encoding = encoding
        self.chunk_size = chunk_size
        self.data = b""
        self.base = 0
        self.eof = False

    @property
    def end(self) -> int:
        return self.base + len(self.data)

    def fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.stream.read(self.chunk_size)
        if not chunk:
            self.eof = True
            return False
        self.data += chunk
        return True

    def ensure(self, end: int) -> bool:
        """Make the bytes before offset `end` available; False when the file is shorter."""
        while self.end < end:
            if not self.fill():
                return False
        return True

    def drop(self, before: int) -> None:
        cut = before - self.base
        if cut > 0:
            self.data = self.data[cut:]
            self.base = before

    def get(self, start: int, end: int) -> bytes:
        return self.data[start - self.base : end - self.base]

    def skip_ws(self, pos: int) -> int:
        while True:
            local = pos - self.base
            while local < len(self.data) and self.data[local] in _WS:
                local += 1
            pos = self.base + local
            if local < len(self.data) or not self.fill():
                return pos


def _char_at(window: _Window, pos: int) -> str | None:
    """The character at `pos` (one to four bytes of UTF-8, else one Latin-1 byte)."""
    if not window.ensure(pos + 4) and not window.ensure(pos + 1):
        return None
    raw = window.get(pos, min(pos + 4, window.end))
    if window.encoding == "latin-1":
        return raw[:1].decode("latin-1")
    decoder = codecs.getincrementaldecoder("utf-8")()
    for n in range(1, len(raw) + 1):
        try:
            text = decoder.decode(raw[n - 1 : n])
        except UnicodeDecodeError:
            return raw[:1].decode("latin-1")
        if text:
            return text
    return raw[:1].decode("latin-1")


def _next_isa(window: _Window, start: int) -> int:
    """Offset of the next 'ISA' followed by a plausible element separator, from `start`."""
    pos = start
    while True:
        found = window.data.find(b"ISA", pos - window.base)
        if found < 0:
            keep = max(window.end - 2, pos)
            window.drop(keep)
            if not window.fill():
                return -1
            pos = keep
            continue
        at = window.base + found
        char = _char_at(window, at + 3)
        if char is not None and _valid_separator(char):
            return at
        pos = at + 1


def scan(
    stream: BinaryIO, *, encoding: str | None = None, chunk_size: int = CHUNK_SIZE
) -> Iterator[ScannedInterchange | X12Error]:
    """Every interchange of the file as soon as its envelope is complete, and the findings
    that belong to no interchange (text outside one, an unusable ISA, an empty file), in
    file order — what `read()` would report, without holding the file. `encoding` is the
    whole file's (`file_encoding`); unknown, each piece is decoded on its own."""
    window = _Window(stream, chunk_size, encoding)
    pos = 0
    window.ensure(3)
    while encoding != "latin-1" and window.get(pos, pos + 3) == _BOM:
        pos += 3
        window.ensure(pos + 3)
    pos = window.skip_ws(pos)
    content = window.ensure(pos + 1)
    found_any = False
    while window.ensure(pos + 1):
        window.drop(pos)
        window.ensure(pos + 80)
        if window.get(pos, pos + 3) != b"ISA":
            head = window.get(pos, pos + 80)
            nxt = _next_isa(window, pos + 1)
            cut = head[: nxt - pos] if 0 <= nxt - pos < 80 else head
            snippet = _prefix(cut, encoding)[:20]
            yield X12Error(
                level=ErrorLevel.INTERCHANGE,
                code=InterchangeNoteCode.INVALID_CONTROL_STRUCTURE,
                message=(
                    f"Text outside an interchange ({snippet!r}…): a file must hold "
                    "ISA … IEA interchanges only."
                    if nxt >= 0 or found_any
                    else "No ISA segment found: this is not an X12 interchange."
                ),
            )
            if nxt < 0:
                break
            pos = nxt
            continue
        scanned, pos, fatal = _scan_interchange(window, pos)
        if scanned is not None:
            found_any = True
            yield scanned
        if fatal is not None:
            yield fatal
        pos = window.skip_ws(pos)
    if not content:
        yield X12Error(
            level=ErrorLevel.INTERCHANGE,
            code=InterchangeNoteCode.PREMATURE_END_OF_FILE,
            message="The file is empty.",
        )


def _prefix(data: bytes, encoding: str | None) -> str:
    """The text at the start of `data`, which may end inside a character."""
    if encoding == "latin-1":
        return data.decode("latin-1").replace("\x00", NUL_SHOWN)
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.replace("\x00", NUL_SHOWN)


def _scan_interchange(
    window: _Window, start: int
) -> tuple[ScannedInterchange | None, int, X12Error | None]:
    window.ensure(start + _ISA_WINDOW)
    raw = window.get(start, start + _ISA_WINDOW)
    decoder = codecs.getincrementaldecoder("utf-8")()
    if window.encoding == "latin-1":
        text, encoding = raw.decode("latin-1"), "latin-1"
    else:
        try:
            text = decoder.decode(raw, final=window.eof)
            encoding = "utf-8"
        except UnicodeDecodeError:
            text, encoding = raw.decode("latin-1"), "latin-1"
    clean = text.replace("\x00", NUL_SHOWN)
    isa = _read_isa(clean, 0)
    if isinstance(isa, X12Error):
        nxt = _next_isa(window, start + 1)
        return None, (nxt if nxt >= 0 else window.end), isa
    header = Segment("ISA", tuple((e,) for e in isa.elements), index=1, raw=clean[: isa.end - 1])
    scanner = _InterchangeScanner(
        window=window,
        delimiters=isa.delimiters,
        encoding=encoding,
        builder=EnvelopeBuilder(header=header, delimiters=isa.delimiters, errors=list(isa.errors)),
    )
    end = scanner.run(start + len(text[: isa.end].encode(encoding)))
    return (
        ScannedInterchange(
            interchange=scanner.builder.finish(),
            start=start,
            end=end,
            sets=scanner.spans,
            header_text=header.raw or "",
            encoding=window.encoding or encoding,
        ),
        end,
        None,
    )


def _raw_bytes(char: str, encoding: str) -> bytes:
    """A delimiter as it stands in the file (NUL was shown as the NUL symbol)."""
    return b"\x00" if char == NUL_SHOWN else char.encode(encoding)


class _InterchangeScanner:
    """Walks the segments after one ISA: envelope segments are parsed and fed to the
    builder, the others counted into the open set (or, outside a set, fed one by one)."""

    def __init__(
        self, *, window: _Window, delimiters: Delimiters, encoding: str, builder: EnvelopeBuilder
    ) -> None:
        self.window = window
        self.d = delimiters
        self.encoding = encoding
        self.builder = builder
        self.index = 1
        self.spans: list[SetSpan] = []
        self.open: SetSpan | None = None
        self.element = _raw_bytes(delimiters.element, encoding)
        self.terminator = _raw_bytes(delimiters.segment, encoding)
        # A whitespace terminator: segments are the non-blank runs between terminators
        # (a newline terminator ends a segment at CR or LF alike), as `read()` has it.
        self.blank_mode = delimiters.segment in _WS_TEXT
        ends = rb"[\r\n]" if delimiters.segment in "\r\n" else re.escape(self.terminator)
        self.ends = re.compile(ends)
        self.special = re.compile(ends + rb"[ \t\r\n\f\v]*(GS|GE|ST|SE|IEA|ISA)")

    # -- the walk ------------------------------------------------------------------------

    def run(self, pos: int) -> int:
        window = self.window
        while True:
            pos = window.skip_ws(pos)
            if not window.ensure(pos + 1):
                break
            window.drop(pos)
            if self._isa_at(pos):
                break
            if self._special_at(pos):
                pos = self._feed(pos)
                if self.builder.finished:
                    break
                continue
            pos = self._body(pos)
        self._close_open(pos)
        return pos

    def _isa_at(self, pos: int) -> bool:
        self.window.ensure(pos + 3)
        if self.window.get(pos, pos + 3) != b"ISA":
            return False
        char = _char_at(self.window, pos + 3)
        return char is not None and _valid_separator(char)

    def _special_at(self, pos: int) -> bool:
        window = self.window
        window.ensure(pos + 3 + len(self.element) + len(self.terminator))
        head = window.get(pos, pos + 3)
        for segment_id in _ENVELOPE_IDS:
            raw_id = segment_id.encode()
            if not head.startswith(raw_id):
                continue
            after = pos + len(raw_id)
            rest = window.get(after, after + max(len(self.element), len(self.terminator)))
            if rest.startswith(self.element) or self.ends.match(rest):
                return True
            if after >= window.end:  # the file ends with the id itself
                return True
            if window.eof and not window.get(after, window.end).strip(_WS):
                return True  # the last segment of the file, trailing blanks stripped
        return False

    def _body(self, pos: int) -> int:
        """Consume the segments from `pos` up to the next envelope segment, or up to the
        last complete segment read so far, counting them into the open set; returns where
        the walk goes on."""
        window = self.window
        while True:
            local = self._next_special(pos)
            if local is not None:
                match = self.ends.match(window.data, local)
                end = window.base + (match.end() if match else local + 1)
                self._region(pos, end)
                return end
            last = self._last_terminator_end()
            if last > pos:
                self._region(pos, last)
                return last
            if not window.fill():
                self._region(pos, window.end, final=True)
                return window.end

    def _next_special(self, pos: int) -> int | None:
        """Local offset of the terminator before the next envelope segment after `pos`."""
        window = self.window
        match = self.special.search(window.data, pos - window.base)
        while match is not None:
            at = window.base + match.start(1)
            found = self._isa_at(at) if match.group(1) == b"ISA" else self._special_at(at)
            if found:
                return match.start()
            match = self.special.search(window.data, match.start(1) + 1)
        return None

    def _last_terminator_end(self) -> int:
        data = self.window.data
        if self.d.segment in "\r\n":
            found, width = max(data.rfind(b"\r"), data.rfind(b"\n")), 1
        else:
            found, width = data.rfind(self.terminator), len(self.terminator)
        return self.window.base + found + width if found >= 0 else 0

    def _region(self, start: int, end: int, *, final: bool = False) -> None:
        """Segments in [start, end): counted into the open set, else fed one by one."""
        if end <= start:
            return
        data = self.window.get(start, end)
        if self.builder.current_set is not None:
            count = _count_segments(data, self.terminator, self.blank_mode, self.ends, final)
            self.builder.skip(count)
            if self.open is not None:
                self.open.body_count += count
            self.index += count
            return
        for raw in split_segments(decode(data, self.window.encoding), self.d, final=final):
            self.index += 1
            self.builder.add(_parse(raw, self.d, self.index))

    def _feed(self, pos: int) -> int:
        """Parse the envelope segment at `pos`, feed it and follow the open set."""
        window = self.window
        while True:
            match = self.ends.search(window.data, pos - window.base)
            if match is not None or not window.fill():
                break
        if match is None:
            end = after = window.end
            raw = decode(window.get(pos, end), window.encoding).rstrip(_WS_TEXT)
        else:
            end, after = window.base + match.start(), window.base + match.end()
            raw = decode(window.get(pos, end), window.encoding)
        self.index += 1
        segment = _parse(raw, self.d, self.index)
        before = self.builder.current_set
        self.builder.add(segment)
        current = self.builder.current_set
        if before is not None and current is not before and self.open is not None:
            self.open.end = after if segment.id == "SE" else pos
            self.open = None
        if segment.id == "ST" and current is not None and current is not before:
            group = self.builder.groups[-1] if self.builder.groups else None
            if (
                group is not None
                and group.transaction_sets
                and group.transaction_sets[-1] is current
            ):
                self.open = SetSpan(
                    ts=current,
                    group=group,
                    sequence=len(self.spans) + 1,
                    start=pos,
                    errors_before_body=len(current.errors),
                )
                self.spans.append(self.open)
        return after

    def _close_open(self, pos: int) -> None:
        if self.open is not None:
            self.open.end = pos
            self.open = None


def _count_segments(
    data: bytes, terminator: bytes, blank_mode: bool, ends: re.Pattern[bytes], final: bool
) -> int:
    if blank_mode:
        return sum(1 for piece in ends.split(data) if piece.strip(_WS))
    count = data.count(terminator)
    if final and data.rsplit(terminator, 1)[-1].strip(_WS):
        count += 1  # the file ends inside a segment
    return count


def split_segments(text: str, d: Delimiters, *, final: bool = True) -> list[str]:
    """The segments of `text` as `read()` cuts them: blanks before a segment skipped, a
    whitespace terminator's empty runs skipped, the file's last segment right-stripped."""
    pieces = re.split(r"[\r\n]", text) if d.segment in "\r\n" else text.split(d.segment)
    last = pieces.pop()
    if d.segment in _WS_TEXT:
        raws = [piece.lstrip(_WS_TEXT) for piece in pieces if piece.strip(_WS_TEXT)]
    else:
        raws = [piece.lstrip(_WS_TEXT) for piece in pieces]
    if last.strip(_WS_TEXT) and final:
        raws.append(last.strip(_WS_TEXT))
    return raws


def _parse(raw: str, d: Delimiters, index: int) -> Segment:
    parts = raw.split(d.element)
    elements = tuple(tuple(part.split(d.component)) for part in parts[1:])
    return Segment(parts[0], elements, index=index, raw=raw)


# -- reading a set back ----------------------------------------------------------------


@dataclass
class LoadedSet:
    """A set read back by its span. `rows` are the body segments split into elements
    (composites not split: `rows[n][0]` is the id), cheap enough for a feed of half a
    million lines; `transaction_set()` gives the full `TransactionSet` when a mapper
    wants segments. `errors` are all its findings, envelope and body, in `read()`'s order."""

    span: SetSpan
    delimiters: Delimiters
    rows: list[list[str]]
    raws: list[str]
    errors: list[X12Error]
    # What the set's batch handler prepared ahead (integrations.edi.registry.BatchPreparer).
    prepared: Any = None

    @property
    def set_id(self) -> str:
        return self.span.ts.set_id

    @property
    def control_number(self) -> str:
        return self.span.ts.control_number

    def segment(self, n: int) -> Segment:
        """Body segment `n` (0-based) with its index from the ISA and position from ST."""
        header = self.span.ts.header
        segment = _parse(self.raws[n], self.delimiters, (header.index or 0) + 1 + n)
        return Segment(
            segment.id, segment.elements, index=segment.index, position=n + 2, raw=segment.raw
        )

    def transaction_set(self) -> TransactionSet:
        return TransactionSet(
            header=self.span.ts.header,
            segments=[self.segment(n) for n in range(len(self.raws))],
            trailer=self.span.ts.trailer,
            errors=list(self.errors),
        )


def load_set(
    source: ByteSource, span: SetSpan, delimiters: Delimiters, encoding: str | None = None
) -> LoadedSet:
    """Read `span`'s set back from the file and check its body segments."""
    text = decode(source.read_at(span.start, span.end - span.start), encoding)
    raws = split_segments(text, delimiters)[1 : 1 + span.body_count]
    rows = [raw.split(delimiters.element) for raw in raws]
    body_errors: list[X12Error] = []
    for n, row in enumerate(rows):
        segment_id = row[0]
        ok = _ids_ok.get(segment_id)
        if ok is None:
            ok = is_segment_id(segment_id)
            if len(_ids_ok) < 4096:  # partners use a few dozen ids; junk is not cached
                _ids_ok[segment_id] = ok
        if not ok:
            loaded = LoadedSet(span, delimiters, rows, raws, [])
            body_errors.extend(body_segment_errors(loaded.segment(n)))
    ts_errors = span.ts.errors
    split = span.errors_before_body
    errors = [*ts_errors[:split], *body_errors, *ts_errors[split:]]
    return LoadedSet(span=span, delimiters=delimiters, rows=rows, raws=raws, errors=errors)
