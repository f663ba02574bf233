"""Items: the writes that create or change an item's master data, for every channel (the
admin's forms and imports today; ERP pulls and the API when they write items)."""

import unicodedata
from typing import Any, NotRequired, TypedDict

from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext, gettext_noop

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record, audit_update
from inventory.models import (
    InventorySnapshot,
    InventorySnapshotLine,
    Item,
    StockMovement,
    StockPosition,
    UnitOfMeasure,
)
from inventory.services.uom import unit_of_measure
from portal.access import Actor


def max_length_of(model: type[models.Model], name: str) -> int:
    """The `max_length` of a text column of `model`, for the rules that check it."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.CharField) or field.max_length is None:
        raise TypeError(f"{model.__name__}.{name} is not a text column with a max_length.")
    return field.max_length


SKU_MAX_LENGTH = max_length_of(Item, "sku")
DESCRIPTION_MAX_LENGTH = max_length_of(Item, "description")
ITEM_CLASS_MAX_LENGTH = max_length_of(Item, "item_class")


class ItemFields(TypedDict):
    """An item's master data as a channel hands it to the services."""

    sku: str
    description: str
    base_uom: UnitOfMeasure | str
    item_class: str
    is_serialized: bool


class _ItemValues(TypedDict):
    """The same values as they are stored."""

    sku: str
    description: str
    base_uom: UnitOfMeasure
    item_class: str
    is_serialized: bool
    is_active: NotRequired[bool]


def clean_text(
    value: str | None, *, field: str, label: str, max_length: int, required: bool = True
) -> str:
    """`value` without surrounding whitespace, or a DomainError naming `field`.

    Control characters are refused: PostgreSQL cannot store a NUL at all (SQLite would,
    and the two databases must give one answer), and a tab or line break inside a code
    or a label breaks the CSV, EDI and ERP files it is written to.
    """
    text = (value or "").strip()
    # `label` is a msgid (gettext_noop at the callers): the message names it in the
    # user's language.
    label = gettext(str(label))
    if required and not text:
        raise DomainError(gettext("Enter the %(label)s.") % {"label": label}, field=field)
    if len(text) > max_length:
        raise DomainError(
            gettext("The %(label)s '%(text)s' is %(length)s characters long; the most is %(max)s.")
            % {"label": label, "text": text, "length": len(text), "max": max_length},
            field=field,
        )
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise DomainError(
            gettext(
                "The %(label)s %(text)s contains a control character (a tab, line break or "
                "NUL); remove it."
            )
            % {"label": label, "text": repr(text)},
            field=field,
        )
    return text


def _clean_sku(sku: str | None) -> str:
    return clean_text(sku, field="sku", label=gettext_noop("SKU"), max_length=SKU_MAX_LENGTH)


def _item_values(
    *,
    sku: str,
    description: str,
    base_uom: UnitOfMeasure | str,
    item_class: str,
    is_serialized: bool,
) -> _ItemValues:
    """The values as they are stored, or a DomainError on the first one that breaks a rule
    of its own (the rules that compare with the stored item come after)."""
    return {
        "sku": _clean_sku(sku),
        "description": clean_text(
            description,
            field="description",
            label=gettext_noop("description"),
            max_length=DESCRIPTION_MAX_LENGTH,
        ),
        "base_uom": unit_of_measure(base_uom, field="base_uom"),
        "item_class": clean_text(
            item_class,
            field="item_class",
            label=gettext_noop("item class"),
            max_length=ITEM_CLASS_MAX_LENGTH,
            required=False,
        ),
        "is_serialized": bool(is_serialized),
    }


def _snapshot(item: Item) -> dict[str, Any]:
    return {
        "sku": item.sku,
        "description": item.description,
        "base_uom": item.base_uom.code,
        "item_class": item.item_class,
        "is_serialized": item.is_serialized,
    }


def _snapshot_with_status(item: Item) -> dict[str, Any]:
    # Items are created active, so the entry of a creation leaves is_active out (imports
    # have no such column); a change of it is audited like any other field.
    return {**_snapshot(item), "is_active": item.is_active}


def _sku_taken(sku: str) -> DomainError:
    # The code lets item_upsert tell "created meanwhile by someone else" from a bad value.
    return DomainError(
        gettext(
            "%(sku)s is already the SKU of another item; a SKU names one item. Choose another "
            "SKU, or change that item instead."
        )
        % {"sku": sku},
        field="sku",
        code="sku_taken",
    )


def _quantities_in_base_unit(item: Item) -> str | None:
    """What already holds quantities of `item` in its base unit, or None.

    Positions, movements and snapshot lines store plain numbers "in the item's base
    unit"; changing the unit under them would silently turn 10 EA into 10 CS.
    """
    if StockPosition.objects.filter(item=item).exists():
        return gettext("stock positions")
    if StockMovement.objects.filter(item=item).exists():
        return gettext("stock movements")
    # Probed snapshot by snapshot: each probe is a primary-key lookup (snapshot_id,
    # item_id) in that snapshot's partition, where a filter on item alone would scan
    # every line of every snapshot (there is no index on item_id).
    lines = InventorySnapshotLine.objects.filter(snapshot_id=OuterRef("pk"), item_id=item.pk)
    if InventorySnapshot.objects.filter(Exists(lines)).exists():
        return gettext("inventory snapshots")
    return None


