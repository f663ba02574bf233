"""The buyer's review queue: oldest first, each change beside the original, accept or
reject with a comment, rules shown; closed to supplier users; constant query count."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from suppliers import services
from suppliers.models import Acknowledgment, PurchaseOrder
from suppliers.services import LineProposalInput
from tests.suppliers.factories import AutoAcceptRuleFactory, purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
QUEUE = reverse("buyer:review_queue")


def _in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _proposal(supplier, actor, number: str, lines: int = 2) -> Acknowledgment:
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number=number, lines=lines)
    return services.purchase_order_propose_changes(
        actor=actor,
        purchase_order=po,
        revision=1,
        lines=[
            LineProposalInput(line_no=1, action="change", date=_in(21), reason_code="lead_time"),
            *(
                LineProposalInput(
                    line_no=n, action="change", quantity=Decimal("75"), reason_code="capacity"
                )
                for n in range(2, lines + 1)
            ),
        ],
    )


def test_the_queue_lists_pending_proposals_oldest_first(
    client, supplier, other_supplier, supplier_user, outsider, buyer
):
    newer = _proposal(supplier, supplier_user, "PO-NEWER")
    older = _proposal(other_supplier, outsider, "PO-OLDER")
    Acknowledgment.objects.filter(pk=older.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(hours=5)
    )
    decided = _proposal(supplier, supplier_user, "PO-DONE")
    services.change_proposal_accept(actor=buyer, acknowledgment=decided)
    client.force_login(buyer)

    response = client.get(QUEUE)

    assert [row["id"] for row in response.context["page"].object_list] == [older.pk, newer.pk]
    filtered = client.get(QUEUE, {"supplier": "ACME"})
    assert [row["id"] for row in filtered.context["page"].object_list] == [newer.pk]


def test_each_change_is_shown_beside_the_original_with_its_value_impact(
    client, supplier, supplier_user, buyer
):
    _proposal(supplier, supplier_user, "PO-CMP")
    client.force_login(buyer)

    content = client.get(QUEUE).content.decode()

    assert '<span class="was">100</span> → <strong>75</strong> EA' in content
    # The ordered delivery beside the proposed one; money in the PO currency's decimals.
    assert f'<td class="original-delivery">100 EA on {_in(14):%Y-%m-%d}</td>' in content
    assert f"<strong>100 EA on {_in(21):%Y-%m-%d}</strong>" in content
    assert "-62.50 USD" in content
    assert "Lead time" in content


def test_the_suppliers_auto_accept_rule_is_shown_on_the_review_page(
    client, supplier, supplier_user, buyer
):
    AutoAcceptRuleFactory(supplier=supplier, max_date_shift_days=2, max_qty_change_pct=5)
    _proposal(supplier, supplier_user, "PO-RULE")
    client.force_login(buyer)

    content = client.get(QUEUE).content.decode()

    assert "Auto-accept rule: date shift ≤ 2 day(s), quantity within ±5 %, price unchanged." in (
        content
    )
    assert response_rules(client) == ["ACME"]


def response_rules(client) -> list[str]:
    return [rule.supplier.code for rule in client.get(QUEUE).context["rules"]]


def test_the_buyer_accepts_from_the_queue_and_the_card_shows_the_new_revision(
    client, supplier, supplier_user, buyer
):
    ack = _proposal(supplier, supplier_user, "PO-ACC")
    client.force_login(buyer)

    response = client.post(
        reverse("buyer:proposal_accept", args=[ack.pk]), {"comment": "Fine."}, **HTMX
    )

    assert "PO PO-ACC is now revision 2" in response.content.decode()
    po = PurchaseOrder.objects.get(number="PO-ACC")
    assert (po.status, po.revision) == ("confirmed", 2)


def test_rejecting_from_the_queue_without_a_comment_keeps_the_proposal_pending(
    client, supplier, supplier_user, buyer
):
    ack = _proposal(supplier, supplier_user, "PO-REJ")
    client.force_login(buyer)

    response = client.post(reverse("buyer:proposal_reject", args=[ack.pk]), {"comment": ""}, **HTMX)

    assert "Tell the supplier why you reject the proposal" in response.content.decode()
    ack.refresh_from_db()
    assert ack.status == "pending_review"

    client.post(reverse("buyer:proposal_reject", args=[ack.pk]), {"comment": "Need it sooner."})
    ack.refresh_from_db()
    assert (ack.status, ack.decision_comment) == ("rejected", "Need it sooner.")


@pytest.mark.parametrize("name", ["review_queue", "overdue_acknowledgments"])
def test_supplier_users_cannot_reach_the_buyer_pages(client, supplier_user, outsider, name):
    for user in (supplier_user, outsider):
        client.force_login(user)
        assert client.get(reverse(f"buyer:{name}")).status_code == 403


def test_supplier_users_cannot_decide_proposals_even_their_own(
    client, supplier, supplier_user, outsider
):
    ack = _proposal(supplier, supplier_user, "PO-SELF")
    for user in (supplier_user, outsider):
        client.force_login(user)
        for name in ("proposal_accept", "proposal_reject"):
            response = client.post(reverse(f"buyer:{name}", args=[ack.pk]), {"comment": "x"})
            assert response.status_code == 403
    ack.refresh_from_db()
    assert ack.status == "pending_review"


def test_the_review_queue_query_count_does_not_grow_with_proposals(
    client, supplier, other_supplier, supplier_user, outsider, buyer
):
    AutoAcceptRuleFactory(supplier=supplier, max_date_shift_days=0, max_qty_change_pct=0)
    client.force_login(buyer)
    _proposal(supplier, supplier_user, "PO-R0", lines=1)
    with CaptureQueriesContext(connection) as few:
        client.get(QUEUE)
    for n in range(1, 6):
        _proposal(
            supplier if n % 2 else other_supplier,
            supplier_user if n % 2 else outsider,
            f"PO-R{n}",
            lines=3,
        )

    with CaptureQueriesContext(connection) as many:
        response = client.get(QUEUE)

    assert len(response.context["page"].object_list) == 6
    assert len(many) == len(few)
