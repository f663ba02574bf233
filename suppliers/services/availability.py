"""Supplier inventory availability: what a supplier can ship us, per supplier item.

Two ways in, one set of rules. `supplier_availability_post` (portal, API, CSV) records one
post item by item. `supplier_availability_post_many` (`availability_batches.py`) records
many posts at once (an EDI 846 feed of thousands of sets) set-based. Both take the
supplier's lock first (`lock_supplier_availability`), so their checks and writes of one
supplier's availability never interleave.

Events: `inventory.availability_reported`. One per item from `supplier_availability_post`
(aggregate_type "supplier_item", aggregate_id "<supplier code>:<supplier sku>"); one per
call of `supplier_availability_post_many`, i.e. per EDI batch of up to 250 sets
(aggregate_type "supplier_availability", aggregate_id the supplier's code, data.items
listing every item recorded with its as-of time and its set's reference).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record, publish
from portal.access import Actor, actor_user
from suppliers.models import Supplier, SupplierAvailability, SupplierItem

# A clock a little ahead of ours is not an error; a count from tomorrow is.
FUTURE_SLACK = datetime.timedelta(minutes=5)
# The quantity column holds 18 digits, 6 of them after the point.
MAX_QUANTITY = Decimal(10) ** 12


@dataclass(frozen=True)
class AvailabilityInput:
    supplier_item: SupplierItem
    qty_available: Decimal
    available_date: datetime.date | None = None
    as_of: datetime.datetime | None = None


def _validate(*, supplier: Supplier, entry: AvailabilityInput, now: datetime.datetime) -> None:
    supplier_item = entry.supplier_item
    label = supplier_item.supplier_sku
    if supplier_item.supplier_id != supplier.pk:
        raise DomainError(
            gettext("%(label)s is not one of your items.") % {"label": label},
            field="supplier_sku",
            line=label,
        )
    check_line(
        label=label,
        quantity=entry.qty_available,
        uom_code=supplier_item.uom.code,
        decimal_places=supplier_item.uom.decimal_places,
        as_of=entry.as_of,
        available_date=entry.available_date,
        now=now,
        today=timezone.localdate(now),
    )


_STEPS = {places: Decimal(1).scaleb(-places) for places in range(7)}


def check_line(
    *,
    label: str,
    quantity: Decimal | None,
    uom_code: str,
    decimal_places: int,
    as_of: datetime.datetime | None,
    available_date: datetime.date | None,
    now: datetime.datetime,
    today: datetime.date,
) -> None:
    """The rules every reported quantity meets, whichever way it comes in."""
    if quantity is None or not quantity.is_finite():
        raise DomainError(
            gettext("Enter the quantity available."), field="qty_available", line=label
        )
    if quantity < 0:
        raise DomainError(
            gettext("The quantity available cannot be negative; enter 0 when you have none."),
            field="qty_available",
            line=label,
        )
    if quantity >= MAX_QUANTITY:
        raise DomainError(
            gettext("The quantity available must be less than 1,000,000,000,000."),
            field="qty_available",
            line=label,
        )
    step = _STEPS.get(decimal_places) or Decimal(1).scaleb(-decimal_places)
    exponent = quantity.as_tuple().exponent  # a str only for NaN and infinities
    if (
        isinstance(exponent, int)
        and exponent < -decimal_places
        and quantity != quantity.quantize(step)
    ):
        raise DomainError(
            gettext("%(uom_code)s allows %(decimal_places)s decimal places; %(quantity)s has more.")
            % {
                "uom_code": uom_code,
                "decimal_places": decimal_places,
                "quantity": format(quantity.normalize(), "f"),
            },
            field="qty_available",
            line=label,
        )
    if as_of is not None and as_of > now + FUTURE_SLACK:
        raise DomainError(gettext("'As of' cannot be in the future."), field="as_of", line=label)
    if available_date is not None and available_date < today:
        raise DomainError(
            gettext(
                "The next-available date is in the past; leave it blank or enter a future date."
            ),
            field="available_date",
            line=label,
        )


def lock_supplier_availability(supplier: Supplier) -> None:
    """Availability writes of one supplier take turns: a count checked against the one
    recorded cannot be overtaken before it is written, and the supplier's availability
    events keep their order. FOR NO KEY UPDATE: a PO for the supplier is not held up."""
    Supplier.objects.select_for_update(no_key=True).filter(pk=supplier.pk).exists()


def older_count(label: str, as_of: datetime.datetime, recorded: datetime.datetime) -> DomainError:
    return DomainError(
        gettext(
            "%(label)s: this count is as of %(as_of)s, older than the one "
            "already recorded (%(recorded)s)."
        )
        % {
            "label": label,
            "as_of": format(as_of, "%Y-%m-%d %H:%M"),
            "recorded": format(recorded, "%Y-%m-%d %H:%M"),
        },
        field="as_of",
        line=label,
    )


@transaction.atomic
def supplier_availability_post(
    *,
    actor: Actor,
    supplier: Supplier,
    entries: list[AvailabilityInput],
    channel: str = Channel.PORTAL,
) -> list[SupplierAvailability]:
    """Record the supplier's available quantity (and next-available date) for each of
    these items, as of the given time (now when not given). All or nothing: the first bad
    entry raises a DomainError naming its supplier SKU. A post older than the one already
    recorded for an item is refused rather than overwriting newer information."""
    now = timezone.now()
    lock_supplier_availability(supplier)
    for entry in entries:
        _validate(supplier=supplier, entry=entry, now=now)
    item_ids = [entry.supplier_item.pk for entry in entries]
    if len(set(item_ids)) != len(item_ids):
        raise DomainError(
            gettext("An item appears twice; post each item once."), field="supplier_sku"
        )
    current = {
        row.supplier_item_id: row
        for row in SupplierAvailability.objects.select_for_update().filter(
            supplier_item_id__in=item_ids
        )
    }
    saved = []
    for entry in entries:
        supplier_item = entry.supplier_item
        as_of = entry.as_of or now
        row = current.get(supplier_item.pk)
        before = {}
        if row is not None:
            if as_of < row.as_of:
                raise DomainError(
                    gettext(
                        "%(supplier_sku)s: this count is as of %(as_of)s, older than "
                        "the one already recorded (%(as_of_2)s)."
                    )
                    % {
                        "supplier_sku": supplier_item.supplier_sku,
                        "as_of": format(as_of, "%Y-%m-%d %H:%M"),
                        "as_of_2": format(row.as_of, "%Y-%m-%d %H:%M"),
                    },
                    field="as_of",
                    line=supplier_item.supplier_sku,
                )
            before = {
                "qty_available": row.qty_available,
                "available_date": row.available_date,
                "as_of": row.as_of,
            }
        else:
            row = SupplierAvailability(supplier_item=supplier_item)
        row.qty_available = entry.qty_available
        row.available_date = entry.available_date
        row.as_of = as_of
        row.channel = channel
        row.reported_by = actor_user(actor)
        row.save()
        after = {
            "supplier": supplier.code,
            "supplier_sku": supplier_item.supplier_sku,
            "sku": supplier_item.item.sku,
            "qty_available": row.qty_available,
            "uom": supplier_item.uom.code,
            "available_date": row.available_date,
            "as_of": row.as_of,
        }
        audit_record(
            actor=actor, channel=channel, obj=row, action="reported", before=before, after=after
        )
        publish(
            event_type="inventory.availability_reported",
            aggregate_type="supplier_item",
            aggregate_id=f"{supplier.code}:{supplier_item.supplier_sku}",
            data=after,
            actor=actor,
            channel=channel,
        )
        saved.append(row)
    return saved
