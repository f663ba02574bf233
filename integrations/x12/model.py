"""The parsed shape of an X12 file: Interchange → FunctionalGroup → TransactionSet → Segment.

Design choices that later layers (mapping, 997 generation, the message viewer) rely on:

* Every element is kept as a tuple of components (a simple element is a 1-tuple) because
  the component separator must never occur in data, so splitting on it is always safe.
* Repetitions are NOT split when reading. Only a few elements are defined as repeating
  and partners do put the repetition separator into data (the public node-x12 856 uses
  '-' as ISA11 and ships "999999-001" in REF02), so splitting eagerly would corrupt
  values; a caller that knows an element repeats asks `Segment.repetitions(n)`.
* Segments keep where they came from (`index` from the ISA, `position` from the ST,
  `raw` text) outside equality, so a read → write → read round trip compares content.
* Envelope segments (ISA/IEA, GS/GE, ST/SE) are kept as read; the writer recomputes the
  counts and copies control numbers into the trailers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from integrations.x12.errors import X12Error, X12SyntaxError

Element = tuple[str, ...]
ElementInput = str | Sequence[str]

# ISA element widths (ISA01..ISA16); the segment is "ISA" + 16 × (separator + element)
# plus the terminator = 106 characters.
ISA_WIDTHS: tuple[int, ...] = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
ISA_LENGTH = 3 + sum(ISA_WIDTHS) + len(ISA_WIDTHS) + 1

# ISA12 from which ISA11 is the repetition separator instead of the standards id 'U'.
REPETITION_SEPARATOR_FROM_VERSION = "00402"


def uses_repetition_separator(version: str) -> bool:
    """True when ISA11 is a repetition separator for this ISA12 control version."""
    return version.isdigit() and len(version) == 5 and version >= REPETITION_SEPARATOR_FROM_VERSION


@dataclass(frozen=True)
class Delimiters:
    """The four X12 delimiters plus the line break written after each terminator.

    `repetition` is None for ISA12 < 00402, where ISA11 carries the standards id 'U'.
    `line_break` is cosmetic ("", "\\n", "\\r\\n"); when the terminator itself is a
    newline it is ignored.
    """

    element: str = "*"
    component: str = ">"
    segment: str = "~"
    repetition: str | None = "^"
    line_break: str = "\n"

    def active(self) -> tuple[str, ...]:
        chars = [self.element, self.component, self.segment]
        if self.repetition:
            chars.append(self.repetition)
        return tuple(chars)


def _normalize(value: ElementInput) -> Element:
    if isinstance(value, str):
        return (value,)
    components = tuple(str(c) for c in value)
    while len(components) > 1 and components[-1] == "":
        components = components[:-1]
    return components or ("",)


@dataclass(frozen=True)
class Segment:
    """One segment: its id and its elements (elements[0] is XX01).

    Trailing empty elements are dropped (X12 forbids trailing separators and a reader
    that kept them would make round trips unequal). `index`, `position` and `raw` are
    provenance, not content.
    """

    id: str
    elements: tuple[Element, ...] = ()
    index: int | None = field(default=None, compare=False)
    position: int | None = field(default=None, compare=False)
    raw: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        elements = tuple(_normalize(e) for e in self.elements)
        while elements and elements[-1] == ("",):
            elements = elements[:-1]
        object.__setattr__(self, "elements", elements)

    @classmethod
    def of(cls, segment_id: str, *elements: ElementInput) -> Segment:
        """Build a segment for writing: `Segment.of("REF", "PO", "4500012345")`;
        a list or tuple is a composite element."""
        return cls(segment_id, tuple(_normalize(e) for e in elements))

    def value(self, position: int, component: int = 1, default: str = "") -> str:
        """Element `position` (1-based, as in REF02 → 2), component `component`."""
        if position < 1 or position > len(self.elements):
            return default
        element = self.elements[position - 1]
        if component < 1 or component > len(element):
            return default
        return element[component - 1]

    def components(self, position: int) -> Element:
        if position < 1 or position > len(self.elements):
            return ()
        return self.elements[position - 1]

    def repetitions(self, position: int, separator: str | None) -> list[str]:
        """Split a repeating simple element on the interchange's repetition separator.
        Only call this for elements the standard defines as repeating."""
        value = self.value(position)
        if not separator:
            return [value] if value else []
        return [part for part in value.split(separator)] if value else []

    def __len__(self) -> int:
        return len(self.elements)


@dataclass
class TransactionSet:
    """ST … SE. `segments` is the body between them; positions count from ST = 1."""

    header: Segment
    segments: list[Segment] = field(default_factory=list)
    # Trailers are derived (counts, repeated control numbers): not content.
    trailer: Segment | None = field(default=None, compare=False)
    errors: list[X12Error] = field(default_factory=list, compare=False)

    @classmethod
    def create(
        cls,
        *,
        set_id: str,
        control_number: str | int,
        segments: Sequence[Segment],
        implementation_reference: str | None = None,
    ) -> TransactionSet:
        """A set to write: the writer fills SE01/SE02."""
        elements: list[ElementInput] = [set_id, str(control_number)]
        if implementation_reference:
            elements.append(implementation_reference)
        return cls(header=Segment.of("ST", *elements), segments=list(segments))

    @property
    def set_id(self) -> str:
        return self.header.value(1)

    @property
    def control_number(self) -> str:
        return self.header.value(2)

    @property
    def accepted(self) -> bool:
        return not self.errors

    def all_segments(self) -> list[Segment]:
        return [self.header, *self.segments, *([self.trailer] if self.trailer else [])]

    def find(self, segment_id: str) -> Iterator[Segment]:
        return (s for s in self.segments if s.id == segment_id)

    def first(self, segment_id: str) -> Segment | None:
        return next(self.find(segment_id), None)


@dataclass
class FunctionalGroup:
    """GS … GE. `errors` holds group-level findings (AK9) and segments found between
    sets; a set's own findings live on the set."""

    header: Segment
    transaction_sets: list[TransactionSet] = field(default_factory=list)
    trailer: Segment | None = field(default=None, compare=False)
    errors: list[X12Error] = field(default_factory=list, compare=False)

    @classmethod
    def create(
        cls,
        *,
        functional_id: str,
        sender: str,
        receiver: str,
        date: str,
        time: str,
        control_number: str | int,
        version: str,
        transaction_sets: Sequence[TransactionSet],
        agency: str = "X",
    ) -> FunctionalGroup:
        """A group to write (GS08 e.g. "004010"); the writer fills GE01/GE02."""
        header = Segment.of(
            "GS",
            functional_id,
            sender,
            receiver,
            date,
            time,
            str(control_number),
            agency,
            version,
        )
        return cls(header=header, transaction_sets=list(transaction_sets))

    @property
    def functional_id(self) -> str:
        return self.header.value(1)

    @property
    def sender(self) -> str:
        return self.header.value(2)

    @property
    def receiver(self) -> str:
        return self.header.value(3)

    @property
    def control_number(self) -> str:
        return self.header.value(6)

    @property
    def version(self) -> str:
        return self.header.value(8)

    def all_errors(self) -> list[X12Error]:
        return [*self.errors, *(e for s in self.transaction_sets for e in s.errors)]


