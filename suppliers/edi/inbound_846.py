"""846 inventory inquiry/advice → `supplier_availability_post_many`, many sets at a time.

A partner's daily feed is thousands of 846 sets of dozens of items each, so the sets of a
batch are mapped together: their items are found with one query per qualifier, their
units with one query, and the availability is written by one set-based service call. Each
set stays all or nothing: a set with a bad segment is refused (with the segment in the
997) and writes nothing; its neighbours are recorded.

Segments read: BIA (BIA04 date, BIA05 time: as of), per item LIN (the partner's supplier
item / our item / UPC qualifiers from LIN02; the first one we know names the item), QTY 33
(available; else 17, on hand) with QTY03 unit (converted exactly into the supplier item's
unit), DTM 018 or 169 (next available date).
"""

from __future__ import annotations

import contextlib
import datetime
import gc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from integrations.edi.registry import MappingOutcome, PartnerProfile, SegmentError
from integrations.errors import DomainError
from integrations.models import Channel
from integrations.x12.stream import LoadedSet
from inventory.models import Item, UnitOfMeasure
from inventory.services import convert_quantity
from inventory.services.uom import conversion_ratio
from suppliers.edi.partners import edi_actor, edi_date, quantity, trading_partner
from suppliers.models import TradingPartner
from suppliers.services.availability_batches import (
    AvailabilityLine,
    AvailabilityPost,
    availability_items,
    supplier_availability_post_many,
)
from suppliers.services.availability_sql import AvailabilityItem

_DATES: dict[str, datetime.date] = {}
# QTY02 texts already read (a feed repeats its counts): one Decimal each, shared.
_AMOUNTS: dict[str, Decimal] = {}


@dataclass(slots=True)
class _Entry:
    lin: int  # row of the LIN
    pairs: list[tuple[str, str]]
    qty: int | None = None  # row of the QTY taken
    qty_code: str = ""
    amount: str = ""  # its QTY02 and QTY03 (first components), read while parsing
    unit: str = ""
    day: datetime.date | None = None


@dataclass
class _Parsed:
    loaded: LoadedSet
    as_of: datetime.datetime | None = None
    entries: list[_Entry] = field(default_factory=list)


@dataclass
class _Lookups:
    """What the batch's items and units resolve to, each found with one query: units by
    the code the partner sent (its unit map applied), as their id or None when unknown."""

    by_supplier_sku: dict[str, AvailabilityItem]
    by_sku: dict[str, AvailabilityItem]
    units: dict[str, int | None]


def _first(element: str, component: str) -> str:
    return element.split(component, 1)[0] if component in element else element


def _value(row: list[str], position: int, component: str) -> str:
    if position >= len(row):
        return ""
    value = row[position]
    return value.split(component, 1)[0] if component in value else value


def _date(loaded: LoadedSet, n: int, position: int) -> datetime.date:
    raw = _value(loaded.rows[n], position, loaded.delimiters.component)
    day = _DATES.get(raw)
    if day is None:
        day = edi_date(loaded.segment(n), position)  # raises the located error
        if len(_DATES) < 10_000:
            _DATES[raw] = day
    return day


def _parse(loaded: LoadedSet) -> _Parsed:
    """The set's items, read from its rows in one pass: it runs for every item line of a
    feed, so the usual shapes (a LIN with one id pair, elements without components) are
    read inline and anything else goes through `_value`'s rules."""
    parsed = _Parsed(loaded)
    entries = parsed.entries
    component = loaded.delimiters.component
    current: _Entry | None = None
    for n, row in enumerate(loaded.rows):
        segment_id = row[0]
        if segment_id == "LIN":
            if len(row) == 4:
                qualifier, value = row[2], row[3]
                if component in qualifier or component in value:
                    qualifier, value = _first(qualifier, component), _first(value, component)
                pairs = [(qualifier, value)] if qualifier and value else []
            else:
                pairs = _pairs(row, component)
            current = _Entry(n, pairs)
            entries.append(current)
        elif segment_id == "QTY" and current is not None:
            code = row[1] if len(row) > 1 else ""
            if component in code:
                code = code.split(component, 1)[0]
            if (code == "33" or code == "17") and (current.qty is None or code == "33"):
                current.qty, current.qty_code = n, code
                if len(row) == 4 and component not in row[2] and component not in row[3]:
                    current.amount, current.unit = row[2].strip(), row[3]
                else:
                    current.amount = _value(row, 2, component).strip()
                    current.unit = _value(row, 3, component)
        elif segment_id == "DTM" and current is not None:
            code = row[1] if len(row) > 1 else ""
            if component in code:
                code = code.split(component, 1)[0]
            if code == "018" or code == "169":
                current.day = _date(loaded, n, 2)
        elif segment_id == "BIA" and parsed.as_of is None:
            parsed.as_of = _as_of(loaded, n)
    return parsed


