"""One life per document: the tables of purchase orders, PO lines, acknowledgments, ASNs
and receipts refuse a move they do not hold before anything is saved, and the services
move documents through them with one audit entry per change."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.models import AuditEntry, Event
from integrations.services.lifecycle import TransitionNotAllowed
from suppliers import services
from suppliers.models import (
    Acknowledgment,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    Shipment,
)
from suppliers.services import LineProposalInput
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment
from tests.suppliers.receipts_helpers import receive, submitted_asn
from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship

pytestmark = pytest.mark.django_db


def _nothing_written() -> bool:
    return not AuditEntry.objects.exists() and not Event.objects.exists()


def _clear_history() -> None:
    AuditEntry.objects.all().delete()
    Event.objects.all().delete()


def _po_actions(purchase_order: PurchaseOrder) -> list[tuple[str, dict, dict]]:
    return list(
        AuditEntry.objects.filter(
            object_type="suppliers.purchaseorder", object_id=str(purchase_order.pk)
        )
        .order_by("id")
        .values_list("action", "before", "after")
    )


# ---------------------------------------------------------------- refused moves


def test_the_purchase_order_table_refuses_a_move_it_does_not_hold_and_saves_nothing(supplier):
    purchase_order = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-1")
    updated_at = purchase_order.updated_at

    with pytest.raises(TransitionNotAllowed) as error:
        services.PURCHASE_ORDER_LIFECYCLE.move(
            purchase_order, to="received", action="goods_received", actor=None, channel="system"
        )

    assert error.value.message == (
        "Purchase order PO-1 is awaiting acknowledgment and cannot become received."
    )
    purchase_order.refresh_from_db()
    assert (purchase_order.status, purchase_order.updated_at) == ("issued", updated_at)
    assert _nothing_written()


def test_the_purchase_order_table_refuses_a_held_pair_made_by_another_action(supplier):
    purchase_order = confirmed_po(supplier, "PO-2")

    with pytest.raises(TransitionNotAllowed):
        services.PURCHASE_ORDER_LIFECYCLE.move(
            purchase_order, to="shipped", action="goods_received", actor=None, channel="system"
        )

    assert PurchaseOrder.objects.get(pk=purchase_order.pk).status == "confirmed"
    assert _nothing_written()


def test_the_po_line_table_refuses_to_cancel_a_received_line(supplier):
    line = line_of(confirmed_po(supplier, "PO-3"))
    PurchaseOrderLine.objects.filter(pk=line.pk).update(status="received")
    line.refresh_from_db()

    with pytest.raises(TransitionNotAllowed):
        services.PURCHASE_ORDER_LINE_LIFECYCLE.move(
            line, to="cancelled", action="cancelled", actor=None, channel="system"
        )

    assert PurchaseOrderLine.objects.get(pk=line.pk).status == "received"
    assert _nothing_written()


def test_the_acknowledgment_table_refuses_to_accept_a_recorded_answer(supplier, supplier_user):
    purchase_order = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-4")
    acknowledgment = services.purchase_order_accept(
        actor=supplier_user, purchase_order=purchase_order, revision=1
    )
    _clear_history()

    with pytest.raises(TransitionNotAllowed):
        services.ACKNOWLEDGMENT_LIFECYCLE.move(
            acknowledgment, to="accepted", action="change_accepted", actor=None, channel="system"
        )

    assert Acknowledgment.objects.get(pk=acknowledgment.pk).status == "recorded"
    assert _nothing_written()


def test_the_asn_table_refuses_to_receive_a_draft(supplier, supplier_user):
    purchase_order = confirmed_po(supplier, "PO-5")
    draft = ship(supplier, supplier_user, "ASN-5", [(line_of(purchase_order), "10")], submit=False)
    _clear_history()

    with pytest.raises(TransitionNotAllowed) as error:
        services.SHIPMENT_LIFECYCLE.move(
            draft, to="received", action="received", actor=None, channel="system", data={}
        )

    assert error.value.message == "ASN ASN-5 is draft and cannot become received."
    assert Shipment.objects.get(pk=draft.pk).status == "draft"
    assert _nothing_written()


def test_the_receipt_table_holds_no_move_after_recording(supplier, supplier_user):
    receipt = receive(submitted_asn(supplier, supplier_user), "R-1", "40")
    _clear_history()

    with pytest.raises(TransitionNotAllowed):
        services.RECEIPT_LIFECYCLE.move(
            receipt, to="recorded", action="recorded", actor=None, channel="system"
        )

    assert Receipt.objects.get(pk=receipt.pk).status == "recorded"
    assert _nothing_written()


@pytest.mark.parametrize(
    ("lifecycle", "status"),
    [
        ("PURCHASE_ORDER_LIFECYCLE", "received"),
        ("PURCHASE_ORDER_LINE_LIFECYCLE", "received"),
        ("ACKNOWLEDGMENT_LIFECYCLE", "accepted"),
        ("SHIPMENT_LIFECYCLE", "submitted"),
    ],
)
def test_a_document_cannot_be_created_in_a_later_status(lifecycle, status):
    with pytest.raises(TransitionNotAllowed):
        getattr(services, lifecycle).check_created(status)


# ---------------------------------------------------------------- the services' moves


def test_cancelling_a_po_cancels_its_open_lines_with_one_audit_entry_each(supplier):
    purchase_order = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-6")

    services.purchase_order_cancel(actor=None, purchase_order=purchase_order, reason="Dropped")

    assert list(purchase_order.lines.order_by("line_no").values_list("line_no", "status")) == [
        (1, "cancelled"),
        (2, "cancelled"),
    ]
    assert _po_actions(purchase_order) == [
        ("cancelled", {"status": "issued"}, {"status": "cancelled", "reason": "Dropped"})
    ]
    line_entries = AuditEntry.objects.filter(object_type="suppliers.purchaseorderline")
    assert (
        sorted(line_entries.values_list("action", "before", "after"))
        == [
            ("cancelled", {"status": "open"}, {"status": "cancelled", "reason": "Dropped"}),
        ]
        * 2
    )


def test_a_po_the_supplier_rejected_can_be_revised_and_asks_for_an_answer_again(
    supplier, supplier_user
):
    purchase_order = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-7")
    services.purchase_order_reject(
        actor=supplier_user,
        purchase_order=purchase_order,
        revision=1,
        reason_code="capacity",
        comment="Booked out.",
    )
    line = line_of(purchase_order)

    services.purchase_order_revise(
        actor=None,
        purchase_order=purchase_order,
        lines=[
            services.PurchaseOrderLineInput(
                line_no=1,
                item=line.item,
                ordered_qty=Decimal("40"),
                uom=line.uom,
                unit_price=Decimal("2.5"),
                requested_date=timezone.localdate() + datetime.timedelta(days=30),
            )
        ],
    )

    purchase_order.refresh_from_db()
    assert (purchase_order.status, purchase_order.revision) == ("issued", 2)
    assert [row[0] for row in _po_actions(purchase_order)] == ["rejected", "revised"]
    assert _po_actions(purchase_order)[1][1]["status"] == "rejected"
    assert list(purchase_order.lines.values_list("status", flat=True)) == ["open"]


def test_an_acceptance_is_one_audit_entry_on_the_po_and_none_on_the_acknowledgment(
    supplier, supplier_user
):
    purchase_order = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-8")

    services.purchase_order_accept(actor=supplier_user, purchase_order=purchase_order, revision=1)

    assert [row[0] for row in _po_actions(purchase_order)] == ["acknowledged"]
    assert not AuditEntry.objects.filter(object_type="suppliers.acknowledgment").exists()
    assert list(Event.objects.values_list("type", flat=True)) == ["purchase_order.acknowledged"]


def test_a_rejected_proposal_moves_the_acknowledgment_and_the_po_back_with_one_entry(
    supplier, supplier_user, buyer
):
    purchase_order = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-9")
    proposal = services.purchase_order_propose_changes(
        actor=supplier_user,
        purchase_order=purchase_order,
        revision=1,
        lines=[
            LineProposalInput(
                line_no=1, action="change", quantity=Decimal("80"), reason_code="capacity"
            )
        ],
    )

    services.change_proposal_reject(actor=buyer, acknowledgment=proposal, comment="No.")

    proposal.refresh_from_db()
    purchase_order.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == ("rejected", buyer)
    assert purchase_order.status == "issued"
    assert [row[0] for row in _po_actions(purchase_order)] == [
        "change_proposed",
        "change_rejected",
    ]
    assert not AuditEntry.objects.filter(object_type="suppliers.acknowledgment").exists()
    event = Event.objects.get(type="purchase_order.change_decided")
    assert (event.data["decision"], event.data["status"]) == ("rejected", "rejected")


def test_shipping_progress_moves_the_po_with_one_entry_per_asn(supplier, supplier_user):
    purchase_order = confirmed_po(supplier, "PO-10")
    ship(supplier, supplier_user, "ASN-A", [(line_of(purchase_order), "60")])
    second = ship(supplier, supplier_user, "ASN-B", [(line_of(purchase_order), "40")])

    services.asn_cancel(actor=supplier_user, shipment=second, reason="Truck broke down")

    purchase_order.refresh_from_db()
    assert purchase_order.status == "partially_shipped"
    assert _po_actions(purchase_order) == [
        ("asn_submitted", {"status": "confirmed"}, {"status": "partially_shipped", "asn": "ASN-A"}),
        ("asn_submitted", {"status": "partially_shipped"}, {"status": "shipped", "asn": "ASN-B"}),
        ("asn_cancelled", {"status": "shipped"}, {"status": "partially_shipped", "asn": "ASN-B"}),
    ]


def test_a_second_asn_that_leaves_the_po_status_still_shows_on_its_timeline(
    supplier, supplier_user
):
    purchase_order = confirmed_po(supplier, "PO-11")
    ship(supplier, supplier_user, "ASN-A", [(line_of(purchase_order), "30")])

    ship(supplier, supplier_user, "ASN-B", [(line_of(purchase_order), "30")])

    assert _po_actions(purchase_order)[-1] == (
        "asn_submitted",
        {"status": "partially_shipped"},
        {"status": "partially_shipped", "asn": "ASN-B"},
    )


def test_a_milestone_moves_the_asn_through_its_table_with_its_event(supplier, supplier_user):
    asn = submitted_asn(supplier, supplier_user)

    services.shipment_milestone_report(actor=supplier_user, shipment=asn, code="picked_up")
    services.shipment_milestone_report(actor=supplier_user, shipment=asn, code="out_for_delivery")

    asn.refresh_from_db()
    assert asn.status == "in_transit"
    assert list(
        AuditEntry.objects.filter(object_type="suppliers.shipment")
        .order_by("id")
        .values_list("action", "before__status", "after__status")
    ) == [
        ("created", None, "draft"),
        ("submitted", "draft", "submitted"),
        ("milestone picked_up", "submitted", "in_transit"),
        ("milestone out_for_delivery", "in_transit", "in_transit"),
    ]
    assert Event.objects.filter(type="shipment.milestone_reported").count() == 2
