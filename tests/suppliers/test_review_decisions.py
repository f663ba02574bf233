"""The buyer decides a change proposal: accept makes a new PO revision with the confirmed
values; reject sends it back with a comment, and the supplier can propose again."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import AuditEntry, Event
from suppliers import services
from suppliers.models import Acknowledgment, PurchaseOrder
from suppliers.services import LineProposalInput, ScheduleLineInput
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db


def _in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def po(supplier):
    return purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-400")


@pytest.fixture
def proposal(po, supplier_user):
    return services.purchase_order_propose_changes(
        actor=supplier_user,
        purchase_order=po,
        revision=1,
        lines=[
            LineProposalInput(
                line_no=1,
                action="change",
                schedule=[
                    ScheduleLineInput(quantity=Decimal("60"), date=_in(14)),
                    ScheduleLineInput(quantity=Decimal("40"), date=_in(35)),
                ],
                reason_code="material_shortage",
            ),
            LineProposalInput(
                line_no=2,
                action="change",
                quantity=Decimal("80"),
                unit_price=Decimal("2.7500"),
                reason_code="price_change",
            ),
        ],
    )


def test_accepting_a_proposal_makes_a_new_revision_with_the_confirmed_values(po, proposal, buyer):
    services.change_proposal_accept(actor=buyer, acknowledgment=proposal, comment="OK for us.")

    po.refresh_from_db()
    proposal.refresh_from_db()
    first, second = po.lines.order_by("line_no")
    assert (po.status, po.revision) == (PurchaseOrder.Status.CONFIRMED, 2)
    # The confirmed date is the earliest open delivery; the PO line keeps both.
    assert (first.ordered_qty, first.confirmed_qty, first.confirmed_date) == (
        Decimal("100"),
        Decimal("100"),
        _in(14),
    )
    assert [(s.position, s.quantity, s.date) for s in first.schedule_lines.all()] == [
        (1, Decimal("60"), _in(14)),
        (2, Decimal("40"), _in(35)),
    ]
    assert (second.ordered_qty, second.confirmed_qty, second.confirmed_price) == (
        Decimal("100"),
        Decimal("80"),
        Decimal("2.75"),
    )
    assert second.open_to_ship == Decimal("80")
    assert (proposal.status, proposal.decided_by, proposal.resulting_revision) == (
        "accepted",
        buyer,
        2,
    )
    assert proposal.decision_comment == "OK for us."
    # The split stays: the ASN side ships against these deliveries.
    schedule = proposal.lines.get(po_line=first).schedule_lines.all()
    assert [(s.quantity, s.date) for s in schedule] == [
        (Decimal("60"), _in(14)),
        (Decimal("40"), _in(35)),
    ]


def test_accepting_is_audited_published_and_mailed_to_the_suppliers_users(
    po, proposal, buyer, teammate, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.change_proposal_accept(actor=buyer, acknowledgment=proposal)

    entry = AuditEntry.objects.get(object_id=str(po.pk), action="change_accepted")
    assert (entry.actor, entry.before["revision"], entry.after["revision"]) == (buyer, 1, 2)
    event = Event.objects.get(aggregate_id="PO-400", type="purchase_order.change_decided")
    assert (event.data["decision"], event.data["new_revision"]) == ("accepted", 2)
    assert event.sequence == 2
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sam@acme.example", "tia@acme.example"]
    assert mail.outbox[0].subject == "PO PO-400: your proposed changes were accepted by buyer"
    assert "now revision 2" in mail.outbox[0].body


def test_rejecting_a_proposal_needs_a_comment(proposal, buyer):
    with pytest.raises(DomainError, match="Tell the supplier why") as error:
        services.change_proposal_reject(actor=buyer, acknowledgment=proposal, comment=" ")

    assert error.value.field == "comment"
    proposal.refresh_from_db()
    assert proposal.status == "pending_review"


def test_a_rejected_proposal_returns_the_po_to_the_supplier_who_can_propose_again(
    po, proposal, buyer, supplier_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.change_proposal_reject(
            actor=buyer, acknowledgment=proposal, comment="We need all 100 by the 14th."
        )

    po.refresh_from_db()
    proposal.refresh_from_db()
    assert (po.status, po.revision) == (PurchaseOrder.Status.ISSUED, 1)
    assert po.ack_due_at > timezone.now() + datetime.timedelta(hours=47)
    assert (proposal.status, proposal.decision_comment) == (
        "rejected",
        "We need all 100 by the 14th.",
    )
    assert po.lines.filter(confirmed_qty__isnull=False).count() == 0
    assert mail.outbox[0].to == ["sam@acme.example"]
    assert "We need all 100 by the 14th." in mail.outbox[0].body

    again = services.purchase_order_propose_changes(
        actor=supplier_user,
        purchase_order=po,
        revision=1,
        lines=[
            LineProposalInput(
                line_no=2, action="change", quantity=Decimal("95"), reason_code="capacity"
            )
        ],
    )

    assert again.status == "pending_review"
    assert Acknowledgment.objects.filter(purchase_order=po, revision=1).count() == 2
    assert list(
        Event.objects.filter(aggregate_id="PO-400")
        .order_by("sequence")
        .values_list("type", flat=True)
    ) == [
        "purchase_order.change_proposed",
        "purchase_order.change_decided",
        "purchase_order.change_proposed",
    ]


def test_a_proposal_cannot_be_decided_twice(proposal, buyer):
    services.change_proposal_accept(actor=buyer, acknowledgment=proposal)

    with pytest.raises(DomainError, match="already decided"):
        services.change_proposal_reject(actor=buyer, acknowledgment=proposal, comment="Too late.")
    with pytest.raises(DomainError, match="already decided"):
        services.change_proposal_accept(actor=buyer, acknowledgment=proposal)


def test_a_proposal_for_a_po_that_moved_on_cannot_be_decided(po, proposal, buyer):
    PurchaseOrder.objects.filter(pk=po.pk).update(status=PurchaseOrder.Status.CANCELLED)

    with pytest.raises(DomainError, match="has moved on"):
        services.change_proposal_accept(actor=buyer, acknowledgment=proposal)


def test_the_timeline_shows_who_proposed_and_who_decided_with_the_new_revision(
    client, po, proposal, buyer, supplier_user
):
    services.change_proposal_accept(actor=buyer, acknowledgment=proposal)
    client.force_login(supplier_user)

    response = client.get(f"/orders/{po.number}/")

    rows = response.context["timeline_rows"]
    assert [(r["label"], r["details"]) for r in rows] == [
        ("Changes proposed", ["revision 1"]),
        ("Changes accepted by the buyer", ["revision 2"]),
    ]
    assert [r["entry"].actor_label for r in rows] == [str(supplier_user), str(buyer)]
