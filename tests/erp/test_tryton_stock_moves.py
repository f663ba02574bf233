"""The Tryton pull of done stock moves (issue 22) against a real trytond: a supplier
receipt and its put-away, an inventory's loss, an internal shipment between warehouses
(in transit until it is done) and a return to the supplier become `erp` movement events,
numbered per warehouse without gaps; pulling again records nothing new. A move the ingest
would refuse takes no number until it goes in; a return against a purchase the portal
imported is shown to that PO's supplier only, and to no supplier when its shipment goes to
another party; a portal PO of the same number from another Tryton claims no return; a
return its party names is shown for that item only.

The Tryton database is shared by the session's tests, so every figure is compared with
the one before this test's own moves."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import ExceptionCase, ExceptionClass
from inventory.models import InventoryMovement, Item, LivePosition, Warehouse
from inventory.services.movements import movements_release_gaps
from suppliers.erp import tryton as erp_tryton
from suppliers.erp.tryton_stock_moves import tryton_stock_moves_pull
from tests.erp import helpers
from tests.suppliers.factories import (
    PurchaseOrderFactory,
    SupplierItemFactory,
    SupplierMembershipFactory,
)

pytestmark = [pytest.mark.erp, pytest.mark.django_db]

D = Decimal
BOLT = "TRY-BOLT-M8"


def _location(client, **domain) -> dict:
    (row,) = client.search_read(
        "stock.location",
        [(name, "=", value) for name, value in domain.items()],
        ["id", "input_location", "storage_location"],
        limit=1,
    )
    return row


def _product(client, code: str) -> dict:
    (row,) = client.search_read(
        "product.product", [("code", "=", code)], ["id", "default_uom"], limit=1
    )
    return row


def _receive(client, purchase: dict, warehouse: dict) -> str:
    """The purchase's moves on a supplier shipment, received and done: its number."""
    (line,) = helpers.purchase_lines(client, purchase["id"])
    (party,) = client.search_read("party.party", [("code", "=", "V-TRY01")], ["id"], limit=1)
    (shipment_id,) = client.create(
        "stock.shipment.in",
        [
            {
                "supplier": party["id"],
                "warehouse": warehouse["id"],
                "warehouse_input": warehouse["input_location"],
                "warehouse_storage": warehouse["storage_location"],
                "incoming_moves": [("add", line["moves"])],
            }
        ],
    )
    helpers.receive(client, shipment_id)
    (row,) = client.read("stock.shipment.in", [shipment_id], ["number", "state"])
    assert row["state"] == "done"
    return row["number"]


def _inventory(client, warehouse: dict, code: str, counted: str) -> None:
    """An inventory of the warehouse's storage counting `counted` (gains and losses go
    to the lost-and-found location, which Tryton wants set on the warehouse)."""
    (lost,) = client.search_read("stock.location", [("type", "=", "lost_found")], ["id"], limit=1)
    client.write("stock.location", [warehouse["id"]], {"lost_found_location": lost["id"]})
    product = _product(client, code)
    (inventory_id,) = client.create(
        "stock.inventory",
        [
            {
                "location": warehouse["storage_location"],
                "lines": [("create", [{"product": product["id"], "quantity": float(counted)}])],
            }
        ],
    )
    client.model("stock.inventory", "confirm", [inventory_id])


def _internal(client, origin: dict, destination: dict, code: str, quantity: str) -> tuple[int, str]:
    product = _product(client, code)
    (shipment_id,) = client.create(
        "stock.shipment.internal",
        [
            {
                "from_location": origin["storage_location"],
                "to_location": destination["storage_location"],
                "moves": [
                    (
                        "create",
                        [
                            {
                                "product": product["id"],
                                "unit": product["default_uom"],
                                "quantity": float(quantity),
                                "from_location": origin["storage_location"],
                                "to_location": destination["storage_location"],
                            }
                        ],
                    )
                ],
            }
        ],
    )
    client.model("stock.shipment.internal", "wait", [shipment_id])
    client.model("stock.shipment.internal", "assign_force", [shipment_id])
    client.model("stock.shipment.internal", "pack", [shipment_id])  # Tryton 7+: packed first
    client.model("stock.shipment.internal", "ship", [shipment_id])
    (row,) = client.read("stock.shipment.internal", [shipment_id], ["number", "state"])
    assert row["state"] == "shipped"
    return shipment_id, row["number"]


