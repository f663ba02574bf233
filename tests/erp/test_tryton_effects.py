"""Against a real trytond: every change lands exactly once, an ASN cancelled gives the
confirmed quantities and dates back, the connector heals itself after a restart, and only
what belongs to Tryton goes to Tryton (issue 23, faults 1, 2, 4 and 5)."""

import datetime
from decimal import Decimal

import pytest

from integrations.connectors import ConnectorError, connector_for
from integrations.models import Delivery, ErpRoutingRule, ErpTransportHealth, Event
from integrations.services import dispatch
from suppliers import services
from suppliers.erp import tryton as erp_tryton
from suppliers.models import PurchaseOrder
from tests.erp import helpers
from tests.suppliers.factories import PurchaseOrderFactory, PurchaseOrderLineFactory

pytestmark = [pytest.mark.erp, pytest.mark.django_db]

TODAY = datetime.date.today()


def _deliver(connector) -> dispatch.BatchReport:
    connector.refresh_from_db()
    return dispatch.dispatch_batch(connector)


def _po(tryton, connector, lines) -> tuple[dict, PurchaseOrder]:
    purchase = helpers.create_purchase(tryton, supplier="V-TRY01", warehouse="DAL1", lines=lines)
    erp_tryton.purchases_pull(connector=connector)
    return purchase, PurchaseOrder.objects.get(number=purchase["number"])


def _line_moves(tryton, purchase_id: int, index: int = 0) -> list[tuple]:
    line = helpers.purchase_lines(tryton, purchase_id)[index]
    return sorted(
        (m["state"], m["quantity"], m["planned_date"]) for m in helpers.moves(tryton, line["moves"])
    )


def _resend(connector, event_type: str, aggregate_id: str):
    event = Event.objects.filter(type=event_type, aggregate_id=aggregate_id).latest("occurred_at")
    envelope = event.envelope()
    return connector_for(connector).send(envelope, dispatch.envelope_body(envelope))


def _supplier_user_of(supplier_user, supplier):
    supplier_user.supplier_membership.supplier = supplier
    supplier_user.supplier_membership.save()
    return supplier_user


def _propose_and_accept(po, supplier_user, buyer, *, quantity, date):
    acknowledgment = services.purchase_order_propose_changes(
        actor=supplier_user,
        purchase_order=po,
        revision=po.revision,
        lines=[
            services.LineProposalInput(
                line_no=1, action="change", quantity=quantity, date=date, reason_code="capacity"
            )
        ],
    )
    services.change_proposal_accept(actor=buyer, acknowledgment=acknowledgment)
    return acknowledgment


def test_an_acknowledgment_delivered_twice_leaves_tryton_unchanged_the_second_time(
    tryton, tryton_connector, supplier_user, buyer
):
    data = helpers.portal_master_data()
    _supplier_user_of(supplier_user, data["fasteners"])
    purchase, po = _po(tryton, tryton_connector, [("TRY-BOLT-M8", "45", "0.12")])
    confirmed_on = TODAY + datetime.timedelta(days=20)
    _propose_and_accept(po, supplier_user, buyer, quantity=Decimal("40"), date=confirmed_on)
    assert _deliver(tryton_connector).failed == 0
    after_first = _line_moves(tryton, purchase["id"])
    comment_first = helpers.purchase(tryton, purchase["id"])["comment"]

    again = _resend(tryton_connector, "purchase_order.change_decided", po.number)

    assert after_first == [
        ("cancelled", 5.0, confirmed_on),
        ("draft", 40.0, confirmed_on),
    ]
    assert "already applied" in again.response
    assert _line_moves(tryton, purchase["id"]) == after_first
    assert helpers.purchase(tryton, purchase["id"])["comment"] == comment_first


