"""856 HL trees: parents by HL02, any nesting of S/O/T/P/I, walked the same way."""

import pytest

from integrations.x12 import build_hl_tree, read, walk_shipments
from tests.integrations.x12.helpers import FIXTURES, interchange


def _asn(hls: list[str]):
    """An 856 whose HL loop is `hls` ("id*parent*level" + following segments)."""
    body = ["BSN*00*ASN-1*20240306*0915"]
    for hl in hls:
        body.extend(hl.split("|"))
    body.append("CTT*1")
    segments = [
        "GS*SH*ACME*DISTRIBUTOR*20240306*0915*1*X*004010",
        "ST*856*0001",
        *body,
        f"SE*{len(body) + 2}*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    result = read(interchange(segments))
    assert result.all_errors() == []
    return result.interchanges[0].groups[0].transaction_sets[0]


def test_the_fixture_tree_links_tares_packs_and_items_to_their_parents():
    ic = read((FIXTURES / "856_s_o_t_p_i_00501.edi").read_bytes()).interchanges[0]
    tree = build_hl_tree(ic.groups[0].transaction_sets[0])

    assert tree.errors == []
    assert [s.id for s in tree.header] == ["BSN", "DTM"]
    assert [s.id for s in tree.summary] == ["CTT"]
    [shipment] = tree.roots
    assert shipment.level == "S"
    assert [s.id for s in shipment.segments] == ["TD1", "TD5", "REF"]
    [order] = shipment.children
    [tare] = order.children
    assert tare.first("MAN").value(2) == "00012345600000000018"
    assert [(p.id, [i.id for i in p.children]) for p in tare.children] == [
        ("4", ["5"]),
        ("6", ["7", "8"]),
    ]
    assert tare.children[0].children[0].first("LOT").value(1) == "L240301"


def test_the_walk_gives_each_item_its_order_pack_and_tare():
    ic = read((FIXTURES / "856_s_o_t_p_i_00501.edi").read_bytes()).interchanges[0]

    [shipment] = walk_shipments(build_hl_tree(ic.groups[0].transaction_sets[0]))

    [order] = shipment.orders
    assert order.node.first("PRF").value(1) == "4500012345"
    assert [p.first("MAN").value(2) for p in order.packs] == [
        "00012345600000000025",
        "00012345600000000032",
    ]
    assert [
        (i.node.first("LIN").value(3), i.node.first("SN1").value(2), i.pack.id, i.tare.id)
        for i in order.items
    ] == [("SKU-1001", "10", "4", "3"), ("SKU-1001", "2", "6", "3"), ("SKU-2002", "12", "6", "3")]


LAYOUTS = {
    # name: (HL loop, expected [(order PRF, pack id or None, item LIN03)])
    "S-O-I": (
        ["HL*1**S", "HL*2*1*O|PRF*PO-1", "HL*3*2*I|LIN**BP*A", "HL*4*2*I|LIN**BP*B"],
        [("PO-1", None, "A"), ("PO-1", None, "B")],
    ),
    "S-O-P-I": (
        [
            "HL*1**S",
            "HL*2*1*O|PRF*PO-1",
            "HL*3*2*P|MAN*GM*1",
            "HL*4*3*I|LIN**BP*A",
            "HL*5*2*P|MAN*GM*2",
            "HL*6*5*I|LIN**BP*B",
        ],
        [("PO-1", "3", "A"), ("PO-1", "5", "B")],
    ),
    "S-P-O-I": (
        [
            "HL*1**S",
            "HL*2*1*P|MAN*GM*1",
            "HL*3*2*O|PRF*PO-1",
            "HL*4*3*I|LIN**BP*A",
            "HL*5*2*O|PRF*PO-2",
            "HL*6*5*I|LIN**BP*B",
        ],
        [("PO-1", "2", "A"), ("PO-2", "2", "B")],
    ),
    # Children listed after a sibling subtree: parents come from HL02, not from order.
    "S-O-I interleaved": (
        [
            "HL*1**S",
            "HL*2*1*O|PRF*PO-1",
            "HL*3*1*O|PRF*PO-2",
            "HL*4*2*I|LIN**BP*A",
            "HL*5*3*I|LIN**BP*B",
        ],
        [("PO-1", None, "A"), ("PO-2", None, "B")],
    ),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_common_layout_walks_to_the_same_shape(layout):
    hls, expected = LAYOUTS[layout]

    [shipment] = walk_shipments(build_hl_tree(_asn(hls)))

    assert [
        (o.node.first("PRF").value(1), i.pack.id if i.pack else None, i.node.first("LIN").value(3))
        for o in shipment.orders
        for i in o.items
    ] == expected
    assert len(shipment.items) == len(expected)


def test_an_order_split_over_packs_lists_both_packs_once():
    hls, _ = LAYOUTS["S-O-P-I"]

    [shipment] = walk_shipments(build_hl_tree(_asn(hls)))

    assert [p.id for p in shipment.orders[0].packs] == ["3", "5"]


def test_an_hl_naming_an_unknown_parent_is_reported_and_kept_as_a_root():
    ts = _asn(["HL*1**S", "HL*2*9*O|PRF*PO-1", "HL*3*2*I|LIN**BP*A"])

    tree = build_hl_tree(ts)

    [error] = tree.errors
    assert (
        error.level,
        error.code,
        error.segment_id,
        error.segment_position,
        error.element_position,
        error.bad_value,
    ) == ("element", "7", "HL", 4, 2, "9")
    assert [n.id for n in tree.roots] == ["1", "2"]
    [shipment] = walk_shipments(tree)
    assert shipment.orders == [] and shipment.items == []


def test_a_duplicate_hl_id_is_reported():
    tree = build_hl_tree(_asn(["HL*1**S", "HL*2*1*O", "HL*2*1*I"]))

    assert [(e.code, e.element_position, e.segment_position) for e in tree.errors] == [("7", 1, 5)]


def test_items_under_no_order_are_still_listed_on_the_shipment():
    [shipment] = walk_shipments(build_hl_tree(_asn(["HL*1**S", "HL*2*1*I|LIN**BP*A"])))

    assert shipment.orders == []
    assert [(i.node.id, i.order) for i in shipment.items] == [("2", None)]
