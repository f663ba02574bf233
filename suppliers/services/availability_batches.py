"""Supplier availability from a feed: many posts at once, set-based (an EDI 846 file of
thousands of sets), under the rules of `supplier_availability_post` (`availability.py`).

What differs from the single post is how it is written, not what: every post is all or
nothing, every row changed gets its audit entry, the rows and entries are written by one
statement per batch, and the event is one per batch (see `supplier_availability_post_many`).
"""

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext

from integrations.correlation import current_correlation_id
from integrations.errors import DomainError
from integrations.models import AuditEntry, Channel
from integrations.services.event_batches import NewEvent, publish_many
from inventory.models import Item, UnitOfMeasure
from suppliers.models import Supplier, SupplierAvailability, SupplierItem
from suppliers.services import availability_sql
from suppliers.services.availability import (
    FUTURE_SLACK,
    MAX_QUANTITY,
    check_line,
    lock_supplier_availability,
    older_count,
)
from suppliers.services.availability_sql import AvailabilityItem


class AvailabilityLine(NamedTuple):
    """One item's count in a post (a named tuple, as `AvailabilityItem`: one per item line)."""

    item: AvailabilityItem
    qty_available: Decimal
    available_date: datetime.date | None = None


@dataclass(frozen=True)
class AvailabilityPost:
    """Many items counted at one time, recorded all or nothing (an EDI 846 set). `as_of`
    is when they were counted (now when not given); `reference` names the post in its
    event (e.g. the set's control numbers)."""

    lines: Sequence[AvailabilityLine]
    as_of: datetime.datetime | None = None
    reference: str = ""


def json_values(values: Sequence[int] | Sequence[str], *, cast: str = "text") -> RawSQL:
    """A subquery over many values sent as one JSON parameter, for `field__in=`: a feed's
    thousands of keys cost one parameter, not thousands of placeholders."""
    data = json.dumps(list(values))
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT (json_array_elements_text(%s::json))::{cast}", (data,))
    return RawSQL("SELECT value FROM json_each(%s)", (data,))


def availability_items(
    *, supplier: Supplier, supplier_skus: Sequence[str] = (), skus: Sequence[str] = ()
) -> tuple[dict[str, AvailabilityItem], dict[str, AvailabilityItem]]:
    """The supplier's items named by their supplier SKU and by our SKU, in two queries
    whatever their number: ({supplier SKU: item}, {our SKU: item})."""
    fields = (
        "id",
        "supplier_id",
        "supplier_sku",
        "item__sku",
        "item_id",
        "uom_id",
        "uom__code",
        "uom__decimal_places",
    )
    if connection.vendor == "postgresql":
        return _availability_items_sql(supplier, supplier_skus, skus)
    items = SupplierItem.objects.filter(supplier=supplier).order_by()
    by_supplier_sku = {
        row[2]: AvailabilityItem(*row)
        for row in (
            items.filter(supplier_sku__in=json_values(sorted(set(supplier_skus)))).values_list(
                *fields
            )
            if supplier_skus
            else []
        )
    }
    by_sku = {
        row[3]: AvailabilityItem(*row)
        for row in (
            items.filter(item__sku__in=json_values(sorted(set(skus)))).values_list(*fields)
            if skus
            else []
        )
    }
    return by_supplier_sku, by_sku