def _return(
    client, warehouse: dict, code: str, quantity: str, *, origin: str | None, to: str = "V-TRY01"
) -> str:
    """A return shipment of `quantity` to the party `to`, done; its move's origin a
    purchase line ("purchase.line,<id>") or none."""
    product = _product(client, code)
    (party,) = client.search_read(
        "party.party", [("code", "=", to)], ["id", "supplier_location"], limit=1
    )
    (company,) = client.search_read("company.company", [], ["id", "currency"], limit=1)
    (shipment_id,) = client.create(
        "stock.shipment.in.return",
        [
            {
                "supplier": party["id"],
                "from_location": warehouse["storage_location"],
                "to_location": party["supplier_location"],
                "moves": [
                    (
                        "create",
                        [
                            {
                                "product": product["id"],
                                "unit": product["default_uom"],
                                "quantity": float(quantity),
                                "from_location": warehouse["storage_location"],
                                "to_location": party["supplier_location"],
                                "unit_price": D("0.12"),
                                "currency": company["currency"],
                                **({"origin": origin} if origin else {}),
                            }
                        ],
                    )
                ],
            }
        ],
    )
    if not origin:
        _go_on_without_origin(client, shipment_id)
    client.model("stock.shipment.in.return", "wait", [shipment_id])
    client.model("stock.shipment.in.return", "assign_force", [shipment_id])
    client.model("stock.shipment.in.return", "do", [shipment_id])
    (row,) = client.read("stock.shipment.in.return", [shipment_id], ["number", "state"])
    assert row["state"] == "done"
    return row["number"]


def _go_on_without_origin(client, shipment_id: int) -> None:
    """Answer Tryton's warning that the return's moves have no origin as a user would
    ("go on", always: it asks at assigning and at doing): the warning record it looks
    for, named as `res.user.warning.format` names it (an md5 of the moves, ".done")."""
    (shipment,) = client.read("stock.shipment.in.return", [shipment_id], ["moves"])
    moves = "|".join(f"stock.move,{move_id}" for move_id in sorted(shipment["moves"]))
    (user,) = client.search_read("res.user", [("login", "=", "admin")], ["id"], limit=1)
    name = f"{hashlib.md5(moves.encode()).hexdigest()}.done"
    client.create("res.user.warning", [{"user": user["id"], "name": name, "always": True}])


def _figures(code: str) -> dict[str, Decimal]:
    position = LivePosition.objects.filter(item__sku=BOLT, warehouse__code=code).first()
    names = ("received", "quality_hold", "available", "in_transit")
    return {name: getattr(position, name) if position else D(0) for name in names}


def _delta(after: dict, before: dict) -> dict[str, Decimal]:
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


def test_done_stock_moves_become_erp_movements_numbered_per_warehouse(tryton, tryton_connector):
    helpers.portal_master_data()
    tryton_stock_moves_pull(connector=tryton_connector)  # whatever the session did before
    dal_before, atl_before = _figures("DAL1"), _figures("ATL1")
    dal = _location(tryton, type="warehouse", code="DAL1")
    atl = _location(tryton, type="warehouse", code="ATL1")

    purchase = helpers.create_purchase(
        tryton, supplier="V-TRY01", warehouse="DAL1", lines=[(BOLT, "100", "0.1200")]
    )
    receipt = _receive(tryton, purchase, dal)
    _inventory(tryton, dal, BOLT, str(_figures("DAL1")["available"] + 100 - 3))
    internal_id, transfer = _internal(tryton, dal, atl, BOLT, "10")

    shipped = tryton_stock_moves_pull(connector=tryton_connector)

    assert shipped.errors == []
    assert _delta(_figures("DAL1"), dal_before) == {"available": D(87)}  # 100 − 3 − 10
    assert _delta(_figures("ATL1"), atl_before) == {"in_transit": D(10)}
    ours = InventoryMovement.objects.filter(source="erp", item__sku=BOLT).order_by("id")
    assert [
        (m.kind, m.warehouse.code, m.base_quantity)
        for m in ours.filter(document_ref=f"supplier shipment {receipt}")
    ] == [
        ("receipt", "DAL1", D(100)),
        ("put_away", "DAL1", D(100)),
    ]
    (out,) = ours.filter(transfer_ref=transfer)
    assert (out.kind, out.warehouse.code, out.counterpart_warehouse.code) == (
        "transfer_out",
        "DAL1",
        "ATL1",
    )

    tryton.model("stock.shipment.internal", "do", [internal_id])
    (line,) = helpers.purchase_lines(tryton, purchase["id"])
    returned = _return(tryton, dal, BOLT, "5", origin=f"purchase.line,{line['id']}")
    done = tryton_stock_moves_pull(connector=tryton_connector)
    again = tryton_stock_moves_pull(connector=tryton_connector)

    assert done.errors == []
    assert _delta(_figures("DAL1"), dal_before) == {"available": D(82)}
    assert _delta(_figures("ATL1"), atl_before) == {"available": D(10)}
    assert [m.kind for m in ours.filter(transfer_ref=transfer)] == ["transfer_out", "transfer_in"]
    assert [
        (m.kind, m.base_quantity) for m in ours.filter(document_ref=f"supplier return {returned}")
    ] == [("return_to_vendor", D(5))]
    assert again.recorded == 0
    for code in ("DAL1", "ATL1"):
        numbers = list(
            InventoryMovement.objects.filter(source="erp", warehouse__code=code)
            .order_by("sequence")
            .values_list("sequence", flat=True)
        )
        assert numbers == list(range(1, len(numbers) + 1))
    assert not InventoryMovement.objects.filter(source="erp", held=True).exists()


