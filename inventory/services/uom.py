"""Writes and rules of the inventory app: exact unit-of-measure conversion."""

from decimal import Decimal, localcontext

from django.db.models import Q
from django.utils.translation import gettext

from integrations.errors import DomainError
from inventory.models import Item, UnitOfMeasure, UomConversion

# A stored conversion as the ratio logic reads it: (item_id or None, from_uom_id,
# to_uom_id, factor), meaning 1 from_uom = factor × to_uom.
ConversionRow = tuple[int | None, int, int, Decimal]
Ratio = tuple[Decimal, Decimal]


def _factor_in(
    rows: list[ConversionRow], *, item_id: int | None, from_id: int, to_id: int
) -> Ratio | None:
    """The exact factor (as numerator, denominator) for 1 from-unit in the to-unit among
    `rows`, or None. Item-specific conversions win over global ones; either direction of
    a stored pair serves, inverted exactly as a fraction rather than a rounded decimal."""
    candidates = [
        row for row in rows if {row[1], row[2]} == {from_id, to_id} and row[0] in (None, item_id)
    ]
    candidates.sort(key=lambda row: row[0] is None)  # item-specific first
    for _item_id, stored_from, _stored_to, factor in candidates[:1]:
        if stored_from == from_id:
            return factor, Decimal(1)
        return Decimal(1), factor
    return None


def _ratio(
    rows: list[ConversionRow], *, item: Item | None, from_uom: UnitOfMeasure, to_uom: UnitOfMeasure
) -> Ratio | None:
    """A direct conversion, else a path through the item's base unit; None if neither."""
    if from_uom.pk == to_uom.pk:
        return Decimal(1), Decimal(1)
    item_id = item.pk if item is not None else None
    direct = _factor_in(rows, item_id=item_id, from_id=from_uom.pk, to_id=to_uom.pk)
    if direct is not None:
        return direct
    if item is not None and item.base_uom_id not in (from_uom.pk, to_uom.pk):
        first = _factor_in(rows, item_id=item_id, from_id=from_uom.pk, to_id=item.base_uom_id)
        second = _factor_in(rows, item_id=item_id, from_id=item.base_uom_id, to_id=to_uom.pk)
        if first is not None and second is not None:
            return first[0] * second[0], first[1] * second[1]
    return None


def _conversion_rows(*, item_ids: set[int], unit_ids: set[int]) -> list[ConversionRow]:
    """Every stored conversion that could serve these items between these units: one
    query, item-specific ones and global ones together."""
    scope = Q(item__isnull=True) | Q(item_id__in=item_ids) if item_ids else Q(item__isnull=True)
    units = Q(from_uom_id__in=unit_ids) & Q(to_uom_id__in=unit_ids)
    return list(
        UomConversion.objects.filter(scope & units).values_list(
            "item_id", "from_uom_id", "to_uom_id", "factor"
        )
    )


def _no_conversion(
    *, item: Item | None, from_uom: UnitOfMeasure, to_uom: UnitOfMeasure
) -> DomainError:
    if item is not None:
        text = gettext(
            "There is no conversion from %(from)s to %(to)s for item %(sku)s. "
            "Ask the buyer to add one to the unit-of-measure table."
        )
    else:
        text = gettext(
            "There is no conversion from %(from)s to %(to)s for any item. "
            "Ask the buyer to add one to the unit-of-measure table."
        )
    return DomainError(
        text % {"from": from_uom.code, "to": to_uom.code, "sku": item.sku if item else ""},
        field="uom",
        code="no_conversion",
    )


def conversion_ratio(*, item: Item | None, from_uom: UnitOfMeasure, to_uom: UnitOfMeasure) -> Ratio:
    """(numerator, denominator) such that qty in to_uom = qty × numerator / denominator.

    Tries a direct conversion, then a path through the item's base unit.
    """
    if from_uom.pk == to_uom.pk:
        return Decimal(1), Decimal(1)
    units = {from_uom.pk, to_uom.pk} | ({item.base_uom_id} if item is not None else set())
    rows = _conversion_rows(item_ids={item.pk} if item is not None else set(), unit_ids=units)
    ratio = _ratio(rows, item=item, from_uom=from_uom, to_uom=to_uom)
    if ratio is None:
        raise _no_conversion(item=item, from_uom=from_uom, to_uom=to_uom)
    return ratio


def conversion_ratios_to_base(
    pairs: set[tuple[Item, UnitOfMeasure]],
) -> dict[tuple[int, int], Ratio | DomainError]:
    """`conversion_ratio` from each unit to its item's base unit, for many (item, unit)
    pairs in one query: {(item_id, unit_id): ratio, or the DomainError saying none
    exists}. For set-wide figures, whose query count must not grow with the data."""
    unit_ids = {unit.pk for _item, unit in pairs} | {item.base_uom_id for item, _unit in pairs}
    rows = _conversion_rows(item_ids={item.pk for item, _unit in pairs}, unit_ids=unit_ids)
    ratios: dict[tuple[int, int], Ratio | DomainError] = {}
    for item, unit in pairs:
        ratio = _ratio(rows, item=item, from_uom=unit, to_uom=item.base_uom)
        ratios[(item.pk, unit.pk)] = (
            ratio
            if ratio is not None
            else _no_conversion(item=item, from_uom=unit, to_uom=item.base_uom)
        )
    return ratios


def convert_quantity(
    *,
    quantity: Decimal,
    from_uom: UnitOfMeasure,
    to_uom: UnitOfMeasure,
    item: Item | None = None,
    ratio: Ratio | None = None,
) -> Decimal:
    """`quantity` in `from_uom`, expressed exactly in `to_uom`.

    Never rounds: when the result would not be a whole number of a count unit, or would
    need more digits than the target unit allows, it raises a DomainError that says so.
    `ratio` is the conversion when the caller already has it (`conversion_ratios_to_base`).
    """
    if not isinstance(quantity, Decimal):
        raise TypeError("quantity must be a Decimal")
    if not quantity.is_finite():
        raise DomainError(gettext("Quantity must be a number."), field="quantity")
    numerator, denominator = ratio or conversion_ratio(item=item, from_uom=from_uom, to_uom=to_uom)
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
                gettext(
                    "%(quantity)s %(from)s is not a whole number of %(to)s "
                    "(1 %(to)s = %(per)s %(from)s). "
                    "Enter a multiple of %(per)s %(from)s, or use %(from)s."
                )
                % {
                    "quantity": f"{quantity.normalize():f}",
                    "from": from_uom.code,
                    "to": to_uom.code,
                    "per": f"{per:f}",
                },
                field="quantity",
                code="inexact_conversion",
            )
        raise DomainError(
            gettext(
                "%(quantity)s %(from)s does not convert exactly to %(to)s "
                "within %(places)s decimal places."
            )
            % {
                "quantity": f"{quantity.normalize():f}",
                "from": from_uom.code,
                "to": to_uom.code,
                "places": places,
            },
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
            gettext(
                "There is no unit of measure '%(code)s'; use one of the units in the "
                "unit-of-measure table."
            )
            % {"code": code},
            field=field,
        )
    return unit
