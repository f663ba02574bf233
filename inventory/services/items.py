"""Items: the one write that creates or changes an item's master data, for every channel
(admin imports today; ERP pulls and the API when they write items)."""

import unicodedata

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

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

SKU_MAX_LENGTH = Item._meta.get_field("sku").max_length
DESCRIPTION_MAX_LENGTH = Item._meta.get_field("description").max_length
ITEM_CLASS_MAX_LENGTH = Item._meta.get_field("item_class").max_length


def clean_text(
    value: str | None, *, field: str, label: str, max_length: int, required: bool = True
) -> str:
    """`value` without surrounding whitespace, or a DomainError naming `field`.

    Control characters are refused: PostgreSQL cannot store a NUL at all (SQLite would,
    and the two databases must give one answer), and a tab or line break inside a code
    or a label breaks the CSV, EDI and ERP files it is written to.
    """
    text = (value or "").strip()
    if required and not text:
        raise DomainError(f"Enter the {label}.", field=field)
    if len(text) > max_length:
        raise DomainError(
            f"The {label} '{text}' is {len(text)} characters long; the most is {max_length}.",
            field=field,
        )
    if any(unicodedata.category(char) == "Cc" for char in text):
        raise DomainError(
            f"The {label} {text!r} contains a control character (a tab, line break or NUL); "
            "remove it.",
            field=field,
        )
    return text


def _unit(value: UnitOfMeasure | str, *, field: str) -> UnitOfMeasure:
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


def _snapshot(item: Item) -> dict:
    return {
        "sku": item.sku,
        "description": item.description,
        "base_uom": item.base_uom.code,
        "item_class": item.item_class,
        "is_serialized": item.is_serialized,
    }


def _quantities_in_base_unit(item: Item) -> str | None:
    """What already holds quantities of `item` in its base unit, or None.

    Positions, movements and snapshot lines store plain numbers "in the item's base
    unit"; changing the unit under them would silently turn 10 EA into 10 CS.
    """
    if StockPosition.objects.filter(item=item).exists():
        return "stock positions"
    if StockMovement.objects.filter(item=item).exists():
        return "stock movements"
    # Probed snapshot by snapshot: each probe is a primary-key lookup (snapshot_id,
    # item_id) in that snapshot's partition, where a filter on item alone would scan
    # every line of every snapshot (there is no index on item_id).
    lines = InventorySnapshotLine.objects.filter(snapshot_id=OuterRef("pk"), item_id=item.pk)
    if InventorySnapshot.objects.filter(Exists(lines)).exists():
        return "inventory snapshots"
    return None


def _check_serial_numbers_count_base_units(
    *, sku: str, values: dict, existing: Item | None
) -> None:
    unit = values["base_uom"]
    if not values["is_serialized"] or unit.is_count:
        return
    # Blame the column that changed: serialising an item that is already in KG is an
    # is_serialized mistake, moving a serialised item to KG a base_uom one.
    unit_is_new = existing is None or existing.base_uom_id != unit.pk
    raise DomainError(
        f"{sku} is serialised, so its base unit must be a count unit (an ASN carries one "
        f"serial number per base unit); {unit.code} is a {unit.get_kind_display().lower()} "
        "unit. Choose a count unit such as EA, or make the item not serialised.",
        field="base_uom" if unit_is_new else "is_serialized",
    )


@transaction.atomic
def item_upsert(
    *,
    actor,
    sku: str,
    description: str,
    base_uom: UnitOfMeasure | str,
    item_class: str,
    is_serialized: bool,
    channel: str = Channel.PORTAL,
) -> tuple[Item, bool]:
    """Create the item with this SKU, or bring the existing one to these values.

    Returns (item, created). One audit entry with the fields that changed is written
    when the item is created or changed; an item that already has these values is left
    alone and audited not at all.

    Rules: the SKU, description and item class are stripped of surrounding whitespace
    (the snapshot ingest matches SKUs after trimming too) and hold no control character;
    SKU and description are required. The case of a SKU is kept: the ERP is the system
    of record and matches SKUs exactly. `base_uom` is a unit or a unit code that must
    exist. A serialised item's base unit is a count unit (its serial numbers are counted
    one per base unit on an ASN). The base unit cannot change once stock positions,
    movements or snapshots hold quantities of the item in it.
    """
    sku = clean_text(sku, field="sku", label="SKU", max_length=SKU_MAX_LENGTH)
    values = {
        "description": clean_text(
            description, field="description", label="description", max_length=DESCRIPTION_MAX_LENGTH
        ),
        "base_uom": _unit(base_uom, field="base_uom"),
        "item_class": clean_text(
            item_class,
            field="item_class",
            label="item class",
            max_length=ITEM_CLASS_MAX_LENGTH,
            required=False,
        ),
        "is_serialized": bool(is_serialized),
    }
    item = Item.objects.select_for_update().select_related("base_uom").filter(sku=sku).first()
    _check_serial_numbers_count_base_units(sku=sku, values=values, existing=item)
    if item is None:
        try:
            # A savepoint, so that losing a race to create the same SKU leaves this
            # transaction usable for the update below.
            with transaction.atomic():
                item = Item.objects.create(sku=sku, **values)
        except IntegrityError:
            item = Item.objects.select_for_update().select_related("base_uom").get(sku=sku)
        else:
            audit_record(
                actor=actor, channel=channel, obj=item, action="created", after=_snapshot(item)
            )
            return item, True

    if values["base_uom"].pk != item.base_uom_id:
        holder = _quantities_in_base_unit(item)
        if holder is not None:
            raise DomainError(
                f"{sku} keeps its base unit {item.base_uom.code}: {holder} already hold "
                f"quantities of it in {item.base_uom.code}, and changing the unit would "
                f"change what they mean. Keep {item.base_uom.code}, or create a new SKU "
                "for the new unit.",
                field="base_uom",
            )
    audit_update(actor=actor, channel=channel, obj=item, values=values, snapshot=_snapshot)
    return item, False
