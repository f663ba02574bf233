"""The portal against a real trytond: purchases in, acknowledgments and ASNs out,
receipts and stock back, and Tryton going away in the middle."""

import datetime
from decimal import Decimal

import pytest

from integrations.connectors import ConnectorError, connector_for
from integrations.models import AuditEntry, CircuitBreaker, Delivery
from integrations.services import dispatch
from inventory.models import InventorySnapshot, InventorySnapshotLine
from suppliers import services
from suppliers.erp import tryton as erp_tryton
from suppliers.models import PurchaseOrder, Receipt, Shipment
from tests.erp import helpers

pytestmark = [pytest.mark.erp, pytest.mark.django_db]


def _pull(connector) -> erp_tryton.PullReport:
    return erp_tryton.purchases_pull(connector=connector)


def _deliver(connector) -> dispatch.BatchReport:
    connector.refresh_from_db()
    return dispatch.dispatch_batch(connector)


def _confirmed_po(tryton, connector, *, lines) -> tuple[dict, PurchaseOrder]:
    purchase = helpers.create_purchase(tryton, supplier="V-TRY01", warehouse="DAL1", lines=lines)
    _pull(connector)
    return purchase, PurchaseOrder.objects.get(number=purchase["number"])


def test_purchase_confirmed_in_tryton_appears_as_a_portal_po_and_a_second_pull_changes_nothing(
    tryton, tryton_connector
):
    data = helpers.portal_master_data()
    purchase = helpers.create_purchase(
        tryton,
        supplier="V-TRY01",
        warehouse="DAL1",
        lines=[("TRY-BOLT-M8", "500", "0.1200"), ("TRY-RESIN", "12.5", "7.5000")],
    )

    first = _pull(tryton_connector)
    second = _pull(tryton_connector)

    assert purchase["number"] in first.created
    assert purchase["number"] in second.unchanged
    assert purchase["number"] not in second.created
    po = PurchaseOrder.objects.get(number=purchase["number"])
    assert PurchaseOrder.objects.filter(erp_id=str(purchase["id"])).count() == 1
    assert po.supplier == data["fasteners"]
    assert po.ship_to == data["dal"]
    assert po.source_channel == "connector"
    assert [
        (
            line.line_no,
            line.item.sku,
            line.ordered_qty,
            line.uom.code,
            line.unit_price,
            line.requested_date,
        )
        for line in po.lines.select_related("item", "uom")
    ] == [
        (
            1,
            "TRY-BOLT-M8",
            Decimal("500"),
            "EA",
            Decimal("0.1200"),
            datetime.date.today() + datetime.timedelta(days=14),
        ),
        (
            2,
            "TRY-RESIN",
            Decimal("12.5"),
            "KG",
            Decimal("7.5000"),
            datetime.date.today() + datetime.timedelta(days=14),
        ),
    ]


def test_unknown_product_and_unknown_supplier_become_clear_failures_not_pos(
    tryton, tryton_connector
):
    helpers.portal_master_data()
    unknown_product = helpers.create_purchase(
        tryton, supplier="V-TRY01", warehouse="DAL1", lines=[("TRY-NOT-IN-PORTAL", "3", "1")]
    )
    unknown_supplier = helpers.create_purchase(
        tryton, supplier="V-UNKNOWN", warehouse="DAL1", lines=[("TRY-BOLT-M8", "3", "1")]
    )

    report = _pull(tryton_connector)
    _pull(tryton_connector)

    assert unknown_product["number"] in report.failed
    assert unknown_supplier["number"] in report.failed
    assert not PurchaseOrder.objects.filter(
        number__in=[unknown_product["number"], unknown_supplier["number"]]
    ).exists()
    failures = {
        entry.after["document"]: entry.after["reasons"]
        for entry in AuditEntry.objects.filter(
            action="inbound_rejected", object_id=str(tryton_connector.pk)
        )
    }
    assert failures[f"purchase {unknown_product['number']}"] == [
        "line 1: unknown product: no portal item has SKU 'TRY-NOT-IN-PORTAL'"
    ]
    assert failures[f"purchase {unknown_supplier['number']}"] == [
        "unknown supplier: no portal supplier has ERP vendor id 'V-UNKNOWN' "
        "(Tryton party 'Supplier Not In The Portal')"
    ]
    # Pulled twice, recorded once.
    assert (
        AuditEntry.objects.filter(
            action="inbound_rejected", after__document=f"purchase {unknown_product['number']}"
        ).count()
        == 1
    )


