"""Accepting with changes: per-line answers, schedule lines, exact unit conversion, and the
rules the service enforces whatever the channel."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import AuditEntry, Event
from suppliers import services
from suppliers.models import Acknowledgment, PurchaseOrder, ReasonCode
from suppliers.services import LineProposalInput, ScheduleLineInput
from tests.inventory.factories import UnitOfMeasureFactory, UomConversionFactory
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db

CHANGE, REJECT = "change", "reject"


def _in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def po(supplier):
    return purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-200")


def _propose(po, actor, *lines, comment=""):
    return services.purchase_order_propose_changes(
        actor=actor, purchase_order=po, revision=po.revision, lines=list(lines), comment=comment
    )


def test_a_proposal_waits_for_the_buyer_with_each_change_beside_the_original(po, supplier_user):
    ack = _propose(
        po,
        supplier_user,
        LineProposalInput(line_no=1, action=CHANGE, date=_in(20), reason_code=ReasonCode.LEAD_TIME),
        LineProposalInput(
            line_no=2,
            action=CHANGE,
            quantity=Decimal("80"),
            reason_code=ReasonCode.CAPACITY,
        ),
        comment="Best we can do.",
    )

    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.CHANGE_PROPOSED
    assert (ack.kind, ack.status, ack.comment) == ("change", "pending_review", "Best we can do.")
    first, second = ack.lines.order_by("po_line__line_no")
    assert (first.original_date, first.proposed_date, first.proposed_qty) == (
        _in(14),
        _in(20),
        Decimal("100"),
    )
    assert first.date_shift_days == 6
    assert (second.original_qty, second.proposed_qty, second.value_impact) == (
        Decimal("100"),
        Decimal("80"),
        Decimal("-50.0000000000"),
    )
    assert po.lines.filter(confirmed_qty__isnull=False).count() == 0


def test_a_proposal_is_audited_published_and_mailed_to_the_buyers(
    po, supplier_user, buyer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _propose(
            po,
            supplier_user,
            LineProposalInput(
                line_no=2, action=CHANGE, quantity=Decimal("90"), reason_code="capacity"
            ),
        )

    assert AuditEntry.objects.filter(object_id=str(po.pk), action="change_proposed").count() == 1
    event = Event.objects.get(aggregate_id="PO-200")
    assert event.type == "purchase_order.change_proposed"
    assert [(line["line_no"], line["action"]) for line in event.data["lines"]] == [
        (1, "accept"),
        (2, "change"),
    ]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["bea@distributor.example"]
    assert mail.outbox[0].subject == "PO PO-200: Acme Fasteners proposes changes"
    assert "Quantity: 100 EA → 90 EA" in mail.outbox[0].body


def test_a_line_can_be_split_into_schedule_lines_that_add_up(po, supplier_user):
    ack = _propose(
        po,
        supplier_user,
        LineProposalInput(
            line_no=1,
            action=CHANGE,
            schedule=[
                ScheduleLineInput(quantity=Decimal("60"), date=_in(14)),
                ScheduleLineInput(quantity=Decimal("40"), date=_in(30)),
            ],
            reason_code=ReasonCode.MATERIAL_SHORTAGE,
        ),
    )

    line = ack.lines.get(po_line__line_no=1)
    assert [(s.quantity, s.date) for s in line.schedule_lines.all()] == [
        (Decimal("60"), _in(14)),
        (Decimal("40"), _in(30)),
    ]
    assert (line.proposed_qty, line.proposed_date) == (Decimal("100"), _in(30))


def test_schedule_lines_that_do_not_add_up_to_the_quantity_are_refused(po, supplier_user):
    with pytest.raises(DomainError, match="add up to 90 EA, but the proposed quantity is 100"):
        _propose(
            po,
            supplier_user,
            LineProposalInput(
                line_no=1,
                action=CHANGE,
                schedule=[
                    ScheduleLineInput(quantity=Decimal("60"), date=_in(14)),
                    ScheduleLineInput(quantity=Decimal("30"), date=_in(30)),
                ],
                reason_code=ReasonCode.CAPACITY,
            ),
        )
    assert not Acknowledgment.objects.exists()


def test_quantities_in_the_suppliers_unit_are_converted_exactly(supplier, supplier_user):
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-CS", lines=1)
    line = po.lines.get()
    case = UnitOfMeasureFactory(code="CS")
    UomConversionFactory(item=line.item, from_uom=case, to_uom=line.uom, factor=Decimal("12"))

    ack = _propose(
        po,
        supplier_user,
        LineProposalInput(
            line_no=1,
            action=CHANGE,
            quantity=Decimal("9"),
            uom=case,
            schedule=[
                ScheduleLineInput(quantity=Decimal("5"), date=_in(14), uom=case),
                ScheduleLineInput(quantity=Decimal("48"), date=_in(21)),
            ],
            reason_code=ReasonCode.PACK_SIZE,
        ),
    )

    ack_line = ack.lines.get()
    assert ack_line.proposed_qty == Decimal("108")
    assert [
        (s.quantity, s.entered_quantity, s.entered_uom.code) for s in ack_line.schedule_lines.all()
    ] == [(Decimal("60"), Decimal("5"), "CS"), (Decimal("48"), Decimal("48"), "EA")]


def test_an_inexact_conversion_is_an_error_naming_the_line(supplier, supplier_user):
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-INX", lines=2)
    line = po.lines.get(line_no=2)
    case = UnitOfMeasureFactory(code="CS")
    line.uom = case
    line.ordered_qty = Decimal("10")
    line.save()
    UomConversionFactory(item=line.item, from_uom=case, to_uom=line.item.base_uom, factor=12)

    with pytest.raises(DomainError) as error:
        _propose(
            po,
            supplier_user,
            LineProposalInput(
                line_no=2,
                action=CHANGE,
                quantity=Decimal("25"),
                uom=line.item.base_uom,
                reason_code=ReasonCode.CAPACITY,
            ),
        )

    assert error.value.line == 2
    assert error.value.field == "quantity"
    assert error.value.message.startswith("Line 2: 25 EA is not a whole number of CS")
    assert not Acknowledgment.objects.exists()


def test_proposed_quantities_must_be_positive(po, supplier_user):
    with pytest.raises(DomainError, match="greater than zero") as error:
        _propose(
            po,
            supplier_user,
            LineProposalInput(line_no=1, action=CHANGE, quantity=Decimal("0"), reason_code="other"),
        )
    assert (error.value.line, error.value.field) == (1, "quantity")

    with pytest.raises(DomainError, match="greater than zero") as error:
        _propose(
            po,
            supplier_user,
            LineProposalInput(
                line_no=2,
                action=CHANGE,
                schedule=[
                    ScheduleLineInput(quantity=Decimal("110"), date=_in(14)),
                    ScheduleLineInput(quantity=Decimal("-10"), date=_in(20)),
                ],
                reason_code="other",
            ),
        )
    assert (error.value.line, error.value.field) == (2, "schedule")


def test_promised_dates_cannot_be_in_the_past(po, supplier_user):
    with pytest.raises(DomainError, match="is in the past") as error:
        _propose(
            po,
            supplier_user,
            LineProposalInput(line_no=2, action=CHANGE, date=_in(-1), reason_code="lead_time"),
        )
    assert (error.value.line, error.value.field) == (2, "date")


def test_today_is_not_in_the_past(po, supplier_user):
    ack = _propose(
        po,
        supplier_user,
        LineProposalInput(line_no=2, action=CHANGE, date=_in(0), reason_code="lead_time"),
    )
    assert ack.lines.get(po_line__line_no=2).proposed_date == _in(0)


def test_a_changed_or_rejected_line_needs_a_reason_code(po, supplier_user):
    with pytest.raises(DomainError, match="Choose a reason code") as error:
        _propose(po, supplier_user, LineProposalInput(line_no=2, action=REJECT))
    assert (error.value.line, error.value.field) == (2, "reason_code")


def test_a_change_that_changes_nothing_is_refused(po, supplier_user):
    with pytest.raises(DomainError, match="Line 1 proposes no change"):
        _propose(
            po,
            supplier_user,
            LineProposalInput(
                line_no=1, action=CHANGE, quantity=Decimal("100"), reason_code="other"
            ),
        )


def test_rejecting_one_line_confirms_nothing_for_it_and_keeps_the_others(po, supplier_user):
    ack = _propose(
        po,
        supplier_user,
        LineProposalInput(line_no=2, action=REJECT, reason_code=ReasonCode.DISCONTINUED),
    )

    rejected = ack.lines.get(po_line__line_no=2)
    assert (rejected.proposed_qty, rejected.proposed_date) == (Decimal("0"), None)
    assert rejected.schedule_lines.count() == 0
    assert ack.lines.get(po_line__line_no=1).action == "accept"


def test_rejecting_every_line_asks_to_reject_the_po_instead(po, supplier_user):
    with pytest.raises(DomainError, match="reject the whole PO instead"):
        _propose(
            po,
            supplier_user,
            LineProposalInput(line_no=1, action=REJECT, reason_code="discontinued"),
            LineProposalInput(line_no=2, action=REJECT, reason_code="discontinued"),
        )


def test_an_unknown_line_number_is_refused(po, supplier_user):
    with pytest.raises(DomainError, match="PO PO-200 has no line 7"):
        _propose(
            po, supplier_user, LineProposalInput(line_no=7, action=REJECT, reason_code="other")
        )


def test_a_second_proposal_while_one_is_pending_is_refused(po, supplier_user, teammate):
    change = LineProposalInput(line_no=1, action=CHANGE, date=_in(21), reason_code="lead_time")
    _propose(po, supplier_user, change)

    with pytest.raises(DomainError, match="already has changes waiting"):
        _propose(po, teammate, change)
    with pytest.raises(DomainError, match="already has changes waiting"):
        services.purchase_order_accept(actor=teammate, purchase_order=po, revision=1)

    assert Acknowledgment.objects.count() == 1