def _pairs(row: list[str], component: str) -> list[tuple[str, str]]:
    """A LIN's (qualifier, id) pairs from LIN02 on, both present, first components."""
    pairs = []
    for p in range(2, len(row) - 1, 2):
        qualifier, value = row[p], row[p + 1]
        if component in qualifier or component in value:
            qualifier, value = _first(qualifier, component), _first(value, component)
        if qualifier and value:
            pairs.append((qualifier, value))
    return pairs


def _as_of(loaded: LoadedSet, n: int) -> datetime.datetime | None:
    component = loaded.delimiters.component
    if not _value(loaded.rows[n], 4, component):
        return None
    day = _date(loaded, n, 4)
    raw_time = _value(loaded.rows[n], 5, component)[:4]
    moment = (
        datetime.time(int(raw_time[:2]), int(raw_time[2:]))
        if len(raw_time) == 4 and raw_time.isdigit() and raw_time < "2400" and raw_time[2] < "6"
        else datetime.time()
    )
    return timezone.make_aware(datetime.datetime.combine(day, moment))


def _lookups(partner: TradingPartner, batch: list[_Parsed]) -> _Lookups:
    wanted: dict[str, set[str]] = {"supplier": set(), "ours": set()}
    codes: set[str] = set()
    supplier_q, buyer_q = partner.supplier_item_qualifier, partner.buyer_item_qualifier
    upc_q, upc_map = partner.upc_qualifier, partner.upc_map
    for parsed in batch:
        for entry in parsed.entries:
            for qualifier, value in entry.pairs:
                if qualifier == supplier_q:
                    wanted["supplier"].add(value)
                elif qualifier == buyer_q:
                    wanted["ours"].add(value)
                elif qualifier == upc_q and value in upc_map:
                    wanted["ours"].add(upc_map[value])
            if entry.unit:
                codes.add(entry.unit)
    by_supplier_sku, by_sku = availability_items(
        supplier=partner.supplier, supplier_skus=list(wanted["supplier"]), skus=list(wanted["ours"])
    )
    mapped = {code: partner.uom_map.get(code, code) for code in codes}
    found = UnitOfMeasure.objects.in_bulk(list(set(mapped.values())), field_name="code")
    return _Lookups(
        by_supplier_sku=by_supplier_sku,
        by_sku=by_sku,
        units={code: found[unit].pk if unit in found else None for code, unit in mapped.items()},
    )


def _lines(
    partner: TradingPartner, loaded: LoadedSet, entries: list[_Entry], lookups: _Lookups
) -> list[AvailabilityLine]:
    """The set's item lines, or the SegmentError of the first one that names no item of the
    supplier, has no usable QTY or an unknown unit. One loop with the partner's qualifiers
    and the lookups at hand: it runs for every item line of a feed."""
    supplier_q, buyer_q = partner.supplier_item_qualifier, partner.buyer_item_qualifier
    upc_q, upc_map = partner.upc_qualifier, partner.upc_map
    by_supplier_sku, by_sku, units = lookups.by_supplier_sku, lookups.by_sku, lookups.units
    lines = []
    conversions: list[tuple[AvailabilityLine, int, int, int]] = []
    for entry in entries:
        item = None
        for qualifier, value in entry.pairs:
            if qualifier == supplier_q:
                item = by_supplier_sku.get(value)
            elif qualifier == buyer_q:
                item = by_sku.get(value)
            elif qualifier == upc_q and value in upc_map:
                item = by_sku.get(upc_map[value])
            if item is not None:
                break
        if item is None:
            raise SegmentError(
                f"LIN names none of {partner.supplier.code}'s items.",
                segment=loaded.segment(entry.lin),
                element=3,
            )
        if entry.qty is None:
            raise SegmentError(
                "An item has no QTY 33 (available).",
                segment=None,
                segment_id="QTY",
                segment_code="3",
            )
        raw = entry.amount
        amount = _AMOUNTS.get(raw)
        if amount is None:
            try:
                amount = Decimal(raw)
            except InvalidOperation:
                amount = Decimal("NaN")
            if not raw or not amount.is_finite():
                amount = quantity(loaded.segment(entry.qty), 2) or Decimal(0)  # raises, located
            elif len(_AMOUNTS) < 10_000:
                _AMOUNTS[raw] = amount
        line = AvailabilityLine(item, amount, entry.day)
        code = entry.unit
        if code:
            unit_id = units.get(code)
            if unit_id is None:
                raise SegmentError(
                    f"Unit {code!r} is unknown; add it to trading partner {partner.code}'s "
                    "unit map.",
                    segment=loaded.segment(entry.qty),
                    element=3,
                )
            if unit_id != item.uom_id:
                conversions.append((line, item.item_id, unit_id, item.uom_id))
        lines.append(line)
    return _convert(lines, conversions)