def test_acknowledged_date_change_shows_as_the_tryton_purchase_line_delivery_date(
    tryton, tryton_connector, supplier_user, buyer
):
    helpers.portal_master_data()
    purchase, po = _confirmed_po(
        tryton,
        tryton_connector,
        lines=[("TRY-BOLT-M8", "100", "0.12"), ("TRY-NUT-M8", "80", "0.04")],
    )
    new_date = datetime.date.today() + datetime.timedelta(days=30)
    acknowledgment = services.purchase_order_propose_changes(
        actor=supplier_user,
        purchase_order=po,
        revision=po.revision,
        lines=[
            services.LineProposalInput(
                line_no=1, action="change", date=new_date, reason_code="lead_time"
            ),
            services.LineProposalInput(
                line_no=2, action="change", quantity=Decimal("60"), reason_code="capacity"
            ),
        ],
    )
    services.change_proposal_accept(actor=buyer, acknowledgment=acknowledgment)

    report = _deliver(tryton_connector)

    assert report.delivered >= 1
    assert report.failed == 0
    lines = helpers.purchase_lines(tryton, purchase["id"])
    assert lines[0]["delivery_date"] == new_date
    assert lines[1]["delivery_date"] == datetime.date.today() + datetime.timedelta(days=14)
    # 80 ordered, 60 confirmed: the pending move shrinks to 60, the 20 are cancelled and
    # ignored so Tryton does not recreate them.
    line_moves = helpers.moves(tryton, lines[1]["moves"])
    assert sorted((m["quantity"], m["state"]) for m in line_moves) == [
        (20.0, "cancelled"),
        (60.0, "draft"),
    ]
    assert len(lines[1]["moves_ignored"]) == 1
    assert helpers.purchase(tryton, purchase["id"])["reference"] == f"ACK {acknowledgment.pk}"


def _accept_and_ship(po, supplier_user, *, asn_number, quantities):
    services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=po.revision)
    po = PurchaseOrder.objects.get(pk=po.pk)
    lines = list(po.lines.order_by("line_no"))
    shipment = services.asn_create(
        actor=supplier_user,
        supplier=po.supplier,
        header=services.AsnHeader(
            asn_number=asn_number,
            ship_date=datetime.date.today(),
            expected_delivery=datetime.date.today() + datetime.timedelta(days=3),
            carrier="UPS",
            tracking_number="1Z999AA10123456784",
        ),
        lines=[
            services.AsnLineInput(po_line=line, quantity=Decimal(q))
            for line, q in zip(lines, quantities, strict=True)
        ],
    )
    return services.asn_submit(actor=supplier_user, shipment=shipment)


def test_submitted_asn_becomes_a_draft_tryton_shipment_and_its_receipt_and_stock_come_back(
    tryton, tryton_connector, supplier_user
):
    data = helpers.portal_master_data()
    supplier_user.supplier_membership.supplier = data["fasteners"]
    supplier_user.supplier_membership.save()
    purchase, po = _confirmed_po(
        tryton,
        tryton_connector,
        lines=[("TRY-BOLT-M8", "100", "0.12"), ("TRY-NUT-M8", "80", "0.04")],
    )
    stock_before = {
        (r.sku, r.warehouse): r.quantity for r in erp_tryton.stock_pull(connector=tryton_connector)
    }
    asn_number = f"ASN-{purchase['number']}"
    _accept_and_ship(po, supplier_user, asn_number=asn_number, quantities=["100", "50"])

    report = _deliver(tryton_connector)

    assert report.failed == 0
    (shipment,) = helpers.shipments_of(tryton, asn_number)
    assert shipment["state"] == "draft"
    assert shipment["reference"] == f"{asn_number} UPS 1Z999AA10123456784"
    assert shipment["planned_date"] == datetime.date.today() + datetime.timedelta(days=3)
    assert shipment["supplier."]["code"] == "V-TRY01"
    lines = helpers.purchase_lines(tryton, purchase["id"])
    shipped = helpers.moves(tryton, shipment["incoming_moves"])
    assert sorted((m["product."]["code"], m["quantity"], m["origin"]) for m in shipped) == [
        ("TRY-BOLT-M8", 100.0, f"purchase.line,{lines[0]['id']}"),
        ("TRY-NUT-M8", 50.0, f"purchase.line,{lines[1]['id']}"),
    ]

    helpers.receive(tryton, shipment["id"])
    receipts = erp_tryton.receipts_pull(connector=tryton_connector)
    stock_after = {
        (r.sku, r.warehouse): r.quantity for r in erp_tryton.stock_pull(connector=tryton_connector)
    }

    mapped = [r for r in receipts["mapped"] if r["asn"] == asn_number]
    assert mapped == [{"asn": asn_number, "lines": {1: Decimal("100"), 2: Decimal("50")}}]
    portal_receipt = Receipt.objects.get(shipment__asn_number=asn_number)
    assert portal_receipt.source == Receipt.Source.ERP
    assert sorted(portal_receipt.lines.values_list("qty_received", flat=True)) == [50, 100]
    closed = Shipment.objects.get(asn_number=asn_number)
    assert closed.status == Shipment.Status.RECEIVED
    again = erp_tryton.receipts_pull(connector=tryton_connector)
    assert Receipt.objects.filter(shipment__asn_number=asn_number).count() == 1
    assert again["failed"] == {}
    assert stock_after[("TRY-BOLT-M8", "DAL1")] - stock_before[("TRY-BOLT-M8", "DAL1")] == 100
    assert stock_after[("TRY-NUT-M8", "DAL1")] - stock_before[("TRY-NUT-M8", "DAL1")] == 50

    ingested = erp_tryton.stock_snapshot_pull(connector=tryton_connector)
    snapshot = InventorySnapshot.objects.get(source="erp", warehouse__code="DAL1")
    quantities = dict(
        InventorySnapshotLine.objects.filter(snapshot=snapshot).values_list("item__sku", "quantity")
    )
    assert ingested["DAL1"] == len(quantities)
    assert quantities["TRY-BOLT-M8"] == stock_after[("TRY-BOLT-M8", "DAL1")]


