"""Envelope structure and control checks: ISA field values, GS/GE, ST/SE, IEA.

Kept apart from the tokenizer in `reader.py` because these are the rules a 997 reports
on: each check produces an `X12Error` with the code of the acknowledgment element that
reports it (TA105, AK905, AK502, AK304) and names the segment it found wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from integrations.x12.errors import (
    ElementErrorCode,
    ErrorLevel,
    GroupErrorCode,
    InterchangeNoteCode,
    SegmentErrorCode,
    SetErrorCode,
    X12Error,
)
from integrations.x12.model import (
    Delimiters,
    FunctionalGroup,
    Interchange,
    Segment,
    TransactionSet,
    uses_repetition_separator,
)

_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
_SET_ID = re.compile(r"[A-Z0-9]{3}")


def isa_errors(elements: list[str], delimiters: Delimiters) -> list[X12Error]:
    """Value checks on ISA01..ISA16 (widths are checked while splitting)."""
    errors: list[X12Error] = []

    def add(code: str, position: int, message: str) -> None:
        errors.append(
            X12Error(
                level=ErrorLevel.INTERCHANGE,
                code=code,
                message=message,
                segment_id="ISA",
                segment_index=1,
                element_position=position,
                bad_value=elements[position - 1],
            )
        )

    version = elements[11]
    if not (version.isdigit() and len(version) == 5):
        add(InterchangeNoteCode.INVALID_VERSION, 12, "ISA12 must be a 5-digit version (00401).")
    if uses_repetition_separator(version):
        rep = elements[10]
        # A letter or digit cannot be a delimiter: 5010 files that keep the old 'U' mean
        # "no repetition separator" (the reader sets none), which is harmless. One that
        # collides with another delimiter would make every value ambiguous.
        if rep in (delimiters.element, delimiters.component, delimiters.segment) or (rep.isspace()):
            add(
                InterchangeNoteCode.INVALID_STANDARDS_IDENTIFIER,
                11,
                f"ISA11 {rep!r} must be a repetition separator for ISA12 {version} "
                "(such as '^'), distinct from the other delimiters.",
            )
    elif elements[10] != "U":
        add(
            InterchangeNoteCode.INVALID_STANDARDS_IDENTIFIER,
            11,
            f"ISA11 must be 'U' for ISA12 {version} (repetition separators start at 00402).",
        )
    if not elements[12].isdigit():
        add(InterchangeNoteCode.INVALID_CONTROL_NUMBER, 13, "ISA13 must be 9 digits.")
    if not elements[8].isdigit():
        add(InterchangeNoteCode.INVALID_DATE, 9, "ISA09 must be a date YYMMDD.")
    if not elements[9].isdigit():
        add(InterchangeNoteCode.INVALID_TIME, 10, "ISA10 must be a time HHMM.")
    if elements[13] not in ("0", "1"):
        add(InterchangeNoteCode.INVALID_ACK_REQUESTED, 14, "ISA14 must be 0 or 1.")
    if elements[14] not in ("P", "T", "I"):
        add(InterchangeNoteCode.INVALID_TEST_INDICATOR, 15, "ISA15 must be P, T or I.")
    component = delimiters.component
    if component.isalnum() or component.isspace() or component == delimiters.element:
        add(
            InterchangeNoteCode.INVALID_COMPONENT_SEPARATOR,
            16,
            "ISA16 must be a component separator distinct from the element separator.",
        )
    terminator = delimiters.segment
    if (
        terminator.isalnum()
        or terminator in (" ", "\t", delimiters.element)
        or terminator == component
    ):
        errors.append(
            X12Error(
                level=ErrorLevel.INTERCHANGE,
                code=InterchangeNoteCode.INVALID_SEGMENT_TERMINATOR,
                message=f"{terminator!r} after ISA16 cannot be the segment terminator.",
                segment_id="ISA",
                segment_index=1,
                bad_value=terminator,
            )
        )
    return errors


def _named(
    level: ErrorLevel,
    code: str,
    message: str,
    segment: Segment,
    *,
    element: int | None = None,
    position: int | None = None,
) -> X12Error:
    return X12Error(
        level=level,
        code=code,
        message=message,
        segment_id=segment.id,
        segment_index=segment.index,
        segment_position=position,
        element_position=element,
        bad_value=segment.value(element) if element else None,
    )


def _where(segment: Segment) -> str:
    if segment.index is None:
        return "the end of the interchange"
    return f"{segment.id} (segment {segment.index})"


def body_segment_errors(segment: Segment) -> list[X12Error]:
    """What is wrong with one body segment of a set by itself (its position from ST set):
    an id that is not a segment id (wrong delimiters?), or an envelope segment that cannot
    sit inside a set."""
    if not _SEGMENT_ID.fullmatch(segment.id):
        message = (
            f"{segment.id[:10]!r} is not a segment id (2-3 capital letters/digits); "
            "check the delimiters."
        )
        code = SegmentErrorCode.UNRECOGNIZED_SEGMENT_ID
    elif segment.id in ("ISA", "IEA"):
        message, code = (
            f"{segment.id} inside a transaction set.",
            SegmentErrorCode.UNEXPECTED_SEGMENT,
        )
    else:
        return []
    return [_named(ErrorLevel.SEGMENT, code, message, segment, position=segment.position)]


def is_segment_id(segment_id: str) -> bool:
    """True for an id a body segment may have (2-3 capitals/digits, not ISA/IEA)."""
    return bool(_SEGMENT_ID.fullmatch(segment_id)) and segment_id not in ("ISA", "IEA")


@dataclass
class EnvelopeBuilder:
    """Feeds segments one by one into the envelope tree, checking as it closes each
    level, so a broken set or group ends where the next header starts."""

    header: Segment
    delimiters: Delimiters
    errors: list[X12Error] = field(default_factory=list)
    groups: list[FunctionalGroup] = field(default_factory=list)
    trailer: Segment | None = None
    finished: bool = False
    _group: FunctionalGroup | None = None
    _set: TransactionSet | None = None
    _orphan_set: bool = False
    # The open group's ST02s: a group of thousands of sets checks each in constant time.
    _st02s: set[str] = field(default_factory=set)
    # Body segments of the open set counted but not kept (`skip`): the streaming scanner
    # checks the envelope without holding a set's body, which it reads again later.
    _skipped: int = 0

    @property
    def current_set(self) -> TransactionSet | None:
        """The set whose SE has not come yet."""
        return self._set

    def add(self, segment: Segment) -> None:
        handler = {
            "GS": self._open_group,
            "GE": self._close_group,
            "ST": self._open_set,
            "SE": self._close_set,
            "IEA": self._close_interchange,
        }.get(segment.id, self._body)
        handler(segment)

    def skip(self, count: int) -> None:
        """`count` body segments of the open set, counted for SE01 but not kept."""
        if self._set is None:
            raise ValueError("Only the body of an open transaction set can be skipped.")
        self._skipped += count

    def _position(self, ts: TransactionSet) -> int:
        """The position from ST (ST = 1) the next segment of `ts` takes."""
        return len(ts.segments) + self._skipped + 2

    # -- sets ------------------------------------------------------------------------

    def _open_set(self, st: Segment) -> None:
        self._abandon_set(before=st)
        self._skipped = 0
        st = Segment(st.id, st.elements, index=st.index, position=1, raw=st.raw)
        ts = TransactionSet(header=st)
        if not _SET_ID.fullmatch(st.value(1)):
            ts.errors.append(
                _named(
                    ErrorLevel.SET,
                    SetErrorCode.INVALID_SET_IDENTIFIER,
                    "ST01 must be a 3-character transaction set id (850, 856 …).",
                    st,
                    element=1,
                    position=1,
                )
            )
        control = st.value(2)
        if not 4 <= len(control) <= 9:
            ts.errors.append(
                _named(
                    ErrorLevel.SET,
                    SetErrorCode.INVALID_CONTROL_NUMBER,
                    "ST02 must be a control number of 4 to 9 characters.",
                    st,
                    element=2,
                    position=1,
                )
            )
        if self._group is None:
            self._orphan_set = True
            self.errors.append(
                _named(
                    ErrorLevel.INTERCHANGE,
                    InterchangeNoteCode.INVALID_CONTENT,
                    "ST outside a functional group: every transaction set must sit "
                    "between GS and GE.",
                    st,
                )
            )
        else:
            self._orphan_set = False
            if control and control in self._st02s:
                ts.errors.append(
                    _named(
                        ErrorLevel.SET,
                        SetErrorCode.CONTROL_NUMBER_NOT_UNIQUE,
                        f"ST02 {control} is used twice in this group.",
                        st,
                        element=2,
                        position=1,
                    )
                )
            self._group.transaction_sets.append(ts)
            self._st02s.add(control)
        self._set = ts

    def _close_set(self, se: Segment) -> None:
        ts = self._set
        if ts is None:
            self._outside_set(se)
            return
        position = self._position(ts)
        se = Segment(se.id, se.elements, index=se.index, position=position, raw=se.raw)
        ts.trailer = se
        count = se.value(1)
        if not count.isdigit() or int(count) != position:
            ts.errors.append(
                _named(
                    ErrorLevel.SET,
                    SetErrorCode.SEGMENT_COUNT_MISMATCH,
                    f"SE01 says {count or 'nothing'} but the set has {position} segments "
                    "counting ST and SE.",
                    se,
                    element=1,
                    position=position,
                )
            )
        if se.value(2) != ts.control_number:
            ts.errors.append(
                _named(
                    ErrorLevel.SET,
                    SetErrorCode.CONTROL_NUMBER_MISMATCH,
                    f"SE02 {se.value(2)!r} must repeat ST02 {ts.control_number!r}.",
                    se,
                    element=2,
                    position=position,
                )
            )
        self._set = None

    def _abandon_set(self, *, before: Segment) -> None:
        """Close a set whose SE never came, naming its ST and where it stopped."""
        ts = self._set
        if ts is None:
            return
        ts.errors.append(
            _named(
                ErrorLevel.SET,
                SetErrorCode.TRAILER_MISSING,
                f"ST {ts.control_number} has no SE before {_where(before)}.",
                ts.header,
                position=1,
            )
        )
        self._set = None

    def _body(self, segment: Segment) -> None:
        ts = self._set
        if ts is None:
            self._outside_set(segment)
            return
        position = self._position(ts)
        segment = Segment(
            segment.id, segment.elements, index=segment.index, position=position, raw=segment.raw
        )
        ts.segments.append(segment)
        ts.errors.extend(body_segment_errors(segment))

    def _outside_set(self, segment: Segment) -> None:
        if self._group is not None:
            self._group.errors.append(
                _named(
                    ErrorLevel.SEGMENT,
                    SegmentErrorCode.UNEXPECTED_SEGMENT,
                    f"{segment.id[:10]} (segment {segment.index}) is outside any transaction "
                    "set: only ST … SE may sit between GS and GE.",
                    segment,
                )
            )
        elif segment.id == "TA1" and not self.groups:
            # An interchange acknowledgment sits between ISA and the first GS (X12).
            return
        else:
            self.errors.append(
                _named(
                    ErrorLevel.INTERCHANGE,
                    InterchangeNoteCode.INVALID_CONTENT,
                    f"{segment.id[:10]} (segment {segment.index}) is outside any functional "
                    "group: only GS … GE may sit between ISA and IEA.",
                    segment,
                )
            )

    # -- groups ----------------------------------------------------------------------

    def _open_group(self, gs: Segment) -> None:
        self._abandon_set(before=gs)
        self._abandon_group(before=gs)
        group = FunctionalGroup(header=gs)
        control = gs.value(6)
        if not (control.isdigit() and len(control) <= 9):
            group.errors.append(
                _named(
                    ErrorLevel.GROUP,
                    GroupErrorCode.INVALID_CONTROL_NUMBER,
                    "GS06 must be a group control number of 1 to 9 digits.",
                    gs,
                    element=6,
                )
            )
        elif any(g.control_number == control for g in self.groups):
            group.errors.append(
                _named(
                    ErrorLevel.GROUP,
                    GroupErrorCode.CONTROL_NUMBER_NOT_UNIQUE,
                    f"GS06 {control} is used twice in this interchange.",
                    gs,
                    element=6,
                )
            )
        self.groups.append(group)
        self._group = group
        self._st02s = set()

    def _close_group(self, ge: Segment) -> None:
        self._abandon_set(before=ge)
        group = self._group
        if group is None:
            self._outside_set(ge)
            return
        group.trailer = ge
        count = ge.value(1)
        actual = len(group.transaction_sets)
        if not count.isdigit() or int(count) != actual:
            group.errors.append(
                _named(
                    ErrorLevel.GROUP,
                    GroupErrorCode.SET_COUNT_MISMATCH,
                    f"GE01 says {count or 'nothing'} but the group has {actual} transaction sets.",
                    ge,
                    element=1,
                )
            )
        if ge.value(2) != group.control_number:
            group.errors.append(
                _named(
                    ErrorLevel.GROUP,
                    GroupErrorCode.CONTROL_NUMBER_MISMATCH,
                    f"GE02 {ge.value(2)!r} must repeat GS06 {group.control_number!r}.",
                    ge,
                    element=2,
                )
            )
        self._group = None

    def _abandon_group(self, *, before: Segment) -> None:
        group = self._group
        if group is None:
            return
        group.errors.append(
            _named(
                ErrorLevel.GROUP,
                GroupErrorCode.TRAILER_MISSING,
                f"GS {group.control_number} has no GE before {_where(before)}.",
                group.header,
            )
        )
        self._group = None

    # -- interchange -----------------------------------------------------------------

    def _close_interchange(self, iea: Segment) -> None:
        self._abandon_set(before=iea)
        self._abandon_group(before=iea)
        self.trailer = iea
        self.finished = True
        count = iea.value(1)
        if not count.isdigit() or int(count) != len(self.groups):
            self.errors.append(
                _named(
                    ErrorLevel.INTERCHANGE,
                    InterchangeNoteCode.INVALID_GROUP_COUNT,
                    f"IEA01 says {count or 'nothing'} but the interchange has "
                    f"{len(self.groups)} functional groups.",
                    iea,
                    element=1,
                )
            )
        control = self.header.value(13)
        if iea.value(2) != control:
            self.errors.append(
                _named(
                    ErrorLevel.INTERCHANGE,
                    InterchangeNoteCode.CONTROL_NUMBER_MISMATCH,
                    f"IEA02 {iea.value(2)!r} must repeat ISA13 {control!r}.",
                    iea,
                    element=2,
                )
            )

    def finish(self) -> Interchange:
        """The interchange read so far; without IEA the open levels are closed with
        their missing-trailer findings."""
        if not self.finished:
            end = Segment("IEA", index=None)
            self._abandon_set(before=end)
            self._abandon_group(before=end)
            self.errors.append(
                X12Error(
                    level=ErrorLevel.INTERCHANGE,
                    code=InterchangeNoteCode.PREMATURE_END_OF_FILE,
                    message=f"ISA {self.header.value(13)} has no IEA: the file ends or the "
                    "next ISA starts first.",
                    segment_id="IEA",
                )
            )
        return Interchange(
            header=self.header,
            groups=self.groups,
            trailer=self.trailer,
            delimiters=self.delimiters,
            errors=self.errors,
        )


# Element-level finding helper for callers above the reader (mappers report bad values
# with the same type, so the 997 builder sees one shape).
def element_error(
    segment: Segment,
    element: int,
    code: ElementErrorCode,
    message: str,
    *,
    component: int | None = None,
) -> X12Error:
    """An AK4-level finding on `segment` (which must come from a transaction set)."""
    return X12Error(
        level=ErrorLevel.ELEMENT,
        code=code,
        message=message,
        segment_id=segment.id,
        segment_index=segment.index,
        segment_position=segment.position,
        element_position=element,
        component_position=component,
        bad_value=segment.value(element, component or 1) or None,
    )
