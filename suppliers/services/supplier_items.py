"""Supplier items: what a supplier sells us, under their SKU and in their unit."""

from django.db import IntegrityError, transaction

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record, audit_update
from inventory.models import Item, UnitOfMeasure
from inventory.services import conversion_ratio
from inventory.services.items import clean_text
from suppliers.models import Supplier, SupplierItem

SUPPLIER_SKU_MAX_LENGTH = SupplierItem._meta.get_field("supplier_sku").max_length


def _unit(value: UnitOfMeasure | str) -> UnitOfMeasure:
    if isinstance(value, UnitOfMeasure):
        return value
    code = (value or "").strip()
    unit = UnitOfMeasure.objects.filter(code=code).first() if code else None
    if unit is None:
        raise DomainError(
            f"There is no unit of measure '{code}'; use one of the units in the "
            "unit-of-measure table.",
            field="uom",
        )
    return unit


def _snapshot(supplier_item: SupplierItem) -> dict:
    return {
        "supplier": supplier_item.supplier.code,
        "item": supplier_item.item.sku,
        "supplier_sku": supplier_item.supplier_sku,
        "uom": supplier_item.uom.code,
        "lead_time_days": supplier_item.lead_time_days,
    }


def _check_supplier_sku_is_free(
    *, supplier: Supplier, item: Item, supplier_sku: str, current: SupplierItem | None
) -> None:
    others = SupplierItem.objects.filter(supplier=supplier, supplier_sku=supplier_sku)
    if current is not None:
        others = others.exclude(pk=current.pk)
    taken = others.select_related("item").first()
    if taken is not None:
        raise DomainError(
            f"{supplier.code} already sells item {taken.item.sku} as {supplier_sku}; a "
            f"supplier SKU names one item. Give {item.sku} its own supplier SKU.",
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
            f"{item.sku} is stocked in {item.base_uom.code} and there is no conversion "
            f"from {uom.code} to {item.base_uom.code} for it. Add one to the "
            f"unit-of-measure table first, or use {item.base_uom.code}.",
            field="uom",
        ) from None


@transaction.atomic
def supplier_item_upsert(
    *,
    actor,
    supplier: Supplier,
    item: Item,
    supplier_sku: str,
    uom: UnitOfMeasure | str,
    lead_time_days: int,
    channel: str = Channel.PORTAL,
) -> tuple[SupplierItem, bool]:
    """Create the supplier's entry for `item`, or bring the existing one to these values.

    Returns (supplier item, created). One audit entry with the fields that changed is
    written when it is created or changed; an unchanged one is audited not at all.

    Rules: the supplier SKU is stripped, required and free of control characters, and
    names one item per supplier. `uom` is a unit or a unit code that must exist and, when
    it is new, must be the item's base unit or convert to it. The lead time is a whole
    number of days, zero or more.
    """
    supplier_sku = clean_text(
        supplier_sku,
        field="supplier_sku",
        label="supplier SKU",
        max_length=SUPPLIER_SKU_MAX_LENGTH,
    )
    unit = _unit(uom)
    if isinstance(lead_time_days, bool) or not isinstance(lead_time_days, int):
        raise DomainError("Enter the lead time as a whole number of days.", field="lead_time_days")
    if lead_time_days < 0:
        raise DomainError(
            f"The lead time cannot be negative ({lead_time_days} days); enter 0 or more.",
            field="lead_time_days",
        )
    current = (
        SupplierItem.objects.select_for_update()
        .select_related("supplier", "item", "uom")
        .filter(supplier=supplier, item=item)
        .first()
    )
    _check_supplier_sku_is_free(
        supplier=supplier, item=item, supplier_sku=supplier_sku, current=current
    )
    if current is None or current.uom_id != unit.pk:
        # An existing unit is left alone: a conversion removed since must not block a
        # change of lead time.
        _check_unit_converts_to_base(item=item, uom=unit)

    values = {"supplier_sku": supplier_sku, "uom": unit, "lead_time_days": lead_time_days}
    if current is None:
        try:
            # A savepoint, so that losing a race to create the same pair leaves this
            # transaction usable for the update below.
            with transaction.atomic():
                current = SupplierItem.objects.create(supplier=supplier, item=item, **values)
        except IntegrityError:
            current = (
                SupplierItem.objects.select_for_update()
                .select_related("supplier", "item", "uom")
                .filter(supplier=supplier, item=item)
                .first()
            )
            if current is None:
                # Not the pair: the supplier SKU was taken since the check above.
                _check_supplier_sku_is_free(
                    supplier=supplier, item=item, supplier_sku=supplier_sku, current=None
                )
                raise
        else:
            audit_record(
                actor=actor,
                channel=channel,
                obj=current,
                action="created",
                after=_snapshot(current),
            )
            return current, True

    audit_update(actor=actor, channel=channel, obj=current, values=values, snapshot=_snapshot)
    return current, False