def test_a_replay_after_a_crash_before_the_event_was_recorded_changes_no_move(
    tryton, tryton_connector, supplier_user, buyer
):
    data = helpers.portal_master_data()
    _supplier_user_of(supplier_user, data["fasteners"])
    purchase, po = _po(tryton, tryton_connector, [("TRY-BOLT-M8", "45", "0.12")])
    _propose_and_accept(po, supplier_user, buyer, quantity=Decimal("40"), date=None)
    _deliver(tryton_connector)
    after_first = _line_moves(tryton, purchase["id"])
    # The worker died after the moves were written, before the event id was: Tryton has
    # the effect but not the key.
    tryton.write("purchase.purchase", [purchase["id"]], {"comment": ""})

    again = _resend(tryton_connector, "purchase_order.change_decided", po.number)

    assert "(0 move change(s))" in again.response
    assert _line_moves(tryton, purchase["id"]) == after_first
    assert sum(q for state, q, _ in after_first if state == "draft") == 40.0


def test_schedule_lines_become_one_tryton_move_each(tryton, tryton_connector, supplier_user):
    data = helpers.portal_master_data()
    _supplier_user_of(supplier_user, data["fasteners"])
    purchase, po = _po(tryton, tryton_connector, [("TRY-BOLT-M8", "30", "0.12")])
    services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=po.revision)
    envelope = Event.objects.get(
        type="purchase_order.acknowledged", aggregate_id=po.number
    ).envelope()
    first, second = TODAY + datetime.timedelta(days=10), TODAY + datetime.timedelta(days=24)
    envelope["data"]["lines"][0]["schedule_lines"] = [
        {"quantity": "10", "date": first.isoformat()},
        {"quantity": "20", "date": second.isoformat()},
    ]
    impl = connector_for(tryton_connector)

    impl.send(envelope, b"")
    envelope["id"] = "00000000-0000-4000-8000-000000000001"  # the same target, another event
    impl.send(envelope, b"")

    assert _line_moves(tryton, purchase["id"]) == [("draft", 10.0, first), ("draft", 20.0, second)]


def _accept_and_ship(po, supplier_user, *, asn_number, quantity):
    po = PurchaseOrder.objects.get(pk=po.pk)
    (line,) = po.lines.all()
    shipment = services.asn_create(
        actor=supplier_user,
        supplier=po.supplier,
        header=services.AsnHeader(
            asn_number=asn_number,
            ship_date=TODAY,
            expected_delivery=TODAY + datetime.timedelta(days=3),
            carrier="UPS",
            tracking_number="1Z999AA10123456784",
        ),
        lines=[services.AsnLineInput(po_line=line, quantity=Decimal(quantity))],
    )
    return services.asn_submit(actor=supplier_user, shipment=shipment)


def test_a_cancelled_asn_gives_the_moves_back_their_confirmed_quantity_and_date(
    tryton, tryton_connector, supplier_user, buyer
):
    data = helpers.portal_master_data()
    _supplier_user_of(supplier_user, data["fasteners"])
    purchase, po = _po(tryton, tryton_connector, [("TRY-BOX-12", "45", "0.85")])
    confirmed_on = TODAY + datetime.timedelta(days=10)
    _propose_and_accept(po, supplier_user, buyer, quantity=Decimal("40"), date=confirmed_on)
    _deliver(tryton_connector)
    confirmed = _line_moves(tryton, purchase["id"])
    asn_number = f"ASN-R-{purchase['number']}"
    shipment = _accept_and_ship(po, supplier_user, asn_number=asn_number, quantity="35")
    _deliver(tryton_connector)
    (tryton_shipment,) = helpers.shipments_of(tryton, asn_number)
    shipped = helpers.moves(tryton, tryton_shipment["incoming_moves"])

    services.asn_cancel(actor=supplier_user, shipment=shipment, reason="truck broke down")
    report = _deliver(tryton_connector)

    assert [(m["quantity"], m["planned_date"]) for m in shipped] == [
        (35.0, TODAY + datetime.timedelta(days=3))
    ]
    assert report.failed == 0
    assert helpers.shipments_of(tryton, asn_number)[0]["state"] == "cancelled"
    assert confirmed == [
        ("cancelled", 5.0, confirmed_on),
        ("draft", 40.0, confirmed_on),
    ]
    assert _line_moves(tryton, purchase["id"]) == confirmed


