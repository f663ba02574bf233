"""Who is told what: each kind of notification reaches the users of the document's
supplier (or the buyer, for a supplier's dispute message), never another supplier's."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from portal.models import Notification
from suppliers import services
from suppliers.models import Dispute, PurchaseOrder
from suppliers.services import LineProposalInput, PurchaseOrderLineInput
from tests.inventory.factories import ItemFactory, WarehouseFactory
from tests.portal.factories import UserFactory
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment
from tests.suppliers.invoicing_helpers import received_line, submit

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
ACME_USERS = ["sam@acme.example", "tia@acme.example"]


@pytest.fixture(autouse=True)
def people(supplier_user, teammate, outsider, buyer):
    """Two users of ACME, one of GLOBEX (the outsider, who must never be told), a buyer."""


def told(kind: str) -> list[tuple[str, str, str]]:
    return sorted(
        (n.user.email, n.title, n.url)
        for n in Notification.objects.filter(kind=kind).select_related("user")
    )


def line_inputs(purchase_order: PurchaseOrder, qty: str = "100") -> list[PurchaseOrderLineInput]:
    return [
        PurchaseOrderLineInput(
            line_no=line.line_no,
            item=line.item,
            ordered_qty=Decimal(qty),
            uom=line.uom,
            unit_price=line.unit_price,
            requested_date=line.requested_date,
        )
        for line in purchase_order.lines.order_by("line_no")
    ]


def test_a_new_po_tells_every_user_of_its_supplier_with_a_link_to_the_accept_button(supplier):
    item = ItemFactory(sku="BOLT-1")
    services.purchase_order_create(
        actor=None,
        number="PO-N1",
        supplier=supplier,
        ship_to=WarehouseFactory(code="DC1"),
        lines=[
            PurchaseOrderLineInput(
                line_no=1,
                item=item,
                ordered_qty=Decimal("10"),
                uom=item.base_uom,
                unit_price=Decimal("1.5"),
                requested_date=datetime.date(2030, 5, 1),
            )
        ],
    )

    assert told(Kind.PO_NEW) == [
        (email, "New purchase order PO-N1", "/orders/PO-N1/#ack-panel") for email in ACME_USERS
    ]
    assert Notification.objects.get(user__email="sam@acme.example").body == (
        "1 line to acknowledge."
    )


def test_a_revised_po_tells_its_suppliers_users_only(supplier):
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-R1")

    services.purchase_order_revise(actor=None, purchase_order=po, lines=line_inputs(po, "80"))

    assert told(Kind.PO_REVISED) == [
        (email, "Purchase order PO-R1 was revised", "/orders/PO-R1/#ack-panel")
        for email in ACME_USERS
    ]


def test_a_cancelled_po_tells_its_suppliers_users_only(supplier):
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-C1")

    services.purchase_order_cancel(actor=None, purchase_order=po, reason="Not needed.")

    assert told(Kind.PO_CANCELLED) == [
        (email, "Purchase order PO-C1 was cancelled", "/orders/PO-C1/") for email in ACME_USERS
    ]


def test_a_decided_proposal_tells_the_suppliers_users_only(supplier, supplier_user, buyer):
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-D1", lines=1)
    proposal = services.purchase_order_propose_changes(
        actor=supplier_user,
        purchase_order=po,
        revision=1,
        lines=[
            LineProposalInput(
                line_no=1, action="change", unit_price=Decimal("2.75"), reason_code="price_change"
            )
        ],
    )

    services.change_proposal_reject(actor=buyer, acknowledgment=proposal, comment="No.")

    assert told(Kind.PROPOSAL_DECIDED) == [
        (email, "Your proposed changes to PO PO-D1 were rejected", "/orders/PO-D1/")
        for email in ACME_USERS
    ]


def test_a_reminder_tells_the_suppliers_users_only(supplier, buyer):
    po = purchase_order_awaiting_acknowledgment(
        supplier=supplier,
        number="PO-M1",
        ack_due_at=timezone.now() - datetime.timedelta(days=1),
    )

    services.purchase_order_send_reminder(actor=buyer, purchase_order=po)

    assert told(Kind.ACK_REMINDER) == [
        (email, "Please acknowledge PO PO-M1", "/orders/PO-M1/#ack-panel") for email in ACME_USERS
    ]


def test_an_invoice_hold_tells_the_suppliers_users_only(supplier):
    submit(supplier, received_line(supplier), price="2.60")

    assert told(Kind.INVOICE_HOLD) == [
        (email, "Invoice INV-1 is on hold", "/orders/invoices/INV-1/") for email in ACME_USERS
    ]


def _dispute(supplier, supplier_user) -> Dispute:
    return services.dispute_open(
        actor=supplier_user,
        supplier=supplier,
        side=Dispute.Side.SUPPLIER,
        reason=Dispute.Reason.PRICE,
        amount=Decimal("10"),
        message="The price rose.",
        invoice=submit(supplier, received_line(supplier), price="2.60"),
    )


def test_a_suppliers_dispute_message_tells_the_buyers_and_no_supplier(supplier, supplier_user):
    dispute = _dispute(supplier, supplier_user)
    Notification.objects.all().delete()  # the opening's own (dispute.opened) is not the point
    UserFactory(email="ivy@acme.example")  # a user of no supplier and no role

    services.dispute_add_message(
        actor=supplier_user, dispute=dispute, side=Dispute.Side.SUPPLIER, body="See the letter."
    )

    title = f"New message on dispute #{dispute.pk} (Invoice INV-1)"
    assert told(Kind.DISPUTE_REPLY) == [
        ("bea@distributor.example", title, f"/buyer/invoices/disputes/{dispute.pk}/")
    ]


def test_a_buyers_dispute_reply_tells_the_suppliers_users_only(supplier, supplier_user, buyer):
    dispute = _dispute(supplier, supplier_user)
    Notification.objects.all().delete()  # the opening's own (dispute.opened) is not the point

    services.dispute_add_message(
        actor=buyer, dispute=dispute, side=Dispute.Side.BUYER, body="Which letter?"
    )

    title = f"New message on dispute #{dispute.pk} (Invoice INV-1)"
    assert told(Kind.DISPUTE_REPLY) == [
        (email, title, f"/orders/invoices/disputes/{dispute.pk}/") for email in ACME_USERS
    ]


def test_a_dispute_opened_by_the_supplier_tells_the_buyers_and_no_supplier(supplier, supplier_user):
    dispute = _dispute(supplier, supplier_user)

    title = f"Dispute #{dispute.pk} opened on Invoice INV-1"
    assert told(Kind.DISPUTE_REPLY) == [
        ("bea@distributor.example", title, f"/buyer/invoices/disputes/{dispute.pk}/")
    ]


def test_an_inactive_supplier_user_is_not_told(supplier, teammate):
    teammate.supplier_membership.is_active = False
    teammate.supplier_membership.save()
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-X1")

    services.purchase_order_cancel(actor=None, purchase_order=po, reason="Not needed.")

    assert [email for email, _, _ in told(Kind.PO_CANCELLED)] == ["sam@acme.example"]


def test_a_rolled_back_change_tells_nobody(supplier):
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-B1")

    with pytest.raises(RuntimeError), transaction.atomic():
        services.purchase_order_cancel(actor=None, purchase_order=po, reason="Not needed.")
        raise RuntimeError("the caller fails after the change")

    assert Notification.objects.count() == 0