def test_cancelled_asn_cancels_its_draft_tryton_shipment_and_frees_the_moves(
    tryton, tryton_connector, supplier_user
):
    data = helpers.portal_master_data()
    supplier_user.supplier_membership.supplier = data["fasteners"]
    supplier_user.supplier_membership.save()
    purchase, po = _confirmed_po(tryton, tryton_connector, lines=[("TRY-BOX-12", "10", "0.85")])
    asn_number = f"ASN-C-{purchase['number']}"
    shipment = _accept_and_ship(po, supplier_user, asn_number=asn_number, quantities=["10"])
    _deliver(tryton_connector)

    services.asn_cancel(actor=supplier_user, shipment=shipment, reason="truck broke down")
    report = _deliver(tryton_connector)

    assert report.failed == 0
    (tryton_shipment,) = helpers.shipments_of(tryton, asn_number)
    assert tryton_shipment["state"] == "cancelled"
    assert tryton_shipment["incoming_moves"] == []
    (line,) = helpers.purchase_lines(tryton, purchase["id"])
    assert [m["state"] for m in helpers.moves(tryton, line["moves"])] == ["draft"]


def test_tryton_stopped_mid_run_retries_opens_the_breaker_and_completes_in_order_after_restart(
    tryton, tryton_connector, trytond_server, supplier_user
):
    data = helpers.portal_master_data()
    supplier_user.supplier_membership.supplier = data["fasteners"]
    supplier_user.supplier_membership.save()
    purchase, po = _confirmed_po(tryton, tryton_connector, lines=[("TRY-BOLT-M8", "40", "0.12")])
    asn_number = f"ASN-D-{purchase['number']}"

    trytond_server.stop()
    try:
        with pytest.raises(ConnectorError) as pulled:
            _pull(tryton_connector)
        assert pulled.value.permanent is False
        _accept_and_ship(po, supplier_user, asn_number=asn_number, quantities=["40"])
        first = _deliver(tryton_connector)
        Delivery.objects.filter(connector=tryton_connector).update(
            next_attempt_at=datetime.datetime.now(datetime.UTC)
        )
        second = _deliver(tryton_connector)
    finally:
        trytond_server.start()

    assert first.delivered == 0
    assert first.failed + second.failed == 2
    breaker = CircuitBreaker.objects.get(connector=tryton_connector)
    assert breaker.state == CircuitBreaker.State.OPEN
    statuses = list(
        Delivery.objects.filter(connector=tryton_connector)
        .order_by("aggregate_key", "sequence")
        .values_list("event__type", "status")
    )
    assert ("asn.submitted", "retry_scheduled") in statuses
    assert not any(status == "dead" for _, status in statuses)

    # Tryton is back and the cooldown is over: the half-open probe succeeds, the rest
    # follows in per-document order.
    CircuitBreaker.objects.filter(connector=tryton_connector).update(
        reopen_at=datetime.datetime.now(datetime.UTC)
    )
    Delivery.objects.filter(connector=tryton_connector).update(
        next_attempt_at=datetime.datetime.now(datetime.UTC)
    )
    for _ in range(4):
        _deliver(tryton_connector)

    assert set(
        Delivery.objects.filter(connector=tryton_connector).values_list("status", flat=True)
    ) == {"delivered"}
    (shipment,) = helpers.shipments_of(tryton, asn_number)
    assert [m["quantity"] for m in helpers.moves(tryton, shipment["incoming_moves"])] == [40.0]
    assert helpers.purchase(tryton, purchase["id"])["reference"].startswith("ACK ")


def test_a_tryton_validation_error_is_permanent(tryton, tryton_connector):
    impl = connector_for(tryton_connector)

    with pytest.raises(ConnectorError) as error:
        impl.client.create("purchase.purchase", [{"reference": "no supplier"}])

    assert error.value.permanent is True
    assert "UserError" in error.value.message


def test_wrong_tryton_password_is_a_permanent_error(tryton, tryton_connector, monkeypatch):
    monkeypatch.setenv("TEST_TRYTON_PASSWORD", "not-the-password")

    with pytest.raises(ConnectorError) as error:
        erp_tryton.purchases_pull(connector=tryton_connector)

    assert error.value.permanent is True
    assert "refused the login of 'admin'" in error.value.message