def _convert(
    lines: list[AvailabilityLine], conversions: list[tuple[AvailabilityLine, int, int, int]]
) -> list[AvailabilityLine]:
    """Quantities sent in another unit, converted exactly into the supplier item's unit
    (rare in a feed: the items and units they need are read only for them)."""
    if not conversions:
        return lines
    items = Item.objects.in_bulk({c[1] for c in conversions})
    units = UnitOfMeasure.objects.in_bulk({u for c in conversions for u in c[2:]})
    converted = {}
    for line, item_id, from_id, to_id in conversions:
        item, from_uom, to_uom = items[item_id], units[from_id], units[to_id]
        ratio = conversion_ratio(item=item, from_uom=from_uom, to_uom=to_uom)
        amount = convert_quantity(
            quantity=line.qty_available, from_uom=from_uom, to_uom=to_uom, item=item, ratio=ratio
        )
        converted[id(line)] = AvailabilityLine(line.item, amount, line.available_date)
    return [converted.get(id(line), line) for line in lines]


def prepare_846(loaded: LoadedSet) -> _Parsed:
    """The set parsed ahead of its batch (no database): see `map_846_batch`."""
    return _parse(loaded)


@contextlib.contextmanager
def _no_automatic_gc() -> Iterator[None]:
    """The cyclic garbage collector held back for one batch, and left as it was after.

    A batch makes hundreds of thousands of lists, tuples and dicts (rows, items, event
    data) that reference counting frees; each burst of allocations still set off CPython's
    collector, whose full passes walk every live object: half the CPU of an 846 import
    (issue 17, bench/README.md). Garbage in cycles made meanwhile waits for the next
    collection, after the batch: memory stays bounded by one batch."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def map_846_batch(
    profile: PartnerProfile, sets: Sequence[LoadedSet]
) -> list[MappingOutcome | DomainError]:
    """Post the availability of every set, one set-based service call for all of them."""
    with _no_automatic_gc():
        return _map_846_batch(profile, sets)


def _map_846_batch(
    profile: PartnerProfile, sets: Sequence[LoadedSet]
) -> list[MappingOutcome | DomainError]:
    partner = trading_partner(profile)
    results: list[MappingOutcome | DomainError | None] = [None] * len(sets)
    parsed: list[_Parsed | None] = []
    for n, loaded in enumerate(sets):
        try:
            ahead = loaded.prepared  # parsed by the intake's reader thread (prepare_846)
            parsed.append(ahead if isinstance(ahead, _Parsed) else _parse(loaded))
        except DomainError as error:
            results[n] = error
            parsed.append(None)
    lookups = _lookups(partner, [p for p in parsed if p is not None])
    posts: list[tuple[int, AvailabilityPost]] = []
    for n, item in enumerate(parsed):
        if item is None:
            continue
        try:
            posts.append((n, _post(partner, item, lookups)))
        except DomainError as error:
            results[n] = error
    refusals = supplier_availability_post_many(
        actor=edi_actor(partner),
        supplier=partner.supplier,
        posts=[post for _n, post in posts],
        channel=Channel.EDI,
    )
    for (n, post), refusal in zip(posts, refusals, strict=True):
        results[n] = refusal or MappingOutcome(
            summary=f"Availability posted for {len(post.lines)} items"
        )
    done = [result for result in results if result is not None]
    assert len(done) == len(sets), "every set has its outcome"
    return done


def _post(partner: TradingPartner, parsed: _Parsed, lookups: _Lookups) -> AvailabilityPost:
    loaded = parsed.loaded
    if not parsed.entries:
        raise SegmentError(
            "The 846 lists no items (LIN).", segment=None, segment_id="LIN", segment_code="3"
        )
    return AvailabilityPost(
        lines=_lines(partner, loaded, parsed.entries, lookups),
        as_of=parsed.as_of,
        reference=f"846 {loaded.control_number} in group {loaded.span.group.control_number}",
    )
