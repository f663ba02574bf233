"""Trading partners for the channel, and the look-ups every mapper shares: the PO (only
the partner's own supplier's — tenancy), units through the partner's UoM map, and items
through the partner's qualifiers."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Literal, overload

from django.db.models import QuerySet

from integrations.edi.registry import PartnerProfile, SegmentError
from integrations.x12 import Segment
from inventory.models import Item, UnitOfMeasure
from suppliers.models import PurchaseOrder, SupplierItem, TradingPartner


def profile_of(partner: TradingPartner) -> PartnerProfile:
    return PartnerProfile(
        code=partner.code,
        supplier_code=partner.supplier.code,
        partner_qualifier=partner.isa_qualifier,
        partner_id=partner.isa_id,
        partner_gs_id=partner.gs_id,
        our_qualifier=partner.our_isa_qualifier,
        our_id=partner.our_isa_id,
        our_gs_id=partner.our_gs_id,
        versions=partner.versions,
        outbound_version=partner.outbound_version,
        inbound_folder=partner.inbound_folder,
        outbound_folder=partner.outbound_folder,
        usage=partner.usage,
    )


def _active() -> QuerySet[TradingPartner]:
    return TradingPartner.objects.select_related("supplier").filter(is_active=True)


def partner_for_sender(qualifier: str, sender_id: str) -> PartnerProfile | None:
    partner = _active().filter(isa_qualifier=qualifier, isa_id=sender_id).first()
    return profile_of(partner) if partner else None


def partner_by_code(code: str) -> PartnerProfile | None:
    partner = _active().filter(code=code).first()
    return profile_of(partner) if partner else None


def trading_partner(profile: PartnerProfile) -> TradingPartner:
    return TradingPartner.objects.select_related("supplier").get(code=profile.code)


def edi_actor(partner: TradingPartner) -> str:
    # Services take an actor; an EDI file has no user, so the audit names the partner.
    return f"EDI partner {partner.code}"


def purchase_order_for(
    partner: TradingPartner, number: str, segment: Segment | None, element: int
) -> PurchaseOrder:
    """The partner's supplier's PO `number`. Another supplier's PO gets the same answer as
    an unknown one: a partner learns nothing about other tenants."""
    number = number.strip()
    if not number:
        raise SegmentError(
            "The PO number is missing.", segment=segment, element=element, element_code="1"
        )
    purchase_order = (
        PurchaseOrder.objects.select_related("supplier")
        .filter(supplier_id=partner.supplier_id, number=number)
        .first()
    )
    if purchase_order is None:
        raise SegmentError(
            f"PO {number} is not one of {partner.supplier.code}'s purchase orders.",
            segment=segment,
            element=element,
        )
    return purchase_order


def unit_for(partner: TradingPartner, code: str, segment: Segment, element: int) -> UnitOfMeasure:
    ours = partner.uom_map.get(code, code)
    uom = UnitOfMeasure.objects.filter(code=ours).first()
    if uom is None:
        raise SegmentError(
            f"Unit {code!r} is unknown; add it to trading partner {partner.code}'s unit map.",
            segment=segment,
            element=element,
        )
    return uom


@overload
def quantity(segment: Segment, element: int, *, required: Literal[True] = True) -> Decimal: ...


@overload
def quantity(segment: Segment, element: int, *, required: bool) -> Decimal | None: ...


def quantity(segment: Segment, element: int, *, required: bool = True) -> Decimal | None:
    raw = segment.value(element).strip()
    if not raw:
        if required:
            raise SegmentError(
                f"{segment.id}{element:02d} (quantity) is missing.",
                segment=segment,
                element=element,
                element_code="1",
            )
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise SegmentError(
            f"{segment.id}{element:02d} {raw!r} is not a number.",
            segment=segment,
            element=element,
            element_code="6",
        ) from None
    if not value.is_finite():
        raise SegmentError(
            f"{segment.id}{element:02d} {raw!r} is not a number.", segment=segment, element=element
        )
    return value


def edi_date(segment: Segment, element: int) -> datetime.date:
    """A CCYYMMDD (or YYMMDD) date element."""
    raw = segment.value(element)
    layout = {8: "%Y%m%d", 6: "%y%m%d"}.get(len(raw))
    try:
        if layout:
            return datetime.datetime.strptime(raw, layout).date()
    except ValueError:
        pass
    raise SegmentError(
        f"{segment.id}{element:02d} {raw!r} is not a date (CCYYMMDD).",
        segment=segment,
        element=element,
        element_code="8",
    )


def id_pairs(segment: Segment, start: int) -> list[tuple[str, str, int]]:
    """(qualifier, value, element of the value) pairs from element `start` on (PO106/107…,
    LIN02/03…, IT106/107…)."""
    pairs = []
    for position in range(start, len(segment) + 1, 2):
        qualifier, value = segment.value(position), segment.value(position + 1)
        if qualifier and value:
            pairs.append((qualifier, value, position + 1))
    return pairs


def item_for(partner: TradingPartner, segment: Segment, start: int) -> Item | None:
    """Our item named by the partner's qualifiers (supplier item, our item, UPC); None when
    the segment names none we know."""
    for qualifier, value, _ in id_pairs(segment, start):
        if qualifier == partner.supplier_item_qualifier:
            found = (
                SupplierItem.objects.select_related("item")
                .filter(supplier_id=partner.supplier_id, supplier_sku=value)
                .first()
            )
            if found:
                return found.item
        elif qualifier == partner.buyer_item_qualifier:
            item = Item.objects.filter(sku=value).first()
            if item:
                return item
        elif qualifier == partner.upc_qualifier and value in partner.upc_map:
            item = Item.objects.filter(sku=partner.upc_map[value]).first()
            if item:
                return item
    return None


def po_reference(partner: TradingPartner, segments, default: str) -> tuple[str, Segment | None]:
    """The PO number from REF<po_number_qualifier> when the partner sends it there."""
    for segment in segments:
        if segment.id == "REF" and segment.value(1) == partner.po_number_qualifier:
            return segment.value(2), segment
    return default, None
