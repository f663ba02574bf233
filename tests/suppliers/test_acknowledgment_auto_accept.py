"""Auto-accept rules: a proposal inside the supplier's limits is accepted without a buyer,
visibly as auto-accepted; one step past any limit goes to review. Boundaries included."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from integrations.models import AuditEntry, Event
from suppliers import services
from suppliers.models import PurchaseOrder
from suppliers.services import LineProposalInput, ScheduleLineInput
from tests.suppliers.factories import AutoAcceptRuleFactory, purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db


def _in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def po(supplier):
    # Ordered 100 EA at 2.50 for two weeks out, on both lines.
    return purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-300")


@pytest.fixture
def rule(supplier):
    return AutoAcceptRuleFactory(
        supplier=supplier, max_date_shift_days=3, max_qty_change_pct=Decimal("10")
    )


def _propose(po, actor, **change):
    return services.purchase_order_propose_changes(
        actor=actor,
        purchase_order=po,
        revision=1,
        lines=[LineProposalInput(line_no=1, action="change", reason_code="capacity", **change)],
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"date": _in(14 + 3)}, "auto_accepted"),
        ({"date": _in(14 + 4)}, "pending_review"),
        ({"date": _in(14 - 3)}, "auto_accepted"),
        ({"date": _in(14 - 4)}, "pending_review"),
        ({"quantity": Decimal("110")}, "auto_accepted"),
        ({"quantity": Decimal("110.000001")}, "pending_review"),
        ({"quantity": Decimal("90")}, "auto_accepted"),
        ({"quantity": Decimal("89")}, "pending_review"),
        ({"quantity": Decimal("95"), "date": _in(16)}, "auto_accepted"),
        ({"unit_price": Decimal("2.5001")}, "pending_review"),
    ],
    ids=[
        "3-days-later",
        "4-days-later",
        "3-days-earlier",
        "4-days-earlier",
        "plus-10-pct",
        "just-over-10-pct",
        "minus-10-pct",
        "minus-11-pct",
        "qty-and-date-inside",
        "any-price-change",
    ],
)
def test_auto_accept_boundaries(po, rule, supplier_user, change, expected):
    if change.get("quantity") == Decimal("110.000001"):
        # The line's unit must allow the digits for this boundary to be expressible.
        uom = po.lines.get(line_no=1).uom
        uom.kind, uom.decimal_places = "mass", 6
        uom.save()

    ack = _propose(po, supplier_user, **change)

    assert ack.status == expected


def test_every_schedule_date_must_be_inside_the_date_limit(po, rule, supplier_user):
    ack = _propose(
        po,
        supplier_user,
        schedule=[
            ScheduleLineInput(quantity=Decimal("60"), date=_in(14)),
            ScheduleLineInput(quantity=Decimal("40"), date=_in(18)),
        ],
    )

    assert ack.status == "pending_review"


def test_a_rejected_line_always_goes_to_a_buyer(po, supplier_user):
    AutoAcceptRuleFactory(
        supplier=po.supplier, max_date_shift_days=365, max_qty_change_pct=Decimal("100")
    )

    ack = services.purchase_order_propose_changes(
        actor=supplier_user,
        purchase_order=po,
        revision=1,
        lines=[LineProposalInput(line_no=2, action="reject", reason_code="discontinued")],
    )

    assert ack.status == "pending_review"


def test_a_disabled_rule_accepts_nothing(po, supplier_user):
    AutoAcceptRuleFactory(supplier=po.supplier, is_enabled=False, max_date_shift_days=30)

    assert _propose(po, supplier_user, date=_in(15)).status == "pending_review"


def test_a_supplier_without_a_rule_gets_every_proposal_reviewed(po, supplier_user):
    assert _propose(po, supplier_user, date=_in(15)).status == "pending_review"


def test_another_suppliers_rule_does_not_apply(po, other_supplier, supplier_user):
    AutoAcceptRuleFactory(supplier=other_supplier, max_date_shift_days=30)

    assert _propose(po, supplier_user, date=_in(15)).status == "pending_review"


def test_an_auto_accepted_proposal_confirms_a_new_revision_visibly(
    po, rule, supplier_user, buyer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ack = _propose(po, supplier_user, quantity=Decimal("95"), date=_in(16))

    po.refresh_from_db()
    line = po.lines.get(line_no=1)
    assert (po.status, po.revision) == (PurchaseOrder.Status.CONFIRMED, 2)
    assert (line.confirmed_qty, line.confirmed_date, line.confirmed_price) == (
        Decimal("95"),
        _in(16),
        Decimal("2.5"),
    )
    assert (ack.resulting_revision, ack.decided_by) == (2, None)
    assert ack.decision_comment.startswith("Auto-accepted: date shift ≤ 3 day(s)")
    assert list(
        AuditEntry.objects.filter(object_id=str(po.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["change_proposed", "change_auto_accepted"]
    assert list(
        Event.objects.filter(aggregate_id="PO-300")
        .order_by("sequence")
        .values_list("type", flat=True)
    ) == ["purchase_order.change_proposed", "purchase_order.change_decided"]
    assert Event.objects.get(type="purchase_order.change_decided").data["decision"] == (
        "auto_accepted"
    )
    # No buyer is asked to review; the supplier's users hear it was auto-accepted.
    assert [m.to for m in mail.outbox] == [["sam@acme.example"]]
    assert mail.outbox[0].subject == "PO PO-300: your proposed changes were auto-accepted"
