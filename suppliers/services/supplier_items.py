"""Supplier items: what a supplier sells us, under their SKU and in their unit."""

from typing import Any, NotRequired, TypedDict

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record, audit_update
from inventory.models import Item, UnitOfMeasure
from inventory.services import conversion_ratio, unit_of_measure
from inventory.services.items import clean_text, max_length_of
from portal.access import Actor
from suppliers.models import Supplier, SupplierItem

SUPPLIER_SKU_MAX_LENGTH = max_length_of(SupplierItem, "supplier_sku")


class _SupplierItemValues(TypedDict):
    """A supplier item's values as they are stored (`is_active` only when it is set)."""

    supplier_sku: str
    uom: UnitOfMeasure
    lead_time_days: int
    is_active: NotRequired[bool]


def _supplier_item_values(
    *, supplier_sku: str, uom: UnitOfMeasure | str, lead_time_days: int
) -> _SupplierItemValues:
    """The values as they are stored, or a DomainError on the first one that breaks a rule
    of its own (the rules that compare with stored rows come after)."""
    supplier_sku = clean_text(
        supplier_sku,
        field="supplier_sku",
        label="supplier SKU",
        max_length=SUPPLIER_SKU_MAX_LENGTH,
    )
    unit = unit_of_measure(uom)
    if isinstance(lead_time_days, bool) or not isinstance(lead_time_days, int):
        raise DomainError(
            gettext("Enter the lead time as a whole number of days."), field="lead_time_days"
        )
    if lead_time_days < 0:
        raise DomainError(
            gettext("The lead time cannot be negative (%(lead_time_days)s days); enter 0 or more.")
            % {"lead_time_days": lead_time_days},
            field="lead_time_days",
        )
    return {"supplier_sku": supplier_sku, "uom": unit, "lead_time_days": lead_time_days}


def _snapshot(supplier_item: SupplierItem) -> dict[str, Any]:
    return {
        "supplier": supplier_item.supplier.code,
        "item": supplier_item.item.sku,
        "supplier_sku": supplier_item.supplier_sku,
        "uom": supplier_item.uom.code,
        "lead_time_days": supplier_item.lead_time_days,
    }


def _snapshot_with_status(supplier_item: SupplierItem) -> dict[str, Any]:
    # Supplier items are created active, so the entry of a creation leaves is_active out
    # (imports have no such column); a change of it is audited like any other field.
    return {**_snapshot(supplier_item), "is_active": supplier_item.is_active}


def _check_pair_is_new(*, supplier: Supplier, item: Item) -> None:
    known = (
        SupplierItem.objects.filter(supplier=supplier, item=item)
        .values_list("supplier_sku", flat=True)
        .first()
    )
    if known is not None:
        # The code lets supplier_item_upsert tell "created meanwhile by someone else"
        # from a bad value.
        raise DomainError(
            gettext(
                "%(code)s already sells item %(sku)s, as %(known)s; a "
                "supplier has one entry per item. Change that entry instead."
            )
            % {"code": supplier.code, "sku": item.sku, "known": known},
            field="item",
            code="supplier_item_exists",
        )


def _check_supplier_sku_is_free(
    *, supplier: Supplier, item: Item, supplier_sku: str, current: SupplierItem | None
) -> None:
    others = SupplierItem.objects.filter(supplier=supplier, supplier_sku=supplier_sku)
    if current is not None:
        others = others.exclude(pk=current.pk)
    taken = others.select_related("item").first()
    if taken is not None:
        raise DomainError(
            gettext(
                "%(code)s already sells item %(sku)s as %(supplier_sku)s; a "
                "supplier SKU names one item. Give %(sku_2)s its own supplier "
                "SKU."
            )
            % {
                "code": supplier.code,
                "sku": taken.item.sku,
                "supplier_sku": supplier_sku,
                "sku_2": item.sku,
            },
            field="supplier_sku",
        )


def _check_unit_converts_to_base(*, item: Item, uom: UnitOfMeasure) -> None:
    """An ASN in the supplier's unit is converted to the item's base unit; without a
    conversion every shipment in that unit would be refused on the supplier's screen,
    where the supplier cannot fix it. Refuse it here, where the buyer can."""
    if uom.pk == item.base_uom_id:
        return
    try:
        conversion_ratio(item=item, from_uom=uom, to_uom=item.base_uom)
    except DomainError:
        raise DomainError(
            gettext(
                "%(sku)s is stocked in %(code)s and there is no conversion "
                "from %(code_2)s to %(code)s for it. Add one to the "
                "unit-of-measure table first, or use %(code)s."
            )
            % {"sku": item.sku, "code": item.base_uom.code, "code_2": uom.code},
            field="uom",
        ) from None


