"""Writes and rules of the inventory app: exact unit-of-measure conversion."""

from decimal import Decimal, localcontext

from django.db.models import Q

from integrations.errors import DomainError
from inventory.models import Item, UnitOfMeasure, UomConversion


def _factor_between(*, item: Item | None, from_uom: UnitOfMeasure, to_uom: UnitOfMeasure):
    """The exact factor (as numerator, denominator) for 1 from_uom in to_uom, or None.

    Item-specific conversions win over global ones; either direction of a stored pair
    serves, inverted exactly as a fraction rather than as a rounded decimal.
    """
    pair = Q(from_uom=from_uom, to_uom=to_uom) | Q(from_uom=to_uom, to_uom=from_uom)
    scope = Q(item__isnull=True) | Q(item=item) if item is not None else Q(item__isnull=True)
    rows = list(
        UomConversion.objects.filter(pair & scope).values_list("item_id", "from_uom_id", "factor")
    )
    rows.sort(key=lambda row: row[0] is None)  # item-specific first
    for _item_id, from_id, factor in rows:
        if from_id == from_uom.pk:
            return factor, Decimal(1)
        return Decimal(1), factor
    return None


def conversion_ratio(
    *, item: Item | None, from_uom: UnitOfMeasure, to_uom: UnitOfMeasure
) -> tuple[Decimal, Decimal]:
    """(numerator, denominator) such that qty in to_uom = qty × numerator / denominator.

    Tries a direct conversion, then a path through the item's base unit.
    """
    if from_uom.pk == to_uom.pk:
        return Decimal(1), Decimal(1)
    direct = _factor_between(item=item, from_uom=from_uom, to_uom=to_uom)
    if direct is not None:
        return direct
    if item is not None and item.base_uom_id not in (from_uom.pk, to_uom.pk):
        first = _factor_between(item=item, from_uom=from_uom, to_uom=item.base_uom)
        second = _factor_between(item=item, from_uom=item.base_uom, to_uom=to_uom)
        if first is not None and second is not None:
            return first[0] * second[0], first[1] * second[1]
    what = f"item {item.sku}" if item is not None else "any item"
    raise DomainError(
        f"There is no conversion from {from_uom.code} to {to_uom.code} for {what}. "
        "Ask the buyer to add one to the unit-of-measure table.",
        field="uom",
        code="no_conversion",
    )


def convert_quantity(
    *,
    quantity: Decimal,
    from_uom: UnitOfMeasure,
    to_uom: UnitOfMeasure,
    item: Item | None = None,
) -> Decimal:
    """`quantity` in `from_uom`, expressed exactly in `to_uom`.

    Never rounds: when the result would not be a whole number of a count unit, or would
    need more digits than the target unit allows, it raises a DomainError that says so.
    """
    if not isinstance(quantity, Decimal):
        raise TypeError("quantity must be a Decimal")
    if not quantity.is_finite():
        raise DomainError("Quantity must be a number.", field="quantity")
    numerator, denominator = conversion_ratio(item=item, from_uom=from_uom, to_uom=to_uom)
    with localcontext() as ctx:
        ctx.prec = 60
        scaled = quantity * numerator
        result = scaled / denominator
        exact = result * denominator == scaled
        places = to_uom.decimal_places
        fits = exact and result == result.quantize(Decimal(1).scaleb(-places))
    if not fits:
        if to_uom.is_count:
            per = (denominator / numerator).normalize()  # formatted with :f below
            raise DomainError(
                f"{quantity.normalize():f} {from_uom.code} is not a whole number of "
                f"{to_uom.code} (1 {to_uom.code} = {per:f} {from_uom.code}). "
                f"Enter a multiple of {per:f} {from_uom.code}, or use {from_uom.code}.",
                field="quantity",
                code="inexact_conversion",
            )
        raise DomainError(
            f"{quantity.normalize():f} {from_uom.code} does not convert exactly to "
            f"{to_uom.code} within {places} decimal places.",
            field="quantity",
            code="inexact_conversion",
        )
    return result.quantize(Decimal(1).scaleb(-places)) if places else result.to_integral_value()


def unit_of_measure(value: UnitOfMeasure | str, *, field: str = "uom") -> UnitOfMeasure:
    """A unit given as itself or by its code (as an import cell or a form sends it); an
    unknown code is a DomainError on `field` that says where the units are."""
    if isinstance(value, UnitOfMeasure):
        return value
    code = (value or "").strip()
    unit = UnitOfMeasure.objects.filter(code=code).first() if code else None
    if unit is None:
        raise DomainError(
            f"There is no unit of measure '{code}'; use one of the units in the "
            "unit-of-measure table.",
            field=field,
        )
    return unit