@dataclass
class Interchange:
    """ISA … IEA with the delimiters it was read with (or is to be written with)."""

    header: Segment
    groups: list[FunctionalGroup] = field(default_factory=list)
    trailer: Segment | None = field(default=None, compare=False)
    delimiters: Delimiters = field(default_factory=Delimiters, compare=False)
    errors: list[X12Error] = field(default_factory=list, compare=False)
    raw: str | None = field(default=None, compare=False, repr=False)

    @classmethod
    def create(
        cls,
        *,
        sender_qualifier: str,
        sender_id: str,
        receiver_qualifier: str,
        receiver_id: str,
        date: str,
        time: str,
        control_number: str | int,
        version: str = "00401",
        groups: Sequence[FunctionalGroup],
        ack_requested: str = "0",
        usage: str = "P",
        delimiters: Delimiters | None = None,
    ) -> Interchange:
        """An interchange to write (date YYMMDD, time HHMM). The writer pads the ISA,
        fills ISA11/ISA16 from the delimiters and computes IEA01/IEA02."""
        header = Segment.of(
            "ISA",
            "00",
            "",
            "00",
            "",
            sender_qualifier,
            sender_id,
            receiver_qualifier,
            receiver_id,
            date,
            time,
            "U",
            version,
            str(control_number),
            ack_requested,
            usage,
            ">",
        )
        return cls(header=header, groups=list(groups), delimiters=delimiters or Delimiters())

    @property
    def sender_qualifier(self) -> str:
        return self.header.value(5).strip()

    @property
    def sender_id(self) -> str:
        return self.header.value(6).strip()

    @property
    def receiver_qualifier(self) -> str:
        return self.header.value(7).strip()

    @property
    def receiver_id(self) -> str:
        return self.header.value(8).strip()

    @property
    def version(self) -> str:
        return self.header.value(12)

    @property
    def control_number(self) -> str:
        return self.header.value(13)

    @property
    def ack_requested(self) -> bool:
        return self.header.value(14) == "1"

    @property
    def usage(self) -> str:
        """P production, T test, I information."""
        return self.header.value(15)

    def transaction_sets(self) -> Iterator[TransactionSet]:
        return (s for g in self.groups for s in g.transaction_sets)

    def all_errors(self) -> list[X12Error]:
        return [*self.errors, *(e for g in self.groups for e in g.all_errors())]

    def raise_for_errors(self) -> None:
        """For strict callers (tests, outbound self-checks): raise on any finding."""
        errors = self.all_errors()
        if errors:
            raise X12SyntaxError(errors)


@dataclass
class ReadResult:
    """What `read()` found in a file: its interchanges (each with its own findings) and
    findings that belong to no interchange (no ISA, garbage between interchanges)."""

    interchanges: list[Interchange] = field(default_factory=list)
    errors: list[X12Error] = field(default_factory=list)

    def all_errors(self) -> list[X12Error]:
        return [*self.errors, *(e for i in self.interchanges for e in i.all_errors())]

    @property
    def ok(self) -> bool:
        return not self.all_errors()