@transaction.atomic
def supplier_item_create(
    *,
    actor: Actor,
    supplier: Supplier,
    item: Item,
    supplier_sku: str,
    uom: UnitOfMeasure | str,
    lead_time_days: int,
    channel: str = Channel.PORTAL,
) -> SupplierItem:
    """Create the supplier's (active) entry for `item` and write one audit entry with its
    values.

    Rules: a supplier has one entry per item (a second is a DomainError on `item`, code
    "supplier_item_exists"). The supplier SKU is stripped, required and free of control
    characters, and names one item per supplier. `uom` is a unit or a unit code that must
    exist and be the item's base unit or convert to it. The lead time is a whole number
    of days, zero or more.
    """
    values = _supplier_item_values(
        supplier_sku=supplier_sku, uom=uom, lead_time_days=lead_time_days
    )
    _check_pair_is_new(supplier=supplier, item=item)
    _check_supplier_sku_is_free(
        supplier=supplier, item=item, supplier_sku=values["supplier_sku"], current=None
    )
    _check_unit_converts_to_base(item=item, uom=values["uom"])
    try:
        # A savepoint, so that losing a race for the pair or the supplier SKU leaves the
        # caller's transaction usable (supplier_item_upsert goes on to update the winner).
        with transaction.atomic():
            supplier_item = SupplierItem.objects.create(supplier=supplier, item=item, **values)
    except IntegrityError:
        # Which of the two was taken since the checks above: say so as they would have.
        _check_pair_is_new(supplier=supplier, item=item)
        _check_supplier_sku_is_free(
            supplier=supplier, item=item, supplier_sku=values["supplier_sku"], current=None
        )
        raise
    audit_record(
        actor=actor,
        channel=channel,
        obj=supplier_item,
        action="created",
        after=_snapshot(supplier_item),
    )
    return supplier_item


@transaction.atomic
def supplier_item_update(
    *,
    actor: Actor,
    supplier_item: SupplierItem,
    supplier_sku: str,
    uom: UnitOfMeasure | str,
    lead_time_days: int,
    is_active: bool | None = None,
    channel: str = Channel.PORTAL,
) -> SupplierItem:
    """Bring `supplier_item` to these values and return it; its supplier and item stay.

    The row is read again, locked, by its primary key: only `supplier_item.pk` is used,
    so a form's instance that already holds the new values does no harm. One audit entry
    with the before and after of the fields that changed; nothing changed, nothing
    written. `is_active=None` leaves its status as it is.

    Rules: those of `supplier_item_create` for the values, except that a unit it already
    has is kept even if its conversion has been removed since.
    """
    values = _supplier_item_values(
        supplier_sku=supplier_sku, uom=uom, lead_time_days=lead_time_days
    )
    if is_active is not None:
        values["is_active"] = bool(is_active)
    current = (
        SupplierItem.objects.select_for_update()
        .select_related("supplier", "item", "uom")
        .get(pk=supplier_item.pk)
    )
    _check_supplier_sku_is_free(
        supplier=current.supplier,
        item=current.item,
        supplier_sku=values["supplier_sku"],
        current=current,
    )
    if current.uom_id != values["uom"].pk:
        # An existing unit is left alone: a conversion removed since must not block a
        # change of lead time.
        _check_unit_converts_to_base(item=current.item, uom=values["uom"])
    audit_update(
        actor=actor, channel=channel, obj=current, values=values, snapshot=_snapshot_with_status
    )
    return current


@transaction.atomic
def supplier_item_upsert(
    *,
    actor: Actor,
    supplier: Supplier,
    item: Item,
    supplier_sku: str,
    uom: UnitOfMeasure | str,
    lead_time_days: int,
    channel: str = Channel.PORTAL,
) -> tuple[SupplierItem, bool]:
    """`supplier_item_create` for a new (supplier, item) pair, `supplier_item_update` of
    the supplier's entry for `item` otherwise.

    Returns (supplier item, created). The rules and the audit entries are theirs: an
    unchanged supplier item is audited not at all.
    """
    current = SupplierItem.objects.select_for_update().filter(supplier=supplier, item=item).first()
    if current is None:
        try:
            return supplier_item_create(
                actor=actor,
                supplier=supplier,
                item=item,
                supplier_sku=supplier_sku,
                uom=uom,
                lead_time_days=lead_time_days,
                channel=channel,
            ), True
        except DomainError as error:
            if error.code != "supplier_item_exists":
                raise
            # Created by another transaction since the lookup: update that one.
            current = SupplierItem.objects.get(supplier=supplier, item=item)
    return supplier_item_update(
        actor=actor,
        supplier_item=current,
        supplier_sku=supplier_sku,
        uom=uom,
        lead_time_days=lead_time_days,
        channel=channel,
    ), False
