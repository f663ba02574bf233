"""Read X12 text into Interchange → FunctionalGroup → TransactionSet → Segment.

`read()` never raises on bad input. A partner file is acknowledged set by set, so a
broken envelope or segment becomes an `X12Error` on the interchange, group or set it
concerns and reading goes on wherever the envelope still makes sense (a set without SE
ends at the next ST, a group without GE at the next GS or IEA, an interchange without
IEA at the next ISA). The delimiters come from each ISA, which is fixed width:
element separator at position 3, ISA16 the component separator, the character after it
the segment terminator. Real files add a UTF-8 BOM, CR/LF after each terminator, newline
terminators and indentation; all of that is tolerated because it carries no data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from integrations.x12.envelope import EnvelopeBuilder, isa_errors
from integrations.x12.errors import ErrorLevel, InterchangeNoteCode, X12Error
from integrations.x12.model import (
    ISA_LENGTH,
    ISA_WIDTHS,
    Delimiters,
    Element,
    Interchange,
    ReadResult,
    Segment,
    uses_repetition_separator,
)

_NEWLINE = re.compile(r"[\r\n]")
_WHITESPACE = " \t\r\n\f\v"
# NUL is no X12 character, and PostgreSQL text refuses it: shown as the NUL symbol, so
# the finding, the stored text and the viewer all say where it was.
NUL_SHOWN = "\u2400"

# Where the 16 element separators sit in a well-formed ISA.
_ISA_SEPARATOR_OFFSETS: tuple[int, ...] = tuple(
    3 + sum(ISA_WIDTHS[:i]) + i for i in range(len(ISA_WIDTHS))
)


def read(data: str | bytes) -> ReadResult:
    """Parse every interchange in `data`; the result carries all findings."""
    text = _decode(data)
    result = ReadResult()
    pos = _skip_whitespace(text, 0)
    while pos < len(text):
        if not text.startswith("ISA", pos):
            nxt = _find_next_isa(text, pos)
            snippet = text[pos : min(pos + 20, nxt if nxt >= 0 else len(text))]
            result.errors.append(
                X12Error(
                    level=ErrorLevel.INTERCHANGE,
                    code=InterchangeNoteCode.INVALID_CONTROL_STRUCTURE,
                    message=(
                        f"Text outside an interchange ({snippet!r}…): a file must hold "
                        "ISA … IEA interchanges only."
                        if nxt >= 0 or result.interchanges
                        else "No ISA segment found: this is not an X12 interchange."
                    ),
                )
            )
            if nxt < 0:
                break
            pos = nxt
            continue
        interchange, pos, fatal = _read_interchange(text, pos)
        if interchange is not None:
            result.interchanges.append(interchange)
        if fatal is not None:
            result.errors.append(fatal)
        pos = _skip_whitespace(text, pos)
    if not text.strip(_WHITESPACE):
        result.errors.append(
            X12Error(
                level=ErrorLevel.INTERCHANGE,
                code=InterchangeNoteCode.PREMATURE_END_OF_FILE,
                message="The file is empty.",
            )
        )
    return result


def _decode(data: str | bytes) -> str:
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # X12 is ASCII plus an extended set; latin-1 never fails and keeps every
            # byte visible in the viewer instead of rejecting the file unread.
            text = data.decode("latin-1")
    else:
        text = data
    return text.lstrip("\ufeff").replace("\x00", NUL_SHOWN)


def _skip_whitespace(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _find_next_isa(text: str, pos: int) -> int:
    """Next 'ISA' followed by a plausible element separator, after `pos`."""
    start = pos + 1
    while True:
        found = text.find("ISA", start)
        if found < 0 or (found + 3 < len(text) and _valid_separator(text[found + 3])):
            return found
        start = found + 1


def _valid_separator(char: str) -> bool:
    return not char.isalnum() and char not in _WHITESPACE


@dataclass
class _Isa:
    elements: list[str]
    delimiters: Delimiters
    end: int  # index just after the terminator
    errors: list[X12Error] = field(default_factory=list)


def _isa_error(
    code: str, message: str, element: int | None = None, bad: str | None = None
) -> X12Error:
    return X12Error(
        level=ErrorLevel.INTERCHANGE,
        code=code,
        message=message,
        segment_id="ISA",
        segment_index=1,
        element_position=element,
        bad_value=bad,
    )


def _read_isa(text: str, pos: int) -> _Isa | X12Error:
    """Split the ISA by its fixed widths; fall back to separators when the widths are
    wrong (reported, so the interchange is rejected but can still be shown)."""
    if pos + 4 > len(text):
        return _isa_error(InterchangeNoteCode.PREMATURE_END_OF_FILE, "The ISA segment is cut off.")
    sep = text[pos + 3]
    if not _valid_separator(sep):
        return _isa_error(
            InterchangeNoteCode.INVALID_ELEMENT_SEPARATOR,
            f"ISA position 4 must be the element separator; {sep!r} cannot be one.",
            bad=sep,
        )
    errors: list[X12Error] = []
    if pos + ISA_LENGTH <= len(text) and all(
        text[pos + offset] == sep for offset in _ISA_SEPARATOR_OFFSETS
    ):
        elements = [
            text[pos + offset + 1 : pos + offset + 1 + width]
            for offset, width in zip(_ISA_SEPARATOR_OFFSETS, ISA_WIDTHS, strict=True)
        ]
        terminator_at = pos + ISA_LENGTH - 1
    else:
        elements = []
        cursor = pos + 3
        for _ in ISA_WIDTHS[:-1]:
            nxt = text.find(sep, cursor + 1)
            if nxt < 0:
                return _isa_error(
                    InterchangeNoteCode.INVALID_CONTROL_STRUCTURE,
                    "The ISA segment has fewer than 16 elements; it must be exactly "
                    f"{ISA_LENGTH} characters with fixed-width elements.",
                )
            elements.append(text[cursor + 1 : nxt])
            cursor = nxt
        elements.append(text[cursor + 1 : cursor + 2])
        terminator_at = cursor + 2
        length = terminator_at - pos + 1
        wrong = next(
            (i for i, (e, w) in enumerate(zip(elements, ISA_WIDTHS, strict=True)) if len(e) != w),
            None,
        )
        number = (wrong or 0) + 1
        errors.append(
            _isa_error(
                _WIDTH_CODES[wrong]
                if wrong is not None
                else InterchangeNoteCode.INVALID_CONTROL_STRUCTURE,
                f"The ISA segment is {length} characters; it must be exactly {ISA_LENGTH} "
                f"with fixed-width elements (ISA{number:02d} is "
                f"{len(elements[number - 1])} characters, it must be {ISA_WIDTHS[number - 1]}, "
                "padded with spaces or zeros).",
                element=number,
                bad=elements[number - 1],
            )
        )
    if terminator_at >= len(text):
        return _isa_error(
            InterchangeNoteCode.INVALID_SEGMENT_TERMINATOR,
            "The ISA segment has no segment terminator after ISA16.",
            element=16,
        )
    terminator = text[terminator_at]
    component = elements[15]
    end = terminator_at + 1
    # What follows the terminator is kept only so the writer can answer in kind.
    line_break = ""
    if terminator == "\r":
        line_break = "\n" if text.startswith("\n", end) else ""
    elif terminator != "\n":
        for candidate in ("\r\n", "\n", "\r"):
            if text.startswith(candidate, end):
                line_break = candidate
                break
    version = elements[11]
    repetition = elements[10] if uses_repetition_separator(version) else None
    if repetition is not None and (repetition.isalnum() or repetition.isspace()):
        repetition = None
    delimiters = Delimiters(
        element=sep,
        component=component,
        segment=terminator,
        repetition=repetition,
        line_break=line_break,
    )
    errors.extend(isa_errors(elements, delimiters))
    return _Isa(elements=elements, delimiters=delimiters, end=end, errors=errors)


_WIDTH_CODES: tuple[str, ...] = (
    InterchangeNoteCode.INVALID_AUTHORIZATION_QUALIFIER,
    InterchangeNoteCode.INVALID_AUTHORIZATION_VALUE,
    InterchangeNoteCode.INVALID_SECURITY_QUALIFIER,
    InterchangeNoteCode.INVALID_SECURITY_VALUE,
    InterchangeNoteCode.INVALID_SENDER_QUALIFIER,
    InterchangeNoteCode.INVALID_SENDER_ID,
    InterchangeNoteCode.INVALID_RECEIVER_QUALIFIER,
    InterchangeNoteCode.INVALID_RECEIVER_ID,
    InterchangeNoteCode.INVALID_DATE,
    InterchangeNoteCode.INVALID_TIME,
    InterchangeNoteCode.INVALID_STANDARDS_IDENTIFIER,
    InterchangeNoteCode.INVALID_VERSION,
    InterchangeNoteCode.INVALID_CONTROL_NUMBER,
    InterchangeNoteCode.INVALID_ACK_REQUESTED,
    InterchangeNoteCode.INVALID_TEST_INDICATOR,
    InterchangeNoteCode.INVALID_COMPONENT_SEPARATOR,
)


def _read_interchange(text: str, start: int) -> tuple[Interchange | None, int, X12Error | None]:
    """Read one interchange from the ISA at `start`. Returns it (None when even the ISA
    is unusable, with the fatal finding) and where the next one may begin."""
    isa = _read_isa(text, start)
    if isinstance(isa, X12Error):
        nxt = _find_next_isa(text, start)
        return None, (nxt if nxt >= 0 else len(text)), isa
    delimiters = isa.delimiters
    header = Segment(
        "ISA",
        tuple((e,) for e in isa.elements),
        index=1,
        raw=text[start : isa.end - 1],
    )
    builder = EnvelopeBuilder(header=header, delimiters=delimiters, errors=list(isa.errors))
    pos = isa.end
    index = 1
    while True:
        pos = _skip_whitespace(text, pos)
        if pos >= len(text):
            break
        if text.startswith("ISA", pos) and pos + 3 < len(text) and _valid_separator(text[pos + 3]):
            break  # the next interchange starts before this one's IEA
        end = _segment_end(text, pos, delimiters.segment)
        raw = text[pos:end] if end < len(text) else text[pos:end].rstrip(_WHITESPACE)
        pos = end + 1
        index += 1
        segment = _parse_segment(raw, delimiters, index)
        builder.add(segment)
        if builder.finished:
            break
    interchange = builder.finish()
    interchange.raw = text[start:pos] if pos <= len(text) else text[start:]
    return interchange, pos, None


def _segment_end(text: str, pos: int, terminator: str) -> int:
    if terminator in "\r\n":
        match = _NEWLINE.search(text, pos)
        return match.start() if match else len(text)
    found = text.find(terminator, pos)
    return found if found >= 0 else len(text)


def _parse_segment(raw: str, delimiters: Delimiters, index: int) -> Segment:
    parts = raw.split(delimiters.element)
    elements: list[Element] = [tuple(part.split(delimiters.component)) for part in parts[1:]]
    return Segment(parts[0], tuple(elements), index=index, raw=raw)