def test_an_asn_resent_keeps_one_move_of_the_shipped_quantity_and_the_rest_waiting(
    tryton, tryton_connector, supplier_user
):
    data = helpers.portal_master_data()
    _supplier_user_of(supplier_user, data["fasteners"])
    purchase, po = _po(tryton, tryton_connector, [("TRY-NUT-M8", "50", "0.04")])
    services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=po.revision)
    asn_number = f"ASN-S-{purchase['number']}"
    _accept_and_ship(po, supplier_user, asn_number=asn_number, quantity="20")
    _deliver(tryton_connector)
    before = _line_moves(tryton, purchase["id"])

    again = _resend(tryton_connector, "asn.submitted", f"TRYF:{asn_number}")

    (tryton_shipment,) = helpers.shipments_of(tryton, asn_number)
    assert [m["quantity"] for m in helpers.moves(tryton, tryton_shipment["incoming_moves"])] == [
        20.0
    ]
    assert "0 change(s)" in again.response
    assert _line_moves(tryton, purchase["id"]) == before
    assert sorted(q for state, q, _ in before) == [20.0, 30.0]


def test_after_trytond_restarts_the_next_delivery_succeeds_with_no_operator(
    tryton, tryton_connector, trytond_server, supplier_user
):
    data = helpers.portal_master_data()
    _supplier_user_of(supplier_user, data["fasteners"])
    purchase, po = _po(tryton, tryton_connector, [("TRY-BOLT-M8", "12", "0.12")])
    # The worker's client holds a session and a kept-alive connection to the old process.
    connector_for(tryton_connector).client.search_read("purchase.purchase", [], ["id"], limit=1)

    trytond_server.restart_cold()
    services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=po.revision)
    report = _deliver(tryton_connector)

    assert report.failed == 0
    assert (
        Delivery.objects.get(
            connector=tryton_connector, event__type="purchase_order.acknowledged"
        ).status
        == "delivered"
    )
    assert helpers.purchase(tryton, purchase["id"])["reference"].startswith("ACK ")
    assert ErpTransportHealth.objects.get(connector=tryton_connector).state == "ok"


def test_tryton_down_shows_as_unreachable_on_the_connector_health(
    tryton, tryton_connector, trytond_server
):
    trytond_server.stop()
    try:
        with pytest.raises(ConnectorError):
            connector_for(tryton_connector).client.search_read("purchase.purchase", [], ["id"])
    finally:
        trytond_server.start()

    health = ErpTransportHealth.objects.get(connector=tryton_connector)
    assert health.state == "unreachable"
    assert "Connection refused" in health.detail


def test_a_seeded_po_is_skipped_by_tryton_not_a_dead_letter(
    tryton, tryton_connector, supplier_user
):
    data = helpers.portal_master_data()
    _supplier_user_of(supplier_user, data["fasteners"])
    po = PurchaseOrderFactory(number="SEED-1001", supplier=data["fasteners"], ship_to=data["dal"])
    PurchaseOrderLineFactory(purchase_order=po, line_no=1, item=data["bolt"])

    services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=po.revision)
    report = _deliver(tryton_connector)

    delivery = Delivery.objects.get(connector=tryton_connector, event__aggregate_id="SEED-1001")
    assert report.failed == 0
    assert delivery.status == "delivered"
    assert delivery.attempt_rows.last().response.startswith("skipped: PO SEED-1001 did not come")


def test_a_routing_rule_can_send_a_supplier_s_seeded_pos_to_tryton(
    tryton, tryton_connector, supplier_user
):
    data = helpers.portal_master_data()
    ErpRoutingRule.objects.create(
        connector=tryton_connector, origin="other", supplier_code="TRYP", action="send"
    )
    seeded_elsewhere = PurchaseOrderFactory(
        number="SEED-1002", supplier=data["fasteners"], ship_to=data["dal"]
    )

    decision = connector_for(tryton_connector)._routing(
        "purchase_order.acknowledged", {"number": seeded_elsewhere.number}
    )
    packaging = PurchaseOrderFactory(
        number="SEED-1003", supplier=data["packaging"], ship_to=data["dal"]
    )
    sent = connector_for(tryton_connector)._routing(
        "purchase_order.acknowledged", {"number": packaging.number}
    )

    assert decision is not None and decision.send is False
    assert sent is None
