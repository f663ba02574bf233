"""The review queue's cards, made in Python (suppliers/views/review_cards.py): what a card
says of a proposal that changes a line's quantity, date and price, in English and German;
the decision's htmx answer prints the same card; another supplier's proposal stays out of
a filtered queue; the answer's queries do not grow with the lines."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from suppliers import services
from suppliers.models import Acknowledgment, AcknowledgmentLine, ScheduleLine
from suppliers.services import LineProposalInput
from tests.suppliers.factories import AutoAcceptRuleFactory, purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
QUEUE = reverse("buyer:review_queue")


def _in(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _propose(supplier, actor, number: str, lines: int = 2) -> Acknowledgment:
    """Line 1: 100 EA at 2.50 two weeks out becomes 80.5 EA at 2.75 three weeks out (the
    supplier's comment has markup in it); the other lines are accepted. The half EA is
    written after the service (which wants whole EA) to show a decimal in each language."""
    purchase_order = purchase_order_awaiting_acknowledgment(
        supplier=supplier, number=number, lines=lines
    )
    ack = services.purchase_order_propose_changes(
        actor=actor,
        purchase_order=purchase_order,
        revision=1,
        lines=[
            LineProposalInput(
                line_no=1,
                action="change",
                quantity=Decimal("80"),
                date=timezone.localdate() + datetime.timedelta(days=21),
                unit_price=Decimal("2.75"),
                reason_code="price_change",
                comment="Steel <up> & more",
            ),
            *(LineProposalInput(line_no=n) for n in range(2, lines + 1)),
        ],
    )
    changed = AcknowledgmentLine.objects.filter(acknowledgment=ack, po_line__line_no=1)
    changed.update(proposed_qty=Decimal("80.5"))
    ScheduleLine.objects.filter(acknowledgment_line__in=changed).update(
        quantity=Decimal("80.5"), entered_quantity=Decimal("80.5")
    )
    return ack


def _card(html: str, number: str) -> str:
    found = re.search(rf'<article [^>]*data-po="{number}".*?</article>', html, re.S)
    assert found, f"no card for {number}"
    return found.group(0)


def _line(card: str, line_no: int) -> str:
    found = re.search(rf'<tr class="ack-line[^"]*" data-line="{line_no}">.*?</tr>', card, re.S)
    assert found, f"no line {line_no}"
    return found.group(0)


def test_a_card_shows_the_changed_quantity_date_and_price_beside_what_was_ordered(
    client, supplier, other_supplier, supplier_user, outsider, buyer
):
    AutoAcceptRuleFactory(supplier=supplier, max_date_shift_days=2, max_qty_change_pct=5)
    ack = _propose(supplier, supplier_user, "PO-CARD")
    _propose(other_supplier, outsider, "PO-OUT")
    client.force_login(buyer)

    html = client.get(QUEUE, {"supplier": "ACME"}).content.decode()

    card = _card(html, "PO-CARD")
    assert card.startswith(
        f'<article class="review-card" id="proposal-{ack.pk}" data-po="PO-CARD" data-waiting>'
    )
    assert (
        '<h2><a href="/buyer/orders/PO-CARD/">PO PO-CARD</a> · ACME Acme Fasteners '
        "<small>revision 1</small></h2>"
    ) in card
    assert _line(card, 1) == (
        '<tr class="ack-line action-change" data-line="1"><td class="num">1</td>'
        '<td><strong>SKU-PO-CARD-1</strong></td><td><span class="badge">Change</span></td>'
        '<td class="num"><span class="was">100</span> → <strong>80.5</strong> EA</td>'
        f'<td class="original-delivery">100 EA on {_in(14)}</td>'
        '<td class="proposed-deliveries"><ul class="schedule-list"><li data-schedule-line="1">'
        f"<strong>80.5 EA on {_in(21)}</strong></li></ul></td>"
        '<td class="num"><span class="was">2.50 USD</span> → <strong>2.75 USD</strong></td>'
        '<td class="num delta-neg">-28.63 USD</td>'
        '<td>Price change<br><span class="muted">Steel &lt;up&gt; &amp; more</span></td></tr>'
    )
    assert _line(card, 2) == (
        '<tr class="ack-line action-accept" data-line="2"><td class="num">2</td>'
        '<td><strong>SKU-PO-CARD-2</strong></td><td><span class="badge">Accept</span></td>'
        '<td class="num">100 EA</td>'
        f'<td class="original-delivery">100 EA on {_in(14)}</td>'
        '<td class="proposed-deliveries"><ul class="schedule-list"><li data-schedule-line="1">'
        f"100 EA on {_in(14)}</li></ul></td>"
        '<td class="num">2.50 USD</td><td class="num">0.00 USD</td><td></td></tr>'
    )
    assert (
        '<p class="muted">Auto-accept rule: date shift ≤ 2 day(s), quantity within ±5 %, '
        "price unchanged.</p>"
    ) in card
    assert (
        f'<form class="decision-form" method="post" action="/buyer/reviews/{ack.pk}/accept/" '
        f'hx-target="#proposal-{ack.pk}" hx-swap="outerHTML" hx-disabled-elt="find button">'
    ) in card
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="' in card
    assert '<input type="hidden" name="supplier" value="ACME">' in card
    assert f'formaction="/buyer/reviews/{ack.pk}/reject/"' in card
    # The other supplier's proposal is not on the filtered queue, in no form.
    assert "PO-OUT" not in html
    assert "GLOBEX" not in html.split('<select name="supplier"')[0] + html.split("</select>")[-1]
    assert html.count('<article class="review-card') == 1


def test_a_german_buyer_reads_the_card_in_german_with_decimal_commas(
    client, supplier, supplier_user, buyer
):
    _propose(supplier, supplier_user, "PO-DE")
    buyer.language = "de"
    buyer.save(update_fields=["language"])
    client.force_login(buyer)

    card = _card(client.get(QUEUE).content.decode(), "PO-DE")

    assert '<span class="was">100</span> → <strong>80,5</strong> EA' in card
    assert f"<strong>80,5 EA am {_in(21)}</strong>" in card
    assert "Bestellung PO-DE" in card
    assert "Änderungen annehmen" in card


def test_the_decision_answer_is_the_queue_card_decided_with_the_waiting_count(
    client, supplier, other_supplier, supplier_user, outsider, buyer
):
    ack = _propose(supplier, supplier_user, "PO-DEC")
    _propose(other_supplier, outsider, "PO-OTHER")
    client.force_login(buyer)
    queue_card = _card(client.get(QUEUE).content.decode(), "PO-DEC")

    response = client.post(
        reverse("buyer:proposal_accept", args=[ack.pk]),
        {"comment": "Fine & dandy", "supplier": "ACME"},
        **HTMX,
    )

    answer = response.content.decode()
    card = _card(answer, "PO-DEC")
    assert card.startswith(
        f'<article class="review-card decided" id="proposal-{ack.pk}" data-po="PO-DEC">'
    )
    assert _line(card, 1) == _line(queue_card, 1)
    assert (
        '<p class="decision">Accepted by buyer (Bea Buyer): PO PO-DEC is now revision 2. '
        "“Fine &amp; dandy”</p>"
    ) in card.replace(str(buyer), "Bea Buyer")
    assert "<form" not in card
    # ACME's queue is empty now; GLOBEX's proposal is neither counted nor shown.
    assert (
        '<p class="muted" id="review-waiting" hx-swap-oob="true"><span class="count" '
        'data-counter="waiting">0</span> proposals waiting, oldest first.</p>'
    ) in answer
    assert "PO-OTHER" not in answer


def test_a_failed_decision_answers_the_card_with_its_form_the_error_and_the_typed_comment(
    client, supplier, supplier_user, buyer
):
    ack = _propose(supplier, supplier_user, "PO-ERR")
    client.force_login(buyer)

    response = client.post(
        reverse("buyer:proposal_reject", args=[ack.pk]), {"comment": "   "}, **HTMX
    )

    card = _card(response.content.decode(), "PO-ERR")
    assert "data-waiting>" in card
    assert '<ul class="errorlist" id="id_comment_error">' in card
    assert f'<textarea id="comment-{ack.pk}" name="comment" rows="2">' in card
    assert f'hx-post="/buyer/reviews/{ack.pk}/accept/"' in card
    assert '<input type="hidden" name="csrfmiddlewaretoken" value="' in card


def test_the_decision_answer_runs_the_same_queries_for_one_and_six_lines(
    client, supplier, supplier_user, buyer
):
    small = _propose(supplier, supplier_user, "PO-Q1", lines=1)
    large = _propose(supplier, supplier_user, "PO-Q6", lines=6)
    client.force_login(buyer)

    counts = []
    for ack in (small, large):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                reverse("buyer:proposal_reject", args=[ack.pk]), {"comment": ""}, **HTMX
            )
        assert response.status_code == 200
        counts.append(len(captured))

    assert counts[0] == counts[1]


def test_a_cards_lines_made_once_are_made_anew_when_a_value_or_the_language_changes(
    client, supplier, supplier_user, buyer
):
    ack = _propose(supplier, supplier_user, "PO-MEMO")
    client.force_login(buyer)
    first = client.get(QUEUE).content.decode()
    again = client.get(QUEUE).content.decode()

    # Written outside the services (a correction in the database): a value of the rows.
    AcknowledgmentLine.objects.filter(acknowledgment=ack, po_line__line_no=1).update(
        comment="Rechecked with the mill."
    )
    changed = client.get(QUEUE).content.decode()
    german = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "Rechecked with the mill." not in first
    assert first.count("ack-line") == again.count("ack-line") == 2
    assert "Rechecked with the mill." in changed
    assert "80,5" in german and "80,5" not in changed