def test_a_move_of_an_item_the_portal_lacks_is_read_again_until_the_item_exists(
    tryton, tryton_connector
):
    helpers.portal_master_data()
    # No overlap re-reads recent moves: only the refused move's id can bring it back.
    tryton_connector.config["pull_overlap_seconds"] = 0
    tryton_connector.save(update_fields=["config"])
    tryton_stock_moves_pull(connector=tryton_connector)  # whatever the session did before
    dal = _location(tryton, type="warehouse", code="DAL1")
    before = _figures("DAL1")
    item = Item.objects.get(sku=BOLT)
    Item.objects.filter(pk=item.pk).update(sku="BOLT-RENAMED")  # the portal lacks it now
    _inventory(tryton, dal, BOLT, str(before["available"] + 7))

    refused = tryton_stock_moves_pull(connector=tryton_connector)
    Item.objects.filter(pk=item.pk).update(sku=BOLT)
    taken = tryton_stock_moves_pull(connector=tryton_connector)

    assert refused.recorded == 0
    assert [e.split(": ", 1)[1] for e in refused.errors] == [
        f"item {BOLT} is not in the portal; add it (Items import), and the move goes in "
        "on the next pull."
    ]
    assert (taken.errors, taken.recorded) == ([], 1)
    assert _delta(_figures("DAL1"), before) == {"available": D(7)}


def _available(sku: str, code: str = "DAL1") -> Decimal:
    position = LivePosition.objects.filter(item__sku=sku, warehouse__code=code).first()
    return position.available if position else D(0)


def _erp_events(code: str, after: int) -> list[tuple[int, str, str, bool]]:
    return list(
        InventoryMovement.objects.filter(source="erp", warehouse__code=code, sequence__gt=after)
        .order_by("sequence")
        .values_list("sequence", "kind", "item__sku", "applied")
    )


def test_a_refused_move_between_two_good_ones_takes_no_number_until_it_goes_in(
    tryton, tryton_connector
):
    helpers.portal_master_data()
    tryton_connector.config["pull_overlap_seconds"] = 0  # only its retry id brings it back
    tryton_connector.save(update_fields=["config"])
    tryton_stock_moves_pull(connector=tryton_connector)  # whatever the session did before
    head = len(_erp_events("DAL1", 0))  # numbered 1 … head, no gap (the first test)
    nuts, boxes = _available("TRY-NUT-M8"), _available("TRY-BOX-12")
    dal = _location(tryton, type="warehouse", code="DAL1")
    atl = _location(tryton, type="warehouse", code="ATL1")
    Warehouse.objects.filter(code="ATL1").update(code="ATL1-OLD")  # the portal lacks it now
    _inventory(tryton, dal, "TRY-NUT-M8", str(nuts + 6))
    _internal(tryton, dal, atl, BOLT, "4")  # a transfer out to a warehouse the portal lacks
    _inventory(tryton, dal, "TRY-BOX-12", str(boxes + 2))

    refused = tryton_stock_moves_pull(connector=tryton_connector)
    late = movements_release_gaps(now=timezone.now() + datetime.timedelta(days=1))

    assert [e.split(": ", 1)[1] for e in refused.errors] == [
        "warehouse ATL1 is not in the portal; add it, and the move goes in on the next pull."
    ]
    assert _erp_events("DAL1", head) == [
        (head + 1, "adjustment", "TRY-NUT-M8", True),
        (head + 2, "adjustment", "TRY-BOX-12", True),
    ]
    assert (_available("TRY-NUT-M8") - nuts, _available("TRY-BOX-12") - boxes) == (D(6), D(2))
    assert late.applied_after_gap == 0
    assert not ExceptionCase.objects.filter(exception_class=ExceptionClass.SEQUENCE_GAP).exists()
    assert not InventoryMovement.objects.filter(source="erp", held=True).exists()

    Warehouse.objects.filter(code="ATL1-OLD").update(code="ATL1")
    taken = tryton_stock_moves_pull(connector=tryton_connector)

    assert (taken.errors, taken.recorded, taken.applied) == ([], 1, 1)
    assert _erp_events("DAL1", head + 2) == [(head + 3, "transfer_out", BOLT, True)]
    assert not ExceptionCase.objects.filter(exception_class=ExceptionClass.SEQUENCE_GAP).exists()


