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

import datetime
from collections.abc import Sequence
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


@dataclass
class _Entry:
    lin: int  # row of the LIN
    pairs: list[tuple[str, str]]
    qty: int | None = None  # row of the QTY taken
    qty_code: str = ""
    day: datetime.date | None = None


@dataclass
class _Parsed:
    loaded: LoadedSet
    as_of: datetime.datetime | None = None
    entries: list[_Entry] = field(default_factory=list)


@dataclass
class _Lookups:
    """What the batch's items and units resolve to, each found with one query."""

    by_supplier_sku: dict[str, AvailabilityItem]
    by_sku: dict[str, AvailabilityItem]
    units: dict[str, UnitOfMeasure | None]


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
    parsed = _Parsed(loaded)
    component = loaded.delimiters.component
    current: _Entry | None = None
    for n, row in enumerate(loaded.rows):
        segment_id = row[0]
        if segment_id == "LIN":
            pairs = []
            for p in range(2, len(row) - 1, 2):
                qualifier, value = row[p], row[p + 1]
                if component in qualifier or component in value:
                    qualifier, value = _first(qualifier, component), _first(value, component)
                if qualifier and value:
                    pairs.append((qualifier, value))
            current = _Entry(lin=n, pairs=pairs)
            parsed.entries.append(current)
        elif segment_id == "QTY" and current is not None:
            # The qualifier inline (a feed has a QTY per item): _value's rules, no call.
            code = row[1] if len(row) > 1 else ""
            if component in code:
                code = code.split(component, 1)[0]
            if (code == "33" or code == "17") and (current.qty is None or code == "33"):
                current.qty, current.qty_code = n, code
        elif segment_id == "DTM" and current is not None:
            if _value(row, 1, component) in ("018", "169"):
                current.day = _date(loaded, n, 2)
        elif segment_id == "BIA" and parsed.as_of is None:
            parsed.as_of = _as_of(loaded, n)
    return parsed


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
    units: set[str] = set()
    for parsed in batch:
        component = parsed.loaded.delimiters.component
        for entry in parsed.entries:
            for qualifier, value in entry.pairs:
                if qualifier == partner.supplier_item_qualifier:
                    wanted["supplier"].add(value)
                elif qualifier == partner.buyer_item_qualifier:
                    wanted["ours"].add(value)
                elif qualifier == partner.upc_qualifier and value in partner.upc_map:
                    wanted["ours"].add(partner.upc_map[value])
            if entry.qty is not None:
                code = _value(parsed.loaded.rows[entry.qty], 3, component)
                if code:
                    units.add(partner.uom_map.get(code, code))
    by_supplier_sku, by_sku = availability_items(
        supplier=partner.supplier, supplier_skus=list(wanted["supplier"]), skus=list(wanted["ours"])
    )
    found = UnitOfMeasure.objects.in_bulk(list(units), field_name="code")
    return _Lookups(
        by_supplier_sku=by_supplier_sku,
        by_sku=by_sku,
        units={code: found.get(code) for code in units},
    )


def _supplier_item(
    partner: TradingPartner, loaded: LoadedSet, entry: _Entry, lookups: _Lookups
) -> AvailabilityItem:
    for qualifier, value in entry.pairs:
        found = None
        if qualifier == partner.supplier_item_qualifier:
            found = lookups.by_supplier_sku.get(value)
        elif qualifier == partner.buyer_item_qualifier:
            found = lookups.by_sku.get(value)
        elif qualifier == partner.upc_qualifier and value in partner.upc_map:
            found = lookups.by_sku.get(partner.upc_map[value])
        if found is not None:
            return found
    raise SegmentError(
        f"LIN names none of {partner.supplier.code}'s items.",
        segment=loaded.segment(entry.lin),
        element=3,
    )


def _line(
    partner: TradingPartner,
    loaded: LoadedSet,
    entry: _Entry,
    lookups: _Lookups,
    conversions: list[tuple[AvailabilityLine, int, int, int]],
) -> AvailabilityLine:
    item = _supplier_item(partner, loaded, entry, lookups)
    if entry.qty is None:
        raise SegmentError(
            "An item has no QTY 33 (available).", segment=None, segment_id="QTY", segment_code="3"
        )
    row = loaded.rows[entry.qty]
    component = loaded.delimiters.component
    raw = _value(row, 2, component).strip()
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not raw or not amount.is_finite():
        amount = quantity(loaded.segment(entry.qty), 2) or Decimal(0)  # raises, located
    line = AvailabilityLine(item, amount, entry.day)
    code = _value(row, 3, component)
    if code:
        unit = lookups.units.get(partner.uom_map.get(code, code))
        if unit is None:
            raise SegmentError(
                f"Unit {code!r} is unknown; add it to trading partner {partner.code}'s unit map.",
                segment=loaded.segment(entry.qty),
                element=3,
            )
        if unit.pk != item.uom_id:
            conversions.append((line, item.item_id, unit.pk, item.uom_id))
    return line


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


def map_846_batch(
    profile: PartnerProfile, sets: Sequence[LoadedSet]
) -> list[MappingOutcome | DomainError]:
    """Post the availability of every set, one set-based service call for all of them."""
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
    conversions: list[tuple[AvailabilityLine, int, int, int]] = []
    lines = [_line(partner, loaded, entry, lookups, conversions) for entry in parsed.entries]
    return AvailabilityPost(
        lines=_convert(lines, conversions),
        as_of=parsed.as_of,
        reference=f"846 {loaded.control_number} in group {loaded.span.group.control_number}",
    )