def _check_serial_numbers_count_base_units(*, values: _ItemValues, existing: Item | None) -> None:
    unit = values["base_uom"]
    if not values["is_serialized"] or unit.is_count:
        return
    # Blame the column that changed: serialising an item that is already in KG is an
    # is_serialized mistake, moving a serialised item to KG a base_uom one.
    unit_is_new = existing is None or existing.base_uom_id != unit.pk
    raise DomainError(
        gettext(
            "%(sku)s is serialised, so its base unit must be a count unit (an ASN carries one "
            "serial number per base unit); %(unit)s is a %(kind)s unit. Choose a count unit "
            "such as EA, or make the item not serialised."
        )
        % {"sku": values["sku"], "unit": unit.code, "kind": unit.get_kind_display().lower()},
        field="base_uom" if unit_is_new else "is_serialized",
    )


def _check_base_unit_may_change(*, item: Item, unit: UnitOfMeasure) -> None:
    if unit.pk == item.base_uom_id:
        return
    holder = _quantities_in_base_unit(item)
    if holder is not None:
        code = item.base_uom.code
        raise DomainError(
            gettext(
                "%(sku)s keeps its base unit %(unit)s: %(holder)s already hold quantities of "
                "it in %(unit)s, and changing the unit would change what they mean. Keep "
                "%(unit)s, or create a new SKU for the new unit."
            )
            % {"sku": item.sku, "unit": code, "holder": holder},
            field="base_uom",
        )


@transaction.atomic
def item_create(
    *,
    actor: Actor,
    sku: str,
    description: str,
    base_uom: UnitOfMeasure | str,
    item_class: str,
    is_serialized: bool,
    channel: str = Channel.PORTAL,
) -> Item:
    """Create an active item and write one audit entry with its values.

    Rules: the SKU, description and item class are stripped of surrounding whitespace
    (the snapshot ingest matches SKUs after trimming too) and hold no control character;
    SKU and description are required. The case of a SKU is kept: the ERP is the system
    of record and matches SKUs exactly. A SKU names one item: a taken one is a
    DomainError on `sku` (code "sku_taken"). `base_uom` is a unit or a unit code that
    must exist. A serialised item's base unit is a count unit (its serial numbers are
    counted one per base unit on an ASN).
    """
    values = _item_values(
        sku=sku,
        description=description,
        base_uom=base_uom,
        item_class=item_class,
        is_serialized=is_serialized,
    )
    _check_serial_numbers_count_base_units(values=values, existing=None)
    try:
        # A savepoint: the caller's transaction stays usable after a taken SKU (item_upsert
        # goes on to update the item that won the race).
        with transaction.atomic():
            item = Item.objects.create(**values)
    except IntegrityError:
        if Item.objects.filter(sku=values["sku"]).exists():
            raise _sku_taken(values["sku"]) from None
        raise
    audit_record(actor=actor, channel=channel, obj=item, action="created", after=_snapshot(item))
    return item


@transaction.atomic
def item_update(
    *,
    actor: Actor,
    item: Item,
    sku: str,
    description: str,
    base_uom: UnitOfMeasure | str,
    item_class: str,
    is_serialized: bool,
    is_active: bool | None = None,
    channel: str = Channel.PORTAL,
) -> Item:
    """Bring `item` to these values (the SKU included: this renames it) and return it.

    The item is read again, locked, by its primary key: only `item.pk` is used, so a
    form's instance that already holds the new values does no harm. One audit entry with
    the before and after of the fields that changed; nothing changed, nothing written.
    `is_active=None` leaves the item's status as it is.

    Rules: those of `item_create`, and the base unit cannot change once stock positions,
    movements or snapshots hold quantities of the item in it. A new SKU that belongs to
    another item is a DomainError on `sku`.
    """
    values = _item_values(
        sku=sku,
        description=description,
        base_uom=base_uom,
        item_class=item_class,
        is_serialized=is_serialized,
    )
    if is_active is not None:
        values["is_active"] = bool(is_active)
    current = Item.objects.select_for_update().select_related("base_uom").get(pk=item.pk)
    _check_serial_numbers_count_base_units(values=values, existing=current)
    if values["sku"] != current.sku and Item.objects.filter(sku=values["sku"]).exists():
        raise _sku_taken(values["sku"])
    _check_base_unit_may_change(item=current, unit=values["base_uom"])
    audit_update(
        actor=actor, channel=channel, obj=current, values=values, snapshot=_snapshot_with_status
    )
    return current


@transaction.atomic
def item_upsert(
    *,
    actor: Actor,
    sku: str,
    description: str,
    base_uom: UnitOfMeasure | str,
    item_class: str,
    is_serialized: bool,
    channel: str = Channel.PORTAL,
) -> tuple[Item, bool]:
    """`item_create` for a new SKU, `item_update` of the item that has it otherwise.

    Returns (item, created). The rules and the audit entries are theirs: an item that
    already has these values is left alone and audited not at all.
    """
    values: ItemFields = {
        "sku": sku,
        "description": description,
        "base_uom": base_uom,
        "item_class": item_class,
        "is_serialized": is_serialized,
    }
    item = Item.objects.select_for_update().filter(sku=_clean_sku(sku)).first()
    if item is None:
        try:
            return item_create(actor=actor, channel=channel, **values), True
        except DomainError as error:
            if error.code != "sku_taken":
                raise
            # Created by another transaction since the lookup: update that one.
            item = Item.objects.get(sku=_clean_sku(sku))
    return item_update(actor=actor, item=item, channel=channel, **values), False
