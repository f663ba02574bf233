"""The proposal mail to the buyers and the decision mail to the supplier list only what
changed (a split into deliveries included, never "6 → 6"), with links, in a plain-text and
an HTML part."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from suppliers import services
from suppliers.services import LineProposalInput, ScheduleLineInput
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db


def _in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _html(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.PORTAL_SITE_URL = "https://portal.example"


@pytest.fixture
def proposal(supplier, supplier_user, buyer, django_capture_on_commit_callbacks):
    """Line 1 split 4 + 2 (6 EA ordered, same total); line 2 only a new price; line 3
    rejected; line 4 accepted as ordered."""
    po = purchase_order_awaiting_acknowledgment(
        supplier=supplier, number="PO-MAIL", lines=4, qty="6"
    )
    with django_capture_on_commit_callbacks(execute=True):
        return services.purchase_order_propose_changes(
            actor=supplier_user,
            purchase_order=po,
            revision=1,
            lines=[
                LineProposalInput(
                    line_no=1,
                    action="change",
                    schedule=[
                        ScheduleLineInput(quantity=Decimal("4"), date=_in(14)),
                        ScheduleLineInput(quantity=Decimal("2"), date=_in(28)),
                    ],
                    reason_code="capacity",
                ),
                LineProposalInput(
                    line_no=2,
                    action="change",
                    unit_price=Decimal("2.75"),
                    reason_code="price_change",
                ),
                LineProposalInput(
                    line_no=3, action="reject", reason_code="discontinued", comment="End of life."
                ),
            ],
            comment="Half the bolts come later.",
        )


def test_the_proposal_mail_lists_only_what_changed_with_the_split(proposal):
    [message] = mail.outbox
    body = message.body

    assert message.to == ["bea@distributor.example"]
    assert (
        f"  Deliveries: 6 EA on {_in(14):%Y-%m-%d} → 4 EA on {_in(14):%Y-%m-%d}; "
        f"2 EA on {_in(28):%Y-%m-%d}"
    ) in body
    assert "  Unit price: 2.50 USD → 2.75 USD" in body
    assert "Line 3 (SKU-PO-MAIL-3): rejected — Item discontinued" in body
    assert "  Comment: End of life." in body
    # Unchanged values and the line accepted as ordered are not listed.
    assert "6 EA → 6 EA" not in body
    assert "Quantity" not in body
    assert "Line 4" not in body
    assert "SKU-PO-MAIL-4" not in body
    assert "Supplier's comment: Half the bolts come later." in body


def test_the_proposal_mail_links_to_the_proposal_and_the_po(proposal, supplier):
    [message] = mail.outbox

    review = (
        f"https://portal.example/buyer/reviews/?supplier={supplier.code}#proposal-{proposal.pk}"
    )
    assert f"Review it: {review}" in message.body
    assert "https://portal.example/buyer/orders/PO-MAIL/" in message.body
    html = _html(message)
    assert f'<a href="{review}">Review the proposal</a>' in html
    assert f"<td><strong>4 EA on {_in(14):%Y-%m-%d}; 2 EA on {_in(28):%Y-%m-%d}</strong></td>" in (
        html
    )
    assert "<strong>Rejected</strong> — Item discontinued" in html


def test_the_decision_mail_tells_the_supplier_what_was_confirmed(
    proposal, buyer, supplier_user, teammate, django_capture_on_commit_callbacks
):
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.change_proposal_accept(actor=buyer, acknowledgment=proposal, comment="Fine.")

    [message] = mail.outbox
    assert sorted(message.to) == sorted([supplier_user.email, teammate.email])
    assert "The purchase order is now revision 2 with these changes confirmed:" in message.body
    assert f"2 EA on {_in(28):%Y-%m-%d}" in message.body
    assert "  Unit price: 2.50 USD → 2.75 USD" in message.body
    assert "6 EA → 6 EA" not in message.body
    assert "Open the purchase order: https://portal.example/orders/PO-MAIL/" in message.body
    assert '<a href="https://portal.example/orders/PO-MAIL/">Open PO PO-MAIL</a>' in _html(message)


def test_a_rejected_proposal_mail_lists_the_changes_that_were_not_accepted(
    proposal, buyer, django_capture_on_commit_callbacks
):
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.change_proposal_reject(
            actor=buyer, acknowledgment=proposal, comment="We need all 6 at once."
        )

    [message] = mail.outbox
    assert "These changes were not accepted" in message.body
    assert "  Unit price: 2.50 USD → 2.75 USD" in message.body
    assert "Comment: We need all 6 at once." in message.body
