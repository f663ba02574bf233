"""Our own X12 reader and writer (issue 10): no maintained Python library reads the
supply-chain sets with every ISA version and checks the envelopes strictly.

`read(text_or_bytes)` returns a `ReadResult` of `Interchange`s whose groups, sets and
segments carry `X12Error` findings coded for a 997; `write(interchange)` renders one with
recomputed trailers; `build_hl_tree` / `walk_shipments` give the 856 hierarchy. Pure
Python, no Django: it can be used from a management command, a task or a shell.
"""

from integrations.x12.envelope import element_error
from integrations.x12.errors import (
    ElementErrorCode,
    ErrorLevel,
    GroupErrorCode,
    InterchangeNoteCode,
    SegmentErrorCode,
    SetErrorCode,
    X12Error,
    X12SyntaxError,
)
from integrations.x12.hl import HLNode, HLTree, Shipment, build_hl_tree, walk_shipments
from integrations.x12.model import (
    Delimiters,
    FunctionalGroup,
    Interchange,
    ReadResult,
    Segment,
    TransactionSet,
)
from integrations.x12.reader import read
from integrations.x12.writer import format_segment, write

__all__ = [
    "Delimiters",
    "ElementErrorCode",
    "ErrorLevel",
    "FunctionalGroup",
    "GroupErrorCode",
    "HLNode",
    "HLTree",
    "Interchange",
    "InterchangeNoteCode",
    "ReadResult",
    "Segment",
    "SegmentErrorCode",
    "SetErrorCode",
    "Shipment",
    "TransactionSet",
    "X12Error",
    "X12SyntaxError",
    "build_hl_tree",
    "element_error",
    "format_segment",
    "read",
    "walk_shipments",
    "write",
]