def _availability_items_sql(
    supplier: Supplier, supplier_skus: Sequence[str], skus: Sequence[str]
) -> tuple[dict[str, AvailabilityItem], dict[str, AvailabilityItem]]:
    """`availability_items` on PostgreSQL: the same two reads as plain SQL, rows straight
    from the cursor (a feed's batch names thousands of items; building them through the
    ORM cost more than the query)."""
    found: list[dict[str, AvailabilityItem]] = []
    for column, values in (("si.supplier_sku", supplier_skus), ("i.sku", skus)):
        if not values:
            found.append({})
            continue
        key = 2 if column == "si.supplier_sku" else 3
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT si.id, si.supplier_id, si.supplier_sku, i.sku, si.item_id,
                           si.uom_id, u.code, u.decimal_places
                    FROM {SupplierItem._meta.db_table} si
                    JOIN {Item._meta.db_table} i ON i.id = si.item_id
                    JOIN {UnitOfMeasure._meta.db_table} u ON u.id = si.uom_id
                    WHERE si.supplier_id = %s AND {column} IN
                        (SELECT json_array_elements_text(%s::json))""",
                [supplier.pk, json.dumps(sorted(set(values)))],
            )
            make = AvailabilityItem._make
            found.append({row[key]: make(row) for row in cursor.fetchall()})
    return found[0], found[1]


@transaction.atomic
def supplier_availability_post_many(
    *,
    actor: Any,
    supplier: Supplier,
    posts: Sequence[AvailabilityPost],
    channel: str = Channel.PORTAL,
) -> list[DomainError | None]:
    """Record many posts under the rules of `supplier_availability_post`, set-based.

    Each post is all or nothing and independent of the others: a post that breaks a rule
    writes nothing and comes back as its DomainError (naming the supplier SKU), in the
    post's place; the others come back as None. Posts apply in order, so a later count of
    an item replaces an earlier one and an older one is refused.

    What is recorded is what the single post records, grouped: the rows; an audit entry
    per post (action "availability_reported" on the supplier, `before` and `after` of
    every item it changed, keyed by supplier SKU) instead of one per row; and one
    `inventory.availability_reported` event per call (an EDI batch of sets) listing its
    posts and their items, instead of one per item. At a feed's half a million items a
    day, an audit row and an event per item would cost more than the write itself (and
    flood the audit trail); per post, the trail still says who changed what, from what.

    Statements per call, whatever the number of items: the supplier's lock (every writer
    of its availability takes it); on PostgreSQL one read of the rows counted after the
    earliest post and one statement that reads the rows replaced, upserts and inserts the
    audit entries (`availability_sql`); elsewhere one read of the rows the posts replace,
    one upsert per round (a round ends where an item comes again) and one insert of the
    audit entries; then one insert of the event."""
    now = timezone.now()
    today = timezone.localdate(now)
    lock_supplier_availability(supplier)
    ids = sorted({line.item.id for post in posts for line in post.lines})
    earliest = min((post.as_of or now for post in posts), default=now)
    # On PostgreSQL the audit entries are built by the write itself (`availability_sql`):
    # only the counts newer than the earliest post are read here, for the older-count rule.
    fused = connection.vendor == "postgresql"
    current, newer = ({}, _newer(ids, earliest)) if fused else _recorded(ids, earliest)
    results: list[DomainError | None] = []
    changes: list[_Change] = []
    lines: list[availability_sql.Line] = []
    entries: list[tuple[dict[str, Any], dict[str, Any]]] = []
    accepted: list[tuple[AvailabilityPost, datetime.datetime, list[dict[str, Any]]]] = []
    # Each quantity and date is printed once, for the write, the audit and the event alike.
    days: dict[datetime.date | None, str | None] = {None: None}
    for post in posts:
        as_of = post.as_of or now
        try:
            post_changes = _check_post(
                post, as_of, supplier_id=supplier.pk, newer=newer, now=now, today=today
            )
        except DomainError as error:
            results.append(error)
            continue
        results.append(None)
        number = len(accepted)
        shown = []
        for item, _qty, day, _as_of, text in post_changes:
            day_text = days.get(day)
            if day_text is None and day is not None:
                day_text = days[day] = day.isoformat()
            shown.append(
                {
                    "supplier_sku": item.supplier_sku,
                    "sku": item.sku,
                    "qty_available": text,
                    "uom": item.uom_code,
                    "available_date": day_text,
                }
            )
            if fused:
                lines.append((number, item, text, day_text))
        if not fused:
            entries.append(_audit_entry(post, as_of, post_changes, current))
            changes.extend(post_changes)
        accepted.append((post, as_of, shown))
    if not accepted or not (changes or lines):
        return results
    reporter = actor if getattr(actor, "is_authenticated", False) else None
    if fused:
        availability_sql.write_rows_and_audit(
            [(post.reference, as_of) for post, as_of, _shown in accepted],
            lines,
            channel=channel,
            reporter_id=reporter.pk if reporter else None,
            now=now,
            audit=_audit_columns(supplier, actor, channel),
        )
    else:
        for round_ in _rounds(changes):
            _upsert(round_, channel=channel, reporter=reporter, now=now)
        _audit(entries, supplier=supplier, actor=actor, reporter=reporter, channel=channel, now=now)
    publish_many(
        events=[
            NewEvent(
                event_type="inventory.availability_reported",
                aggregate_type="supplier_availability",
                aggregate_id=supplier.code,
                data=_event_data(supplier, accepted),
            )
        ],
        actor=actor,
        channel=channel,
    )
    return results


def _audit_columns(supplier: Supplier, actor: Any, channel: str) -> dict[str, Any]:
    """The columns every audit entry of a call shares (`availability_sql`'s parameters)."""
    return {
        "actor_label": str(actor) if actor is not None else "system",
        "object_type": Supplier._meta.label_lower,
        "object_id": str(supplier.pk),
        "object_repr": str(supplier)[:200],
        "action": "availability_reported",
        "correlation_id": current_correlation_id(),
    }


def _newer(ids: list[int], earliest: datetime.datetime) -> dict[int, datetime.datetime]:
    """The as-of time of the rows counted later than the earliest post (PostgreSQL): the
    only ones a post could be older than; in a daily feed, none."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT supplier_item_id, as_of FROM {SupplierAvailability._meta.db_table}
                WHERE supplier_item_id IN (SELECT (json_array_elements_text(%s::json))::bigint)
                  AND as_of > %s""",
            [json.dumps(ids), earliest],
        )
        return dict(cursor.fetchall())


