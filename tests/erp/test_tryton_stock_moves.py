"""The Tryton pull of done stock moves (issue 22) against a real trytond: a supplier
receipt and its put-away, an inventory's loss, an internal shipment between warehouses
(in transit until it is done) and a return to the supplier become `erp` movement events,
numbered per warehouse without gaps; pulling again records nothing new.

The Tryton database is shared by the session's tests, so every figure is compared with
the one before this test's own moves."""

from decimal import Decimal

import pytest

from inventory.models import InventoryMovement, Item, LivePosition
from suppliers.erp.tryton_stock_moves import tryton_stock_moves_pull
from tests.erp import helpers

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


def _return(client, warehouse: dict, code: str, quantity: str, *, origin: str) -> str:
    product = _product(client, code)
    (party,) = client.search_read(
        "party.party", [("code", "=", "V-TRY01")], ["id", "supplier_location"], limit=1
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
                                "origin": origin,
                            }
                        ],
                    )
                ],
            }
        ],
    )
    client.model("stock.shipment.in.return", "wait", [shipment_id])
    client.model("stock.shipment.in.return", "assign_force", [shipment_id])
    client.model("stock.shipment.in.return", "do", [shipment_id])
    (row,) = client.read("stock.shipment.in.return", [shipment_id], ["number", "state"])
    assert row["state"] == "done"
    return row["number"]


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