def _received_purchase(
    tryton, connector, quantity: str, *, imported: bool = True
) -> tuple[dict, dict, dict]:
    """After a first pull (whatever the session did before): Fasteners' Tryton purchase
    of `quantity` bolts for DAL1, pulled into the portal unless not `imported`, and
    received. Returns the purchase, DAL1 and the purchase's line."""
    tryton_stock_moves_pull(connector=connector)
    dal = _location(tryton, type="warehouse", code="DAL1")
    purchase = helpers.create_purchase(
        tryton, supplier="V-TRY01", warehouse="DAL1", lines=[(BOLT, quantity, "0.1200")]
    )
    if imported:
        erp_tryton.purchases_pull(connector=connector)  # the PO, as the portal has it
    _receive(tryton, purchase, dal)
    (line,) = helpers.purchase_lines(tryton, purchase["id"])
    return purchase, dal, line


def test_a_tryton_return_against_a_portal_po_is_shown_to_that_supplier_only(
    client, tryton, tryton_connector
):
    data = helpers.portal_master_data()
    purchase, dal, line = _received_purchase(tryton, tryton_connector, "40")
    against_po = _return(tryton, dal, BOLT, "5", origin=f"purchase.line,{line['id']}")
    # Against a purchase the portal never imported: its party is still the supplier's.
    later = helpers.create_purchase(
        tryton, supplier="V-TRY01", warehouse="DAL1", lines=[(BOLT, "1", "0.1200")]
    )
    (other_line,) = helpers.purchase_lines(tryton, later["id"])
    no_po = _return(tryton, dal, BOLT, "2", origin=f"purchase.line,{other_line['id']}")
    own = SupplierItemFactory(supplier=data["fasteners"], item=data["bolt"])
    theirs = SupplierItemFactory(supplier=data["packaging"], item=data["bolt"])
    owner = SupplierMembershipFactory(supplier=data["fasteners"]).user
    outsider = SupplierMembershipFactory(supplier=data["packaging"]).user

    report = tryton_stock_moves_pull(connector=tryton_connector)
    client.force_login(owner)
    seen = client.get(reverse("suppliers:item_stock", args=[own.pk]))
    client.force_login(outsider)
    unseen = client.get(reverse("suppliers:item_stock", args=[theirs.pk]))

    ours = {f"supplier return {against_po}", f"supplier return {no_po}"}
    assert report.errors == []
    assert [
        (m.document_ref, m.reason, m.quantity, m.supplier_code)
        for m in seen.context["returns"].object_list
        if {m.document_ref, m.reason} & ours  # the session's earlier tests returned some
    ] == [
        (f"supplier return {no_po}", "", D(2), "TRYF"),
        (purchase["number"], f"supplier return {against_po}", D(5), "TRYF"),
    ]
    assert report.unlinked == []
    assert [u.split(": ", 1)[1] for u in report.by_party] == [
        "no purchase line of a portal PO is its origin in Tryton; shown to TRYF, the "
        "supplier of its return shipment's party V-TRY01."
    ]
    assert unseen.status_code == 200
    assert list(unseen.context["returns"].object_list) == []
    assert purchase["number"] not in unseen.content.decode()
    assert f"supplier return {no_po}" not in unseen.content.decode()