# (quantity, next-available date, as of) of a recorded row, as its audit entry shows them.
_Shown = dict[str, str | None]


def _recorded(
    ids: list[int], earliest: datetime.datetime
) -> tuple[dict[int, _Shown], dict[int, datetime.datetime]]:
    """The rows the posts replace, as audit `before` values, and the as-of time of those
    counted later than the earliest post (the only ones a post could be older than)."""
    table = SupplierAvailability._meta.db_table
    current: dict[int, _Shown] = {}
    newer: dict[int, datetime.datetime] = {}
    if connection.vendor == "postgresql":
        # Text from the database itself: half a million rows are not parsed into Python
        # values only to be printed back.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT supplier_item_id, qty_available::text, available_date::text,
                           to_json(as_of)::text, as_of > %s
                    FROM {table}
                    WHERE supplier_item_id IN
                        (SELECT (json_array_elements_text(%s::json))::bigint)""",
                [earliest, json.dumps(ids)],
            )
            for item_id, qty, day, as_of, later in cursor.fetchall():
                current[item_id] = {
                    "qty_available": qty,
                    "available_date": day,
                    "as_of": as_of[1:-1],
                }
                if later:
                    newer[item_id] = datetime.datetime.fromisoformat(as_of[1:-1])
        return current, newer
    rows = SupplierAvailability.objects.filter(supplier_item_id__in=ids).values_list(
        "supplier_item_id", "qty_available", "available_date", "as_of"
    )
    for item_id, qty, day, as_of in rows:
        current[item_id] = {
            "qty_available": str(qty),
            "available_date": _iso(day),
            "as_of": _iso(as_of),
        }
        if as_of > earliest:
            newer[item_id] = as_of
    return current, newer


# (item, quantity, next-available date, as of, quantity as printed) of one accepted line.
_Change = tuple[AvailabilityItem, Decimal, datetime.date | None, datetime.datetime, str]

# A whole count below MAX_QUANTITY prints as at most this many digits.
_WHOLE_DIGITS = len(str(MAX_QUANTITY - 1))


def _check_post(
    post: AvailabilityPost,
    as_of: datetime.datetime,
    *,
    supplier_id: int,
    newer: dict[int, datetime.datetime],
    now: datetime.datetime,
    today: datetime.date,
) -> list[_Change]:
    """The post's changes, or the DomainError of its first line that breaks a rule; an
    accepted post's time becomes its items' recorded time for the posts after it."""
    seen: set[int] = set()
    changes = []
    future = as_of > now + FUTURE_SLACK
    for item, quantity, day in post.lines:
        label = item.supplier_sku
        if item.supplier_id != supplier_id:
            raise DomainError(
                gettext("%(label)s is not one of your items.") % {"label": label},
                field="supplier_sku",
                line=label,
            )
        if item.id in seen:
            raise DomainError(
                gettext("%(label)s appears twice; post each item once.") % {"label": label},
                field="supplier_sku",
                line=label,
            )
        seen.add(item.id)
        text = str(quantity)
        # The common line (a whole, sane count for now: printed as a few digits and
        # nothing else) is told apart cheaply; any other goes through every rule, which
        # then names what is wrong.
        if (
            future
            or item.decimal_places
            or not text.isdigit()
            or len(text) > _WHOLE_DIGITS
            or (day is not None and day < today)
        ):
            check_line(
                label=label,
                quantity=quantity,
                uom_code=item.uom_code,
                decimal_places=item.decimal_places,
                as_of=as_of,
                available_date=day,
                now=now,
                today=today,
            )
        if newer:
            recorded = newer.get(item.id)
            if recorded is not None and as_of < recorded:
                raise older_count(label, as_of, recorded)
        changes.append((item, quantity, day, as_of, text))
    for change in changes:
        newer[change[0].id] = as_of
    return changes


def _rounds(changes: list[_Change]) -> list[list[_Change]]:
    """Consecutive runs in which no item comes twice (one upsert cannot touch a row twice)."""
    rounds: list[list[_Change]] = [[]]
    seen: set[int] = set()
    for change in changes:
        if change[0].id in seen:
            rounds.append([])
            seen = set()
        seen.add(change[0].id)
        rounds[-1].append(change)
    return [r for r in rounds if r]


def _iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _audit_entry(
    post: AvailabilityPost,
    as_of: datetime.datetime,
    changes: list[_Change],
    current: dict[int, _Shown],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) of one post's audit entry; what it leaves becomes `current`."""
    before: dict[str, Any] = {}
    items: dict[str, Any] = {}
    when = as_of.isoformat()
    for item, _qty, day, _as_of, text in changes:
        shown = current.get(item.id)
        if shown is not None:
            before[item.supplier_sku] = shown
        items[item.supplier_sku] = {
            "sku": item.sku,
            "qty_available": text,
            "uom": item.uom_code,
            "available_date": _iso(day),
        }
        current[item.id] = {
            "qty_available": items[item.supplier_sku]["qty_available"],
            "available_date": items[item.supplier_sku]["available_date"],
            "as_of": when,
        }
    return before, {"reference": post.reference, "as_of": when, "items": items}


