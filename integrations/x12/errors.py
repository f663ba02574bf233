"""X12 syntax findings, coded so a 997 (or 999) can report them without translation.

The reader never raises on bad input: a partner file with one broken transaction set
must still be acknowledged, set by set, so every problem becomes an `X12Error` value
attached to the interchange, group or set it concerns. Each carries the code from the
X12 code list of the acknowledgment element that reports it at that level:

=============  ======================  =====================================
level          reported in             code list
=============  ======================  =====================================
INTERCHANGE    TA1 TA105               `InterchangeNoteCode` (3 digits)
GROUP          997 AK905 / 999 AK905   `GroupErrorCode`
SET            997 AK502 / 999 IK502   `SetErrorCode`
SEGMENT        997 AK304 / 999 IK304   `SegmentErrorCode` (inside AK3/IK3)
ELEMENT        997 AK403 / 999 IK403   `ElementErrorCode` (inside AK4/IK4)
=============  ======================  =====================================

`X12SyntaxError` is the only exception this package raises, and only where the caller
asks for it (`Interchange.raise_for_errors()`) or hands the writer something that cannot
be rendered as valid X12.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorLevel(StrEnum):
    INTERCHANGE = "interchange"
    GROUP = "group"
    SET = "set"
    SEGMENT = "segment"
    ELEMENT = "element"


class InterchangeNoteCode(StrEnum):
    """TA105 Interchange Note Code (the interchange-level errors a TA1 reports)."""

    CONTROL_NUMBER_MISMATCH = "001"  # ISA13 and IEA02 differ
    VERSION_NOT_SUPPORTED = "003"
    INVALID_SEGMENT_TERMINATOR = "004"
    INVALID_SENDER_QUALIFIER = "005"
    INVALID_SENDER_ID = "006"
    INVALID_RECEIVER_QUALIFIER = "007"
    INVALID_RECEIVER_ID = "008"
    INVALID_AUTHORIZATION_QUALIFIER = "010"
    INVALID_AUTHORIZATION_VALUE = "011"
    INVALID_SECURITY_QUALIFIER = "012"
    INVALID_SECURITY_VALUE = "013"
    INVALID_DATE = "014"
    INVALID_TIME = "015"
    INVALID_STANDARDS_IDENTIFIER = "016"  # ISA11 when it is not a repetition separator
    INVALID_VERSION = "017"
    INVALID_CONTROL_NUMBER = "018"
    INVALID_ACK_REQUESTED = "019"
    INVALID_TEST_INDICATOR = "020"
    INVALID_GROUP_COUNT = "021"  # IEA01 does not count the groups
    INVALID_CONTROL_STRUCTURE = "022"
    PREMATURE_END_OF_FILE = "023"  # no IEA
    INVALID_CONTENT = "024"  # segments outside a functional group, orphan GE/ST …
    DUPLICATE_CONTROL_NUMBER = "025"  # this ISA13 was received from this sender before
    INVALID_ELEMENT_SEPARATOR = "026"
    INVALID_COMPONENT_SEPARATOR = "027"


class GroupErrorCode(StrEnum):
    """AK905 Functional Group Syntax Error Code."""

    NOT_SUPPORTED = "1"
    VERSION_NOT_SUPPORTED = "2"
    TRAILER_MISSING = "3"
    CONTROL_NUMBER_MISMATCH = "4"  # GS06 and GE02 differ
    SET_COUNT_MISMATCH = "5"  # GE01 does not count the sets
    INVALID_CONTROL_NUMBER = "6"
    CONTROL_NUMBER_NOT_UNIQUE = "19"  # 5010


class SetErrorCode(StrEnum):
    """AK502 / IK502 Transaction Set Syntax Error Code."""

    NOT_SUPPORTED = "1"
    TRAILER_MISSING = "2"
    CONTROL_NUMBER_MISMATCH = "3"  # ST02 and SE02 differ
    SEGMENT_COUNT_MISMATCH = "4"  # SE01 does not count ST..SE
    SEGMENTS_IN_ERROR = "5"
    INVALID_SET_IDENTIFIER = "6"
    INVALID_CONTROL_NUMBER = "7"
    CONTROL_NUMBER_NOT_UNIQUE = "23"


class SegmentErrorCode(StrEnum):
    """AK304 / IK304 Segment Syntax Error Code."""

    UNRECOGNIZED_SEGMENT_ID = "1"
    UNEXPECTED_SEGMENT = "2"
    MANDATORY_SEGMENT_MISSING = "3"
    LOOP_OVER_MAXIMUM = "4"
    SEGMENT_OVER_MAXIMUM_USE = "5"
    NOT_IN_SET = "6"
    OUT_OF_SEQUENCE = "7"
    DATA_ELEMENT_ERRORS = "8"


class ElementErrorCode(StrEnum):
    """AK403 / IK403 Data Element Syntax Error Code."""

    MANDATORY_MISSING = "1"
    CONDITIONAL_MISSING = "2"
    TOO_MANY_ELEMENTS = "3"
    TOO_SHORT = "4"
    TOO_LONG = "5"
    INVALID_CHARACTER = "6"
    INVALID_CODE_VALUE = "7"
    INVALID_DATE = "8"
    INVALID_TIME = "9"
    EXCLUSION_VIOLATED = "10"
    TOO_MANY_REPETITIONS = "12"
    TOO_MANY_COMPONENTS = "13"


@dataclass(frozen=True)
class X12Error:
    """One syntax finding, located precisely enough for AK3/AK4 (or TA1/AK9/AK5).

    `segment_position` is the AK302 count from ST (ST = 1) and is None outside a set;
    `segment_index` numbers segments from the ISA (ISA = 1) so an operator can find the
    line in the raw file; `element_position`/`component_position` are AK401-1/-2.
    """

    level: ErrorLevel
    code: str
    message: str
    segment_id: str | None = None
    segment_index: int | None = None
    segment_position: int | None = None
    element_position: int | None = None
    component_position: int | None = None
    bad_value: str | None = None

    def __str__(self) -> str:
        where = []
        if self.segment_id:
            where.append(self.segment_id)
        if self.segment_index is not None:
            where.append(f"segment {self.segment_index}")
        if self.segment_position is not None:
            where.append(f"set position {self.segment_position}")
        if self.element_position is not None:
            ref = f"{self.segment_id or ''}{self.element_position:02d}"
            if self.component_position is not None:
                ref += f"-{self.component_position}"
            where.append(ref)
        prefix = f"[{self.level} {self.code}] "
        return prefix + (f"{', '.join(where)}: {self.message}" if where else self.message)


class X12SyntaxError(ValueError):
    """Raised only on request (strict callers) or by the writer for unrenderable input."""

    def __init__(self, errors: list[X12Error]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in self.errors) or "X12 syntax error")
