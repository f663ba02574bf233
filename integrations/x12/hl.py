"""The 856 hierarchical (HL) tree and a shipment → orders → packs → items walk.

Partners nest HL levels differently: S-O-I, S-O-P-I ("pick and pack"), S-O-T-P-I with
tares (pallets), S-P-O-I (standard pack: orders inside cartons) and more. Parents are
given by HL02, not by order in the file, so the tree is built from HL02; the walk then
resolves each item's order, pack and tare from its ancestors, whichever way round they
are nested, so the mapping code does not care about the layout.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from integrations.x12.envelope import element_error
from integrations.x12.errors import ElementErrorCode, X12Error
from integrations.x12.model import Segment, TransactionSet

SHIPMENT, ORDER, TARE, PACK, ITEM = "S", "O", "T", "P", "I"
# Segments after the HL loop (summary area): they belong to no HL.
_SUMMARY_SEGMENTS = {"CTT", "AMT"}


@dataclass(eq=False)
class HLNode:
    """One HL with the segments that follow it up to the next HL (TD1, MAN, LIN, SN1 …)."""

    hl: Segment
    segments: list[Segment] = field(default_factory=list)
    children: list[HLNode] = field(default_factory=list)
    parent: HLNode | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        return self.hl.value(1)

    @property
    def parent_id(self) -> str:
        return self.hl.value(2)

    @property
    def level(self) -> str:
        """HL03: S shipment, O order, T tare, P pack, I item (others kept as given)."""
        return self.hl.value(3)

    def find(self, segment_id: str) -> Iterator[Segment]:
        return (s for s in self.segments if s.id == segment_id)

    def first(self, segment_id: str) -> Segment | None:
        return next(self.find(segment_id), None)

    def ancestor(self, level: str) -> HLNode | None:
        node = self.parent
        while node is not None and node.level != level:
            node = node.parent
        return node

    def descendants(self) -> Iterator[HLNode]:
        for child in self.children:
            yield child
            yield from child.descendants()


@dataclass
class HLTree:
    """Roots (normally one S), the header segments before the first HL, the summary
    after the last, and findings (AK4-level) for HLs whose ids or parents are wrong."""

    roots: list[HLNode] = field(default_factory=list)
    nodes: list[HLNode] = field(default_factory=list)
    header: list[Segment] = field(default_factory=list)
    summary: list[Segment] = field(default_factory=list)
    errors: list[X12Error] = field(default_factory=list)


def build_hl_tree(transaction_set: TransactionSet) -> HLTree:
    """Link the HL segments of a set by HL02; unknown or forward parents are reported
    (the HL becomes a root so its segments are still visible)."""
    tree = HLTree()
    by_id: dict[str, HLNode] = {}
    current: HLNode | None = None
    for segment in transaction_set.segments:
        if segment.id == "HL":
            node = HLNode(hl=segment)
            tree.nodes.append(node)
            current = node
            if not node.id:
                tree.errors.append(
                    element_error(
                        segment, 1, ElementErrorCode.MANDATORY_MISSING, "HL01 (HL id) is missing."
                    )
                )
            elif node.id in by_id:
                tree.errors.append(
                    element_error(
                        segment,
                        1,
                        ElementErrorCode.INVALID_CODE_VALUE,
                        f"HL01 {node.id} is used twice in this set.",
                    )
                )
            else:
                by_id[node.id] = node
            parent = by_id.get(node.parent_id) if node.parent_id else None
            if node.parent_id and (parent is None or parent is node):
                tree.errors.append(
                    element_error(
                        segment,
                        2,
                        ElementErrorCode.INVALID_CODE_VALUE,
                        f"HL02 {node.parent_id} names no earlier HL; a parent must come "
                        "before its children.",
                    )
                )
                parent = None
            if parent is None:
                tree.roots.append(node)
            else:
                node.parent = parent
                parent.children.append(node)
            if not node.level:
                tree.errors.append(
                    element_error(
                        segment, 3, ElementErrorCode.MANDATORY_MISSING, "HL03 (level) is missing."
                    )
                )
        elif segment.id in _SUMMARY_SEGMENTS or tree.summary:
            tree.summary.append(segment)
        elif current is None:
            tree.header.append(segment)
        else:
            current.segments.append(segment)
    return tree


@dataclass
class ShippedItem:
    """An I level with the order, pack and tare it belongs to (None when absent)."""

    node: HLNode
    order: HLNode | None
    pack: HLNode | None
    tare: HLNode | None


@dataclass
class ShippedOrder:
    node: HLNode
    packs: list[HLNode] = field(default_factory=list)
    items: list[ShippedItem] = field(default_factory=list)


@dataclass
class Shipment:
    node: HLNode
    orders: list[ShippedOrder] = field(default_factory=list)
    # Every item, including those under no order (the mapper rejects those).
    items: list[ShippedItem] = field(default_factory=list)


def walk_shipments(tree: HLTree) -> list[Shipment]:
    """Shipment → orders → packs → items for any nesting of O, T, P and I under S.

    An order's packs are the packs below it plus the packs that hold its items (in
    S-P-O-I the pack is above the order), in file order without duplicates.
    """
    shipments: list[Shipment] = []
    for root in tree.roots:
        if root.level != SHIPMENT:
            continue
        shipment = Shipment(node=root)
        orders: dict[int, ShippedOrder] = {}

        def order_for(node: HLNode, _orders: dict[int, ShippedOrder] = orders) -> ShippedOrder:
            key = id(node)
            if key not in _orders:
                _orders[key] = ShippedOrder(node=node)
            return _orders[key]

        for node in root.descendants():
            if node.level == ORDER:
                order = order_for(node)
                for below in node.descendants():
                    if below.level == PACK and below not in order.packs:
                        order.packs.append(below)
            elif node.level == ITEM:
                item = ShippedItem(
                    node=node,
                    order=node.ancestor(ORDER),
                    pack=node.ancestor(PACK),
                    tare=node.ancestor(TARE),
                )
                shipment.items.append(item)
                if item.order is not None:
                    order = order_for(item.order)
                    order.items.append(item)
                    if item.pack is not None and item.pack not in order.packs:
                        order.packs.append(item.pack)
        shipment.orders = list(orders.values())
        shipments.append(shipment)
    return shipments
