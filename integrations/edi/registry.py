"""What the domain registers at start-up: how to find a trading partner, how each
inbound transaction set maps into its services, and how an event becomes an outbound 850.

`suppliers` calls the `register_*` functions from its AppConfig.ready(); everything here
only knows the shapes below.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from integrations.errors import DomainError
from integrations.x12 import Interchange, Segment, TransactionSet
from integrations.x12.stream import LoadedSet


@dataclass(frozen=True)
class PartnerProfile:
    """A trading partner as the channel needs it: envelope ids both ways, the versions
    it may send, and its folders."""

    code: str
    supplier_code: str
    partner_qualifier: str
    partner_id: str
    partner_gs_id: str
    our_qualifier: str
    our_id: str
    our_gs_id: str
    versions: tuple[str, ...] = ("004010",)
    outbound_version: str = "004010"
    inbound_folder: str = ""
    outbound_folder: str = ""
    usage: str = "P"

    @property
    def isa_version(self) -> str:
        # GS08 "004010" → ISA12 "00401"; "005010" → "00501".
        return self.outbound_version[:5] if len(self.outbound_version) >= 5 else "00401"


@dataclass
class MappingOutcome:
    """What a mapper did with one set: a line for the operator and the documents made."""

    summary: str
    documents: list[dict[str, Any]] = field(default_factory=list)


class SegmentError(DomainError):
    """A mapping problem located in the set (a missing BAK, an unknown qualifier, a bad
    quantity): reported in the 997 as AK3/AK4 as well as in words."""

    def __init__(
        self,
        message: str,
        *,
        segment: Segment | None,
        segment_id: str = "",
        element: int | None = None,
        segment_code: str = "8",
        element_code: str = "7",
    ) -> None:
        super().__init__(message, field=segment_id or (segment.id if segment else None))
        self.segment = segment
        self.segment_id = segment_id or (segment.id if segment else "")
        self.element = element
        # AK304: 3 mandatory segment missing, 8 segment has data element errors.
        self.segment_code = segment_code if segment is not None or segment_code == "3" else "8"
        self.element_code = element_code

    def location(self) -> dict[str, Any]:
        return {
            "segment_id": self.segment_id,
            "segment_position": self.segment.position if self.segment else None,
            "segment_index": self.segment.index if self.segment else None,
            "element_position": self.element,
            "segment_code": self.segment_code,
            "element_code": self.element_code if self.element else None,
            "bad_value": self.segment.value(self.element)
            if self.segment and self.element
            else None,
        }


@dataclass(frozen=True)
class PurchaseOrderLine850:
    line_no: int
    quantity: Decimal
    uom: str
    unit_price: Decimal
    requested_date: datetime.date
    buyer_item: str
    supplier_item: str = ""
    upc: str = ""
    description: str = ""
    # The confirmed deliveries (quantity, date), rendered as SCH segments; empty: one
    # delivery on `requested_date`.
    schedule: tuple[tuple[Decimal, datetime.date], ...] = ()


@dataclass(frozen=True)
class PurchaseOrder850:
    """The canonical purchase order the 850 renderer needs, already in partner codes."""

    number: str
    revision: int
    order_date: datetime.date
    currency: str
    ship_to_code: str
    ship_to_name: str
    lines: tuple[PurchaseOrderLine850, ...]
    supplier_item_qualifier: str = "VP"
    buyer_item_qualifier: str = "BP"
    upc_qualifier: str = "UP"


InboundHandler = Callable[[PartnerProfile, TransactionSet, Interchange], MappingOutcome]
# Maps many sets of one id at once, set-based, in the caller's transaction: one outcome per
# set, in order, or the DomainError (a SegmentError to locate it) that refused that set,
# which must then have written nothing. For feeds whose sets come by the thousand (846).
BatchHandler = Callable[[PartnerProfile, Sequence[LoadedSet]], list[MappingOutcome | DomainError]]
# Work a batch handler can have done on a set before its batch is mapped, outside the
# transaction and in the intake's reader thread (parsing: no database, no partner): the
# result is left in `LoadedSet.prepared` for the handler. A DomainError leaves it None.
BatchPreparer = Callable[[LoadedSet], Any]
PartnerLookup = Callable[[str, str], PartnerProfile | None]
PartnerByCode = Callable[[str], PartnerProfile | None]
OutboundBuilder = Callable[[dict[str, Any]], tuple[PartnerProfile, PurchaseOrder850] | None]


@dataclass
class _Registry:
    handlers: dict[str, InboundHandler] = field(default_factory=dict[str, Any])
    batch_handlers: dict[str, BatchHandler] = field(default_factory=dict[str, Any])
    batch_preparers: dict[str, BatchPreparer] = field(default_factory=dict[str, Any])
    partner_lookup: PartnerLookup | None = None
    partner_by_code: PartnerByCode | None = None
    outbound_builder: OutboundBuilder | None = None


_registry = _Registry()


def register_inbound_handler(set_id: str, handler: InboundHandler) -> None:
    _registry.handlers[set_id] = handler


def register_inbound_batch_handler(
    set_id: str, handler: BatchHandler, *, prepare: BatchPreparer | None = None
) -> None:
    """Map set `set_id` many at a time (it then has no one-at-a-time handler); `prepare`
    each set ahead of its batch when given (see `BatchPreparer`)."""
    _registry.batch_handlers[set_id] = handler
    _registry.handlers.pop(set_id, None)
    if prepare is not None:
        _registry.batch_preparers[set_id] = prepare
    else:
        _registry.batch_preparers.pop(set_id, None)


def register_partners(*, lookup: PartnerLookup, by_code: PartnerByCode) -> None:
    _registry.partner_lookup = lookup
    _registry.partner_by_code = by_code


def register_outbound_purchase_orders(builder: OutboundBuilder) -> None:
    _registry.outbound_builder = builder


def inbound_handler(set_id: str) -> InboundHandler | None:
    return _registry.handlers.get(set_id)


def inbound_batch_handler(set_id: str) -> BatchHandler | None:
    return _registry.batch_handlers.get(set_id)


def inbound_batch_preparer(set_id: str) -> BatchPreparer | None:
    return _registry.batch_preparers.get(set_id)


def supported_sets() -> list[str]:
    return sorted({*_registry.handlers, *_registry.batch_handlers})


def partner_for_sender(qualifier: str, sender_id: str) -> PartnerProfile | None:
    if _registry.partner_lookup is None:
        return None
    return _registry.partner_lookup(qualifier, sender_id)


def partner_by_code(code: str) -> PartnerProfile | None:
    if _registry.partner_by_code is None:
        return None
    return _registry.partner_by_code(code)


def outbound_purchase_order(
    envelope: dict[str, Any],
) -> tuple[PartnerProfile, PurchaseOrder850] | None:
    if _registry.outbound_builder is None:
        return None
    return _registry.outbound_builder(envelope)