def _upsert(changes: list[_Change], *, channel: str, reporter: Any, now: datetime.datetime) -> None:
    if connection.vendor != "postgresql":
        SupplierAvailability.objects.bulk_create(
            [
                SupplierAvailability(
                    supplier_item_id=item.id,
                    qty_available=qty,
                    available_date=day,
                    as_of=as_of,
                    channel=channel,
                    reported_by=reporter,
                )
                for item, qty, day, as_of, _text in changes
            ],
            update_conflicts=True,
            unique_fields=["supplier_item"],
            update_fields=[
                "qty_available",
                "available_date",
                "as_of",
                "channel",
                "reported_by",
                "updated_at",
            ],
        )
        return
    # PostgreSQL: the rows as one JSON parameter (one string to send and parse, not tens
    # of thousands of placeholders).
    text = {value: _iso(value) for value in {c[3] for c in changes} | {c[2] for c in changes}}
    rows = [[item.id, shown, text[day], text[as_of]] for item, _q, day, as_of, shown in changes]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {SupplierAvailability._meta.db_table}
                (supplier_item_id, qty_available, available_date, as_of, channel,
                 reported_by_id, updated_at)
            SELECT (r->>0)::bigint, (r->>1)::numeric, (r->>2)::date, (r->>3)::timestamptz,
                   %s, %s, %s
            FROM json_array_elements(%s::json) AS r
            ON CONFLICT (supplier_item_id) DO UPDATE SET
                qty_available = EXCLUDED.qty_available,
                available_date = EXCLUDED.available_date,
                as_of = EXCLUDED.as_of,
                channel = EXCLUDED.channel,
                reported_by_id = EXCLUDED.reported_by_id,
                updated_at = EXCLUDED.updated_at
            """,
            [channel, reporter.pk if reporter else None, now, json.dumps(rows)],
        )


def _audit(
    entries: list[tuple[dict[str, Any], dict[str, Any]]],
    *,
    supplier: Supplier,
    actor: Any,
    reporter: Any,
    channel: str,
    now: datetime.datetime,
) -> None:
    common: dict[str, Any] = {
        "occurred_at": now,
        "actor_label": str(actor) if actor is not None else "system",
        "channel": Channel(channel),
        "object_type": Supplier._meta.label_lower,
        "object_id": str(supplier.pk),
        "object_repr": str(supplier)[:200],
        "action": "availability_reported",
        "correlation_id": current_correlation_id(),
    }
    if connection.vendor != "postgresql":
        AuditEntry.objects.bulk_create(
            AuditEntry(actor=reporter, before=before, after=after, **common)
            for before, after in entries
        )
        return
    # One JSON parameter again: the ORM would send each entry's JSON as an array element,
    # which the driver escapes character by character.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {AuditEntry._meta.db_table}
                (occurred_at, actor_id, actor_label, channel, object_type, object_id,
                 object_repr, action, before, after, correlation_id)
            SELECT %s, %s, %s, %s, %s, %s, %s, %s, (r->0)::jsonb, (r->1)::jsonb, %s
            FROM json_array_elements(%s::json) AS r
            """,
            [
                common["occurred_at"],
                reporter.pk if reporter else None,
                common["actor_label"],
                common["channel"],
                common["object_type"],
                common["object_id"],
                common["object_repr"],
                common["action"],
                common["correlation_id"],
                json.dumps(entries),
            ],
        )


def _event_data(
    supplier: Supplier,
    posts: list[tuple[AvailabilityPost, datetime.datetime, list[dict[str, Any]]]],
) -> dict[str, Any]:
    """The event's data, JSON-ready (no Decimal or date left for the outbox to convert):
    each post with its items as `supplier_availability_post_many` printed them."""
    return {
        "supplier": supplier.code,
        "posts": [
            {"reference": post.reference, "as_of": as_of.isoformat(), "items": items}
            for post, as_of, items in posts
        ],
    }
