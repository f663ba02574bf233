"""Accepting a PO as ordered and rejecting it, through the service every channel calls."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import AuditEntry, Channel, Event
from suppliers import services
from suppliers.models import Acknowledgment, PurchaseOrder, ReasonCode
from tests.portal.factories import UserFactory
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db


@pytest.fixture
def po(supplier):
    return purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-100")


def _events(number: str) -> list[str]:
    return list(
        Event.objects.filter(aggregate_type="purchase_order", aggregate_id=number)
        .order_by("sequence")
        .values_list("type", flat=True)
    )


def test_accepting_confirms_every_line_at_ordered_quantity_requested_date_and_price(
    po, supplier_user
):
    line = po.lines.get(line_no=1)
    line.ordered_qty, line.unit_price = Decimal("40"), Decimal("3.2500")
    line.save()

    ack = services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=1)

    po.refresh_from_db()
    line.refresh_from_db()
    assert po.status == PurchaseOrder.Status.CONFIRMED
    assert po.revision == 1
    assert (line.confirmed_qty, line.confirmed_date, line.confirmed_price) == (
        Decimal("40"),
        line.requested_date,
        Decimal("3.2500"),
    )
    assert line.open_to_ship == Decimal("40")
    assert (ack.kind, ack.status, ack.revision) == ("accept", "recorded", 1)
    assert ack.submitted_by == supplier_user
    assert ack.lines.count() == 2


def test_accepting_writes_an_audit_entry_and_publishes_acknowledged(po, supplier_user):
    services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=1)

    entry = AuditEntry.objects.get(object_id=str(po.pk), action="acknowledged")
    assert entry.actor == supplier_user
    assert entry.channel == Channel.PORTAL
    assert entry.after["status"] == "confirmed"
    assert _events("PO-100") == ["purchase_order.acknowledged"]
    event = Event.objects.get(aggregate_id="PO-100")
    assert event.data["kind"] == "accept"
    assert [line["quantity"] for line in event.data["lines"]] == ["100.000000", "100.000000"]


def test_a_po_cannot_be_acknowledged_twice(po, supplier_user, teammate):
    services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=1)

    with pytest.raises(DomainError, match="already acknowledged") as error:
        services.purchase_order_accept(actor=teammate, purchase_order=po, revision=1)

    assert error.value.code == "already_acknowledged"
    assert Acknowledgment.objects.filter(purchase_order=po).count() == 1
    assert _events("PO-100") == ["purchase_order.acknowledged"]


def test_a_cancelled_po_cannot_be_acknowledged(po, supplier_user):
    PurchaseOrder.objects.filter(pk=po.pk).update(status=PurchaseOrder.Status.CANCELLED)

    with pytest.raises(DomainError, match="was cancelled") as error:
        services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=1)

    assert error.value.code == "cancelled"
    assert not Acknowledgment.objects.exists()


def test_only_the_current_revision_can_be_acknowledged(po, supplier_user):
    PurchaseOrder.objects.filter(pk=po.pk).update(revision=2)

    with pytest.raises(DomainError, match="now at revision 2") as error:
        services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=1)

    assert error.value.field == "revision"
    assert not Acknowledgment.objects.exists()


def test_a_failed_acknowledgment_leaves_no_event_and_no_audit_entry(po, supplier_user):
    PurchaseOrder.objects.filter(pk=po.pk).update(revision=3)

    with pytest.raises(DomainError):
        services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=1)

    assert _events("PO-100") == []
    assert not AuditEntry.objects.filter(object_id=str(po.pk)).exists()


def test_rejecting_records_reason_and_comment_and_closes_the_po(po, supplier_user):
    ack = services.purchase_order_reject(
        actor=supplier_user,
        purchase_order=po,
        revision=1,
        reason_code=ReasonCode.DISCONTINUED,
        comment="We no longer make these.",
    )

    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.REJECTED
    assert (ack.kind, ack.reason_code, ack.comment) == (
        "reject",
        "discontinued",
        "We no longer make these.",
    )
    assert po.lines.filter(confirmed_qty__isnull=False).count() == 0
    assert _events("PO-100") == ["purchase_order.acknowledged"]
    assert Event.objects.get(aggregate_id="PO-100").data["kind"] == "reject"
    entry = AuditEntry.objects.get(object_id=str(po.pk), action="rejected")
    assert entry.after["reason_code"] == "discontinued"


def test_rejecting_needs_a_known_reason_code(po, supplier_user):
    with pytest.raises(DomainError, match="Choose a reason code") as error:
        services.purchase_order_reject(
            actor=supplier_user, purchase_order=po, revision=1, reason_code="", comment="No."
        )
    assert error.value.field == "reason_code"

    with pytest.raises(DomainError, match="Unknown reason code 'weather'"):
        services.purchase_order_reject(
            actor=supplier_user, purchase_order=po, revision=1, reason_code="weather", comment="x"
        )


def test_rejecting_needs_a_comment(po, supplier_user):
    with pytest.raises(DomainError, match="why you reject") as error:
        services.purchase_order_reject(
            actor=supplier_user,
            purchase_order=po,
            revision=1,
            reason_code=ReasonCode.CAPACITY,
            comment="   ",
        )

    assert error.value.field == "comment"
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.ISSUED


def test_rejecting_emails_the_buyers_after_commit(
    po, supplier_user, buyer, django_capture_on_commit_callbacks
):
    UserFactory(email="inactive-buyer@distributor.example", roles=["buyer"], is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        services.purchase_order_reject(
            actor=supplier_user,
            purchase_order=po,
            revision=1,
            reason_code=ReasonCode.CAPACITY,
            comment="Line is full until March.",
        )

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["bea@distributor.example"]
    assert mail.outbox[0].subject == "PO PO-100 rejected by Acme Fasteners"
    assert "Line is full until March." in mail.outbox[0].body


def test_an_overdue_po_can_still_be_accepted(supplier, supplier_user):
    po = purchase_order_awaiting_acknowledgment(
        supplier=supplier,
        number="PO-LATE",
        issued_at=timezone.now() - datetime.timedelta(days=5),
    )

    services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=1)

    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.CONFIRMED
