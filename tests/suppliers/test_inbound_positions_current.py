"""The inbound figures of stock positions are kept current by the services that change
them (acknowledgments, PO changes, ASNs, receipts), not only by the hourly backstop."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import StockPosition, UomConversion
from suppliers import services
from suppliers.services import LineProposalInput
from suppliers.services.inbound_positions import (
    inbound_pairs_for_purchase_orders,
    inbound_positions_refresh,
    inbound_positions_refresh_for,
)
from tests.inventory.factories import (
    ItemFactory,
    UnitOfMeasureFactory,
    UomConversionFactory,
    WarehouseFactory,
)
from tests.suppliers.factories import AutoAcceptRuleFactory
from tests.suppliers.receipts_helpers import receive
from tests.suppliers.shipping_helpers import (
    confirmed_po,
    line_of,
    ship,
    wait_until_both_are_blocked,
)

pytestmark = pytest.mark.django_db

NONE = (Decimal(0), Decimal(0))


def figures(warehouse: str = "DC1") -> dict[str, tuple[Decimal, Decimal]]:
    """(open PO, in transit) per SKU of one warehouse."""
    return {
        p.item.sku: (p.inbound_open_po, p.inbound_in_transit)
        for p in StockPosition.objects.filter(warehouse__code=warehouse).select_related("item")
    }


def issued_po(supplier, number: str, *, warehouse: str = "DC1", lines=None):
    """A PO through the ERP's service: BOLT 100 EA and NUT 5 CS (1 CS = 12 EA, NUT's base
    unit is EA) unless `lines` (sku, qty, uom code) say otherwise."""
    each, case = UnitOfMeasureFactory(code="EA"), UnitOfMeasureFactory(code="CS")
    nut = ItemFactory(sku="NUT", base_uom=each)
    if not UomConversion.objects.filter(item=nut).exists():
        UomConversionFactory(item=nut, from_uom=case, to_uom=each, factor=Decimal(12))
    lines = lines or [("BOLT", "100", "EA"), ("NUT", "5", "CS")]
    return services.purchase_order_create(
        actor=None,
        number=number,
        supplier=supplier,
        ship_to=WarehouseFactory(code=warehouse),
        lines=[
            services.PurchaseOrderLineInput(
                line_no=line_no,
                item=ItemFactory(sku=sku),
                ordered_qty=Decimal(qty),
                uom=UnitOfMeasureFactory(code=uom),
                unit_price=Decimal("2.5000"),
                requested_date=timezone.localdate() + datetime.timedelta(days=14),
            )
            for line_no, (sku, qty, uom) in enumerate(lines, start=1)
        ],
    )


def accepted_po(supplier, actor, number: str = "PO-1", **kwargs):
    purchase_order = issued_po(supplier, number, **kwargs)
    services.purchase_order_accept(actor=actor, purchase_order=purchase_order, revision=1)
    purchase_order.refresh_from_db()
    return purchase_order


def propose_bolt(purchase_order, actor, quantity: str):
    return services.purchase_order_propose_changes(
        actor=actor,
        purchase_order=purchase_order,
        revision=1,
        lines=[
            LineProposalInput(
                line_no=1,
                action="change",
                quantity=Decimal(quantity),
                reason_code="material_shortage",
            )
        ],
    )


def test_accepting_a_po_puts_its_confirmed_quantities_in_open_po_in_the_base_unit(
    supplier, supplier_user
):
    purchase_order = issued_po(supplier, "PO-1")
    assert figures() == {}  # issued, not confirmed: nothing is open yet

    services.purchase_order_accept(actor=supplier_user, purchase_order=purchase_order, revision=1)

    assert figures() == {"BOLT": (Decimal(100), Decimal(0)), "NUT": (Decimal(60), Decimal(0))}


def test_a_lower_quantity_the_buyer_accepts_lowers_open_po(supplier, supplier_user, buyer):
    purchase_order = issued_po(supplier, "PO-1")
    proposal = propose_bolt(purchase_order, supplier_user, "80")
    assert figures() == {}  # waiting for the buyer: not confirmed yet

    services.change_proposal_accept(actor=buyer, acknowledgment=proposal)

    assert figures() == {"BOLT": (Decimal(80), Decimal(0)), "NUT": (Decimal(60), Decimal(0))}


def test_a_proposal_within_the_auto_accept_rule_sets_open_po_at_once(supplier, supplier_user):
    AutoAcceptRuleFactory(supplier=supplier, max_qty_change_pct=Decimal("10"))
    purchase_order = issued_po(supplier, "PO-1")

    propose_bolt(purchase_order, supplier_user, "95")

    assert figures() == {"BOLT": (Decimal(95), Decimal(0)), "NUT": (Decimal(60), Decimal(0))}


def test_submitting_an_asn_moves_quantity_from_open_po_to_in_transit(supplier, supplier_user):
    purchase_order = accepted_po(supplier, supplier_user)

    ship(
        supplier,
        supplier_user,
        "ASN-1",
        [(line_of(purchase_order, 1), "40"), (line_of(purchase_order, 2), "2")],
    )

    assert figures() == {
        "BOLT": (Decimal(60), Decimal(40)),
        "NUT": (Decimal(36), Decimal(24)),  # 3 CS open, 2 CS on the way
    }


def test_a_draft_asn_changes_nothing(supplier, supplier_user):
    purchase_order = accepted_po(supplier, supplier_user)

    ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "40")], submit=False)

    assert figures() == {"BOLT": (Decimal(100), Decimal(0)), "NUT": (Decimal(60), Decimal(0))}


def test_cancelling_the_asn_moves_its_quantity_back_to_open_po(supplier, supplier_user):
    purchase_order = accepted_po(supplier, supplier_user)
    asn = ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "40")])

    services.asn_cancel(actor=supplier_user, shipment=asn, reason="Truck broke down")

    assert figures() == {"BOLT": (Decimal(100), Decimal(0)), "NUT": (Decimal(60), Decimal(0))}


def test_editing_a_submitted_asn_moves_the_difference(supplier, supplier_user):
    purchase_order = accepted_po(supplier, supplier_user)
    asn = ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "40")])

    services.asn_update(
        actor=supplier_user,
        shipment=asn,
        header=services.AsnHeader(
            asn_number="ASN-1", ship_date=asn.ship_date, expected_delivery=asn.expected_delivery
        ),
        lines=[services.AsnLineInput(po_line=line_of(purchase_order, 2), quantity=Decimal(1))],
    )

    # BOLT left the ASN (back to open PO); 1 CS of NUT is on its way instead.
    assert figures() == {"BOLT": (Decimal(100), Decimal(0)), "NUT": (Decimal(48), Decimal(12))}


def test_a_partial_receipt_lowers_in_transit_by_the_quantity_received(supplier, supplier_user):
    purchase_order = accepted_po(supplier, supplier_user)
    asn = ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "40")])

    receive(asn, "R-1", "30")

    assert figures()["BOLT"] == (Decimal(60), Decimal(10))


def test_damaged_goods_leave_in_transit_too_and_the_backstop_agrees(supplier, supplier_user):
    purchase_order = accepted_po(supplier, supplier_user)
    asn = ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "40")])

    receive(asn, "R-1", "30", damaged="5")

    assert figures()["BOLT"] == (Decimal(60), Decimal(10))
    assert inbound_positions_refresh() == 0


def test_a_receipt_that_closes_the_asn_short_leaves_nothing_in_transit(supplier, supplier_user):
    purchase_order = accepted_po(supplier, supplier_user)
    asn = ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "40")])

    receive(asn, "R-1", "30", closes_asn=True)

    # The 10 not brought are open to ship again (a short receipt kept open, issue 23).
    assert figures()["BOLT"] == (Decimal(70), Decimal(0))


def test_a_delivered_shipment_stays_in_transit_until_it_is_received(supplier, supplier_user):
    purchase_order = accepted_po(supplier, supplier_user)
    asn = ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "40")])

    services.shipment_milestone_report(actor=supplier_user, shipment=asn, code="delivered")

    assert figures()["BOLT"] == (Decimal(60), Decimal(40))


def test_cancelling_a_po_zeroes_its_open_quantity(supplier, supplier_user):
    purchase_order = accepted_po(supplier, supplier_user)

    services.purchase_order_cancel(actor=None, purchase_order=purchase_order, reason="Not needed")

    assert figures() == {"BOLT": NONE, "NUT": NONE}


def test_revising_a_confirmed_po_zeroes_its_open_quantity_until_it_is_acknowledged_again(
    supplier, supplier_user
):
    purchase_order = accepted_po(supplier, supplier_user)

    services.purchase_order_revise(
        actor=None,
        purchase_order=purchase_order,
        lines=[
            services.PurchaseOrderLineInput(
                line_no=1,
                item=ItemFactory(sku="BOLT"),
                ordered_qty=Decimal(120),
                uom=UnitOfMeasureFactory(code="EA"),
                unit_price=Decimal("2.5000"),
                requested_date=timezone.localdate() + datetime.timedelta(days=14),
            )
        ],
    )

    assert figures() == {"BOLT": NONE, "NUT": NONE}


def test_the_targeted_refresh_leaves_other_items_and_warehouses_untouched(
    supplier, supplier_user, other_supplier
):
    # The outsider's PO (confirmed outside the services) and a stale figure on its
    # position: only the full backstop may correct it, not our supplier's acknowledgment.
    confirmed_po(other_supplier, "PO-GLOBEX", lines=[("WIDGET", "50", "EA")])
    widget = StockPosition.objects.create(
        item=ItemFactory(sku="WIDGET"),
        warehouse=WarehouseFactory(code="DC1"),
        inbound_open_po=Decimal(7),
    )
    elsewhere = StockPosition.objects.create(
        item=ItemFactory(sku="BOLT"),
        warehouse=WarehouseFactory(code="DC2"),
        inbound_open_po=Decimal(9),
    )

    accepted_po(supplier, supplier_user)

    assert figures() == {
        "BOLT": (Decimal(100), Decimal(0)),
        "NUT": (Decimal(60), Decimal(0)),
        "WIDGET": (Decimal(7), Decimal(0)),
    }
    assert figures("DC2") == {"BOLT": (Decimal(9), Decimal(0))}
    assert StockPosition.objects.get(pk=widget.pk).updated_at == widget.updated_at
    assert StockPosition.objects.get(pk=elsewhere.pk).updated_at == elsewhere.updated_at


def test_another_suppliers_po_of_the_same_item_and_warehouse_counts_in_the_same_position(
    supplier, supplier_user, other_supplier
):
    confirmed_po(other_supplier, "PO-GLOBEX", lines=[("BOLT", "50", "EA")])

    accepted_po(supplier, supplier_user)

    assert figures()["BOLT"] == (Decimal(150), Decimal(0))


def test_the_targeted_refresh_costs_the_same_queries_for_many_lines_as_for_few(supplier):
    each, case = UnitOfMeasureFactory(code="EA"), UnitOfMeasureFactory(code="CS")
    UomConversionFactory(item=None, from_uom=case, to_uom=each, factor=Decimal(12))
    few = confirmed_po(supplier, "PO-1", lines=[("A1", "10", "EA"), ("A2", "10", "CS")])
    # Half of these lines are in cases: each needs its conversion to the base unit.
    many = confirmed_po(
        supplier,
        "PO-2",
        lines=[(f"B{n}", "10", "CS" if n % 2 else "EA") for n in range(1, 9)],
        warehouse="DC2",
    )
    UomConversionFactory(item=ItemFactory(sku="B3"), from_uom=case, to_uom=each, factor=Decimal(6))
    counts = []
    for purchase_order in (few, many):
        pairs = inbound_pairs_for_purchase_orders([purchase_order])
        with CaptureQueriesContext(connection) as queries:
            assert inbound_positions_refresh_for(pairs=pairs) == len(pairs)
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert figures()["A2"] == (Decimal(120), Decimal(0))
    assert figures("DC2")["B1"] == (Decimal(120), Decimal(0))
    assert figures("DC2")["B3"] == (Decimal(60), Decimal(0))  # its own conversion wins


def test_the_backstop_finds_nothing_to_change_after_the_services(
    supplier, supplier_user, buyer, other_supplier
):
    shipped = accepted_po(supplier, supplier_user, "PO-1")
    asn = ship(
        supplier,
        supplier_user,
        "ASN-1",
        [(line_of(shipped, 1), "40"), (line_of(shipped, 2), "2")],
    )
    services.shipment_milestone_report(actor=supplier_user, shipment=asn, code="picked_up")
    receive(asn, "R-1", "30", damaged="3")
    cancelled_asn = ship(supplier, supplier_user, "ASN-2", [(line_of(shipped, 1), "20")])
    services.asn_cancel(actor=supplier_user, shipment=cancelled_asn)
    services.change_proposal_accept(
        actor=buyer,
        acknowledgment=propose_bolt(
            issued_po(supplier, "PO-2", warehouse="DC2"), supplier_user, "70"
        ),
    )
    services.purchase_order_cancel(
        actor=None, purchase_order=accepted_po(supplier, supplier_user, "PO-3"), reason="Dup"
    )
    assert figures() == {
        "BOLT": (Decimal(60), Decimal(10)),  # 100 − 40 shipped; 40 − 30 arrived
        "NUT": (Decimal(36), Decimal(24)),
    }
    assert figures("DC2") == {"BOLT": (Decimal(70), Decimal(0)), "NUT": (Decimal(60), Decimal(0))}

    assert inbound_positions_refresh() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Row locks (SELECT ... FOR UPDATE) need PostgreSQL; SQLite serialises writes.",
)
def test_two_asns_submitted_at_once_into_a_new_position_both_count_in_transit(
    supplier, supplier_user
):
    first = confirmed_po(supplier, "PO-1", lines=[("BOLT", "100", "EA")])
    second = confirmed_po(supplier, "PO-2", lines=[("BOLT", "100", "EA")])
    drafts = [
        ship(supplier, supplier_user, "ASN-A", [(line_of(first), "30")], submit=False),
        ship(supplier, supplier_user, "ASN-B", [(line_of(second), "50")], submit=False),
    ]
    barrier = threading.Barrier(2)
    errors: list = []

    def submit(draft) -> None:
        try:
            barrier.wait()
            services.asn_submit(actor=supplier_user, shipment=draft)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(draft,)) for draft in drafts]
    # The position is being created, uncommitted: both submissions wait to create it too,
    # then race for its row lock. Each must recompute after the other committed.
    with transaction.atomic():
        StockPosition.objects.create(
            item=ItemFactory(sku="BOLT"), warehouse=WarehouseFactory(code="DC1")
        )
        for thread in threads:
            thread.start()
        wait_until_both_are_blocked()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert figures() == {"BOLT": (Decimal(120), Decimal(80))}


def test_a_line_in_a_unit_the_portal_cannot_convert_does_not_stop_the_acknowledgment(
    supplier, supplier_user, caplog
):
    purchase_order = issued_po(
        supplier, "PO-1", lines=[("BOLT", "100", "EA"), ("BOLT2", "3", "PL")]
    )

    services.purchase_order_accept(actor=supplier_user, purchase_order=purchase_order, revision=1)

    purchase_order.refresh_from_db()
    assert purchase_order.status == "confirmed"
    assert figures() == {"BOLT": (Decimal(100), Decimal(0)), "BOLT2": NONE}
    assert "Inbound figure of BOLT2 at warehouse" in caplog.text
    assert "leaves out 3 PL: uom: There is no conversion from PL to EA for item BOLT2." in (
        caplog.text
    )