def test_a_tryton_return_without_a_purchase_origin_is_shown_to_its_partys_supplier_only(
    client, tryton, tryton_connector
):
    data = helpers.portal_master_data()
    tryton_stock_moves_pull(connector=tryton_connector)  # whatever the session did before
    dal = _location(tryton, type="warehouse", code="DAL1")
    to_fasteners = _return(tryton, dal, BOLT, "3", origin=None)
    to_packaging = _return(tryton, dal, BOLT, "4", origin=None, to="V-TRY02")
    to_stranger = _return(tryton, dal, BOLT, "1", origin=None, to="V-UNKNOWN")
    fasteners = SupplierItemFactory(supplier=data["fasteners"], item=data["bolt"])
    packaging = SupplierItemFactory(supplier=data["packaging"], item=data["bolt"])
    # Fasteners also supplies nuts: a bolt return its party names is not a nut's.
    fasteners_nut = SupplierItemFactory(supplier=data["fasteners"], item=data["nut"])

    ours = {f"supplier return {n}" for n in (to_fasteners, to_packaging, to_stranger)}

    report = tryton_stock_moves_pull(connector=tryton_connector)
    shown = {}
    for supplier_item in (fasteners, packaging, fasteners_nut):
        client.force_login(SupplierMembershipFactory(supplier=supplier_item.supplier).user)
        page = client.get(reverse("suppliers:item_stock", args=[supplier_item.pk]))
        shown[supplier_item.supplier.code, supplier_item.item.sku] = [
            (m.document_ref, m.quantity)
            for m in page.context["returns"].object_list
            if m.document_ref in ours  # the session's earlier tests returned some
        ]

    assert report.errors == []
    assert shown == {
        ("TRYF", BOLT): [(f"supplier return {to_fasteners}", D(3))],
        ("TRYP", BOLT): [(f"supplier return {to_packaging}", D(4))],
        ("TRYF", "TRY-NUT-M8"): [],
    }
    stranger = InventoryMovement.objects.get(
        source="erp", document_ref=f"supplier return {to_stranger}"
    )
    assert (stranger.kind, stranger.supplier_code) == ("return_to_vendor", "")
    assert [u.split(": ", 1)[1] for u in report.unlinked] == [
        "no purchase line of a portal PO is its origin in Tryton and its return shipment's "
        "party V-UNKNOWN is no portal supplier's ERP vendor id; no supplier sees it."
    ]


def test_a_tryton_return_against_a_portal_po_sent_to_another_party_is_shown_to_no_supplier(
    client, tryton, tryton_connector
):
    data = helpers.portal_master_data()
    purchase, dal, line = _received_purchase(tryton, tryton_connector, "10")
    # Against Fasteners' PO, but the return shipment goes to Packaging's party.
    misdirected = _return(
        tryton, dal, BOLT, "3", origin=f"purchase.line,{line['id']}", to="V-TRY02"
    )
    packaging = SupplierItemFactory(supplier=data["packaging"], item=data["bolt"])
    fasteners = SupplierItemFactory(supplier=data["fasteners"], item=data["bolt"])

    report = tryton_stock_moves_pull(connector=tryton_connector)
    pages = {}
    for supplier_item in (fasteners, packaging):
        client.force_login(SupplierMembershipFactory(supplier=supplier_item.supplier).user)
        pages[supplier_item.supplier.code] = client.get(
            reverse("suppliers:item_stock", args=[supplier_item.pk])
        ).content.decode()

    movement = InventoryMovement.objects.get(
        source="erp", document_ref=f"supplier return {misdirected}"
    )
    assert (movement.kind, movement.quantity, movement.supplier_code) == (
        "return_to_vendor",
        D(3),
        "",
    )
    assert [u.split(": ", 1)[1] for u in report.unlinked] == [
        f"returned to party V-TRY02, but PO {purchase['number']} is TRYF's; no supplier sees it."
    ]
    assert f"supplier return {misdirected}" not in pages["TRYF"]
    assert f"supplier return {misdirected}" not in pages["TRYP"]


def test_a_portal_po_with_the_same_number_from_another_tryton_does_not_claim_its_return(
    tryton, tryton_connector
):
    data = helpers.portal_master_data()
    purchase, dal, line = _received_purchase(tryton, tryton_connector, "6", imported=False)
    # The portal's PO of that number came from another Tryton: another purchase id.
    PurchaseOrderFactory(supplier=data["packaging"], number=purchase["number"], erp_id="999999")
    returned = _return(tryton, dal, BOLT, "2", origin=f"purchase.line,{line['id']}")

    report = tryton_stock_moves_pull(connector=tryton_connector)

    movement = InventoryMovement.objects.get(
        source="erp", document_ref=f"supplier return {returned}"
    )
    # Not PO-linked (the PO is Packaging's other purchase); its party is Fasteners'.
    assert (movement.reason, movement.supplier_code) == ("", "TRYF")
    assert [u.split(": ", 1)[0] for u in report.by_party] == [
        f"stock.move:{movement.source_event_id.split(':')[1]} (supplier return {returned})"
    ]
    assert report.unlinked == []
