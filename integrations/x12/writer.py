"""Render an Interchange as X12 text with chosen delimiters and our control numbers.

The caller owns content and control numbers (ISA13, GS06, ST02 come from the model);
the writer owns everything a partner's translator counts or measures: the fixed-width
ISA (padded), ISA11/ISA16 from the delimiters, and the trailers SE01/SE02, GE01/GE02,
IEA01/IEA02, which are recomputed so they can never disagree with the content.
It refuses (X12SyntaxError) data that would change meaning when read back: a delimiter
inside a value, a bad segment id or an ISA value wider than its field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from integrations.x12.errors import (
    ElementErrorCode,
    ErrorLevel,
    InterchangeNoteCode,
    SegmentErrorCode,
    X12Error,
    X12SyntaxError,
)
from integrations.x12.model import (
    ISA_WIDTHS,
    Delimiters,
    Interchange,
    Segment,
    uses_repetition_separator,
)

_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
# ISA elements that are numeric and therefore padded with zeros, not spaces.
_ISA_ZERO_PADDED = {13}


def write(
    interchange: Interchange,
    *,
    delimiters: Delimiters | None = None,
    leading: Sequence[Segment] = (),
) -> str:
    """The interchange as text; `delimiters` default to the ones it carries. `leading`
    segments (a TA1 interchange acknowledgment) go between the ISA and the first GS."""
    d = delimiters or interchange.delimiters
    version = interchange.header.value(12)
    repetition = d.repetition if uses_repetition_separator(version) else None
    if uses_repetition_separator(version) and not repetition:
        raise X12SyntaxError(
            [_fail(f"ISA12 {version} needs a repetition separator in the delimiters.", 11)]
        )
    d = Delimiters(
        element=d.element,
        component=d.component,
        segment=d.segment,
        repetition=repetition,
        # CR + LF is the one newline pair; after a LF terminator nothing else belongs.
        line_break="\n"
        if d.segment == "\r" and d.line_break == "\n"
        else ("" if d.segment in "\r\n" else d.line_break),
    )
    _check_delimiters(d)
    out: list[str] = [_isa(interchange.header, d)]
    out.extend(_segment(segment, d) for segment in leading)
    for group in interchange.groups:
        out.append(_segment(group.header, d))
        for ts in group.transaction_sets:
            out.append(_segment(ts.header, d))
            out.extend(_segment(segment, d) for segment in ts.segments)
            out.append(_segment(Segment.of("SE", str(len(ts.segments) + 2), ts.control_number), d))
        trailer = Segment.of("GE", str(len(group.transaction_sets)), group.control_number)
        out.append(_segment(trailer, d))
    iea = Segment.of("IEA", str(len(interchange.groups)), interchange.header.value(13).zfill(9))
    out.append(_segment(iea, d))
    return "".join(out)


def format_segment(segment: Segment, delimiters: Delimiters) -> str:
    """One segment with its terminator (for 997 previews and the message viewer)."""
    return _segment(segment, delimiters)


def _fail(message: str, element: int | None = None, segment_id: str = "ISA") -> X12Error:
    return X12Error(
        level=ErrorLevel.INTERCHANGE,
        code=InterchangeNoteCode.INVALID_CONTROL_STRUCTURE,
        message=message,
        segment_id=segment_id,
        element_position=element,
    )


def _check_delimiters(d: Delimiters) -> None:
    chars = d.active()
    # Only the terminator may be whitespace, and then only a newline.
    others = [c for c in chars[:2] + chars[3:]]
    problems = (
        len(set(chars)) != len(chars)
        or any(len(c) != 1 or c.isalnum() or c.isspace() for c in others)
        or len(d.segment) != 1
        or d.segment.isalnum()
        or (d.segment.isspace() and d.segment not in ("\r", "\n"))
    )
    if problems:
        raise X12SyntaxError(
            [
                _fail(
                    f"Delimiters {chars!r} must be four distinct single non-alphanumeric "
                    "characters (only the segment terminator may be a newline)."
                )
            ]
        )


def _isa(header: Segment, d: Delimiters) -> str:
    values = [header.value(i) for i in range(1, 17)]
    values[10] = d.repetition or "U"
    values[15] = d.component
    errors: list[X12Error] = []
    padded: list[str] = []
    for number, (value, width) in enumerate(zip(values, ISA_WIDTHS, strict=True), start=1):
        value = value.strip() if number not in (11, 16) else value
        value = value.zfill(width) if number in _ISA_ZERO_PADDED else value.ljust(width)
        if len(value) != width:
            errors.append(_fail(f"ISA{number:02d} {value!r} is wider than {width}.", number))
        elif number not in (11, 16) and any(c in value for c in d.active()):
            errors.append(_fail(f"ISA{number:02d} {value!r} contains a delimiter.", number))
        padded.append(value)
    if errors:
        raise X12SyntaxError(errors)
    return "ISA" + "".join(d.element + v for v in padded) + d.segment + d.line_break


def _segment(segment: Segment, d: Delimiters) -> str:
    if not _SEGMENT_ID.fullmatch(segment.id):
        raise X12SyntaxError(
            [
                X12Error(
                    level=ErrorLevel.SEGMENT,
                    code=SegmentErrorCode.UNRECOGNIZED_SEGMENT_ID,
                    message=f"{segment.id!r} is not a segment id.",
                    segment_id=segment.id,
                )
            ]
        )
    forbidden = d.active() + (("\r", "\n") if d.segment in "\r\n" else ())
    parts = [segment.id]
    for number, element in enumerate(segment.elements, start=1):
        for component_number, component in enumerate(element, start=1):
            if any(c in component for c in forbidden):
                raise X12SyntaxError(
                    [
                        X12Error(
                            level=ErrorLevel.ELEMENT,
                            code=ElementErrorCode.INVALID_CHARACTER,
                            message=f"{component!r} contains a delimiter {forbidden!r}; "
                            "remove it or choose other delimiters.",
                            segment_id=segment.id,
                            element_position=number,
                            component_position=component_number if len(element) > 1 else None,
                            bad_value=component,
                        )
                    ]
                )
        parts.append(d.component.join(element))
    return d.element.join(parts) + d.segment + d.line_break
