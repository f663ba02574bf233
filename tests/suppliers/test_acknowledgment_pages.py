"""The supplier's acknowledgment pages: inbox counters, actions on the PO detail page, the
per-line change form with htmx schedule lines, errors in place, tenancy, query counts."""

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
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def po(supplier):
    return purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-500")


def _url(name: str, po) -> str:
    return reverse(f"suppliers:{name}", kwargs={"number": po.number})


def _proposal_post(po, **lines) -> dict:
    data = {"revision": str(po.revision), "comment": ""}
    for line in po.lines.all():
        data[f"line-{line.line_no}-action"] = "accept"
        data[f"line-{line.line_no}-uom"] = line.uom.code
    for key, value in lines.items():
        data[key.replace("_", "-", 2)] = value
    return data


def test_the_po_page_offers_accept_reject_and_changes_for_the_current_revision(
    client, po, supplier_user
):
    client.force_login(supplier_user)

    response = client.get(_url("po_detail", po))

    assert response.status_code == 200
    assert response.context["accept_form"].initial == {"revision": 1}
    content = response.content.decode()
    assert "Acknowledge revision 1" in content
    assert 'name="revision" value="1"' in content
    assert _url("po_propose", po) in content


def test_accepting_from_the_page_confirms_the_po_and_redirects_back(client, po, supplier_user):
    client.force_login(supplier_user)

    response = client.post(_url("po_accept", po), {"revision": "1"})

    assert response.status_code == 302
    assert response.url == _url("po_detail", po)
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.CONFIRMED
    page = client.get(response.url).content.decode()
    assert "PO PO-500 accepted as ordered." in page
    assert "Acknowledge revision" not in page


def test_accepting_with_htmx_answers_with_a_client_redirect(client, po, supplier_user):
    client.force_login(supplier_user)

    response = client.post(_url("po_accept", po), {"revision": "1"}, **HTMX)

    assert response.status_code == 200
    assert response["HX-Redirect"] == _url("po_detail", po)


def test_a_double_submitted_accept_shows_the_error_and_keeps_one_acknowledgment(
    client, po, supplier_user
):
    client.force_login(supplier_user)
    client.post(_url("po_accept", po), {"revision": "1"}, **HTMX)

    response = client.post(_url("po_accept", po), {"revision": "1"}, **HTMX)

    assert response.status_code == 200
    assert "was already acknowledged (confirmed)" in response.content.decode()
    assert Acknowledgment.objects.filter(purchase_order=po).count() == 1


def test_a_stale_revision_from_an_old_tab_is_refused_with_a_clear_message(
    client, po, supplier_user
):
    PurchaseOrder.objects.filter(pk=po.pk).update(revision=2)
    client.force_login(supplier_user)

    response = client.post(_url("po_accept", po), {"revision": "1"}, **HTMX)

    assert "You answered revision 1, but PO PO-500 is now at revision 2" in (
        response.content.decode()
    )
    assert not Acknowledgment.objects.exists()


def test_rejecting_without_a_reason_shows_the_error_next_to_the_field(client, po, supplier_user):
    client.force_login(supplier_user)

    response = client.post(
        _url("po_reject", po), {"revision": "1", "reason_code": "", "comment": "No."}, **HTMX
    )

    form = response.context["reject_form"]
    assert form.errors == {"reason_code": ["This field is required."]}
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.ISSUED


def test_rejecting_from_the_page_records_reason_and_comment(client, po, supplier_user):
    client.force_login(supplier_user)

    response = client.post(
        _url("po_reject", po),
        {"revision": "1", "reason_code": "capacity", "comment": "Fully booked."},
    )

    assert response.status_code == 302
    ack = Acknowledgment.objects.get(purchase_order=po)
    assert (ack.kind, ack.reason_code, ack.comment) == ("reject", "capacity", "Fully booked.")


def test_the_change_form_shows_one_fieldset_per_line(client, po, supplier_user):
    client.force_login(supplier_user)

    response = client.get(_url("po_propose", po))

    assert response.status_code == 200
    assert [f.po_line.line_no for f in response.context["form"].line_forms] == [1, 2]
    assert 'id="line-2"' in response.content.decode()


def test_proposing_from_the_page_sends_the_changes_for_review(client, po, supplier_user):
    client.force_login(supplier_user)
    data = _proposal_post(
        po,
        line_1_action="change",
        line_1_date=_in(21).isoformat(),
        line_1_reason_code="lead_time",
        line_2_action="change",
        line_2_quantity="80",
        line_2_reason_code="capacity",
    )
    data.update(
        {
            "line-2-s0-quantity": "50",
            "line-2-s0-uom": "EA",
            "line-2-s0-date": _in(14).isoformat(),
            "line-2-s1-quantity": "30",
            "line-2-s1-uom": "EA",
            "line-2-s1-date": _in(28).isoformat(),
        }
    )

    response = client.post(_url("po_propose", po), data, **HTMX)

    assert response["HX-Redirect"] == _url("po_detail", po)
    ack = Acknowledgment.objects.get(purchase_order=po)
    assert ack.status == "pending_review"
    line_2 = ack.lines.get(po_line__line_no=2)
    assert [s.quantity for s in line_2.schedule_lines.all()] == [Decimal("50"), Decimal("30")]


def test_a_service_error_is_shown_next_to_the_line_it_concerns(client, po, supplier_user):
    client.force_login(supplier_user)
    data = _proposal_post(
        po,
        line_2_action="change",
        line_2_date=_in(-2).isoformat(),
        line_2_reason_code="lead_time",
    )

    response = client.post(_url("po_propose", po), data)

    form = response.context["form"]
    line_1, line_2 = form.line_forms
    assert line_1.errors == {}
    assert line_2.errors["date"] == [
        f"Line 2: {_in(-2):%Y-%m-%d} is in the past; promise today or later."
    ]
    assert 'id="proposal-form"' in response.content.decode()
    assert not Acknowledgment.objects.exists()


def test_a_schedule_mismatch_is_shown_on_its_line(client, po, supplier_user):
    client.force_login(supplier_user)
    data = _proposal_post(po, line_1_action="change", line_1_reason_code="capacity")
    data.update(
        {
            "line-1-s0-quantity": "60",
            "line-1-s0-uom": "EA",
            "line-1-s0-date": _in(14).isoformat(),
            "line-1-s3-quantity": "30",
            "line-1-s3-uom": "EA",
            "line-1-s3-date": _in(20).isoformat(),
        }
    )

    response = client.post(_url("po_propose", po), data)

    line_1 = response.context["form"].line_forms[0]
    assert line_1.line_errors == [
        "Line 1: the schedule lines add up to 90 EA, but the proposed quantity is 100 EA. "
        "Make them match."
    ]
    assert [row.index for row in line_1.schedule_rows] == [0, 3]


def test_typing_a_change_on_a_line_left_on_accept_is_flagged(client, po, supplier_user):
    client.force_login(supplier_user)
    data = _proposal_post(
        po, line_1_quantity="90", line_2_action="reject", line_2_reason_code="other"
    )

    response = client.post(_url("po_propose", po), data)

    line_1 = response.context["form"].line_forms[0]
    assert line_1.errors == {"action": ["You entered changes on this line: choose Change."]}
    assert not Acknowledgment.objects.exists()


def test_adding_a_schedule_line_returns_the_row_and_the_next_add_button(client, po, supplier_user):
    client.force_login(supplier_user)

    response = client.get(_url("po_schedule_row", po), {"line": "2", "index": "1"}, **HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="line-2-s1-quantity"' in content
    assert 'name="line-2-s1-date"' in content
    assert 'id="add-schedule-2"' in content
    assert 'hx-swap-oob="true"' in content
    assert "index=2" in content


def test_after_a_buyer_rejection_the_supplier_sees_why_on_the_change_form(
    client, po, supplier_user, buyer
):
    ack = services.purchase_order_propose_changes(
        actor=supplier_user,
        purchase_order=po,
        revision=1,
        lines=[
            LineProposalInput(line_no=1, action="change", date=_in(30), reason_code="lead_time")
        ],
    )
    services.change_proposal_reject(actor=buyer, acknowledgment=ack, comment="30 days is too late.")
    client.force_login(supplier_user)

    detail = client.get(_url("po_detail", po)).content.decode()
    form_page = client.get(_url("po_propose", po)).content.decode()

    assert "“30 days is too late.”" in detail
    assert "Acknowledge revision 1" in detail
    assert "The buyer rejected your previous proposal" in form_page
    assert "30 days is too late." in form_page


@pytest.mark.parametrize("name", ["po_detail", "po_accept", "po_reject", "po_propose"])
def test_another_suppliers_user_gets_404_and_cannot_act(client, po, outsider, name):
    client.force_login(outsider)

    assert client.get(_url(name, po)).status_code == 404
    assert client.post(_url(name, po), {"revision": "1"}).status_code == 404
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.ISSUED


def test_a_buyer_cannot_acknowledge_on_the_suppliers_behalf(client, po, buyer):
    client.force_login(buyer)

    response = client.post(_url("po_accept", po), {"revision": "1"})

    assert response.status_code == 403
    assert not Acknowledgment.objects.exists()


def test_the_inbox_counts_what_the_supplier_must_act_on(
    client, supplier, other_supplier, supplier_user
):
    long_ago = timezone.now() - datetime.timedelta(days=10)
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-NEW", lines=1)
    purchase_order_awaiting_acknowledgment(
        supplier=supplier, number="PO-OLD", lines=1, issued_at=long_ago
    )
    purchase_order_awaiting_acknowledgment(
        supplier=supplier, number="PO-CP", lines=1, status=PurchaseOrder.Status.CHANGE_PROPOSED
    )
    purchase_order_awaiting_acknowledgment(
        supplier=supplier, number="PO-OK", lines=1, status=PurchaseOrder.Status.CONFIRMED
    )
    purchase_order_awaiting_acknowledgment(
        supplier=other_supplier, number="PO-THEIRS", lines=1, issued_at=long_ago
    )
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:po_list"))
    overdue = client.get(reverse("suppliers:po_list"), {"overdue": "1"})

    assert response.context["counters"] == {
        "to_acknowledge": 2,
        "change_proposed": 1,
        "overdue": 1,
        "open_to_ship": 1,
    }
    assert [po["number"] for po in overdue.context["page"].object_list] == ["PO-OLD"]


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_inbox_query_count_does_not_grow_with_the_number_of_orders(
    client, supplier, supplier_user
):
    client.force_login(supplier_user)
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-Q0", lines=1)
    few = _count_queries(client, reverse("suppliers:po_list"))
    for n in range(1, 8):
        purchase_order_awaiting_acknowledgment(supplier=supplier, number=f"PO-Q{n}", lines=2)

    assert _count_queries(client, reverse("suppliers:po_list")) == few


def test_the_po_detail_query_count_does_not_grow_with_lines_and_acknowledgments(
    client, supplier, supplier_user, buyer
):
    client.force_login(supplier_user)
    small = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-S", lines=1)
    services.purchase_order_propose_changes(
        actor=supplier_user,
        purchase_order=small,
        revision=1,
        lines=[LineProposalInput(line_no=1, action="change", date=_in(20), reason_code="other")],
    )
    few = _count_queries(client, _url("po_detail", small))

    big = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-B", lines=6)
    for comment in ("No.", "Still no."):
        ack = services.purchase_order_propose_changes(
            actor=supplier_user,
            purchase_order=big,
            revision=1,
            lines=[
                LineProposalInput(line_no=n, action="change", date=_in(20 + n), reason_code="other")
                for n in range(1, 7)
            ],
        )
        services.change_proposal_reject(actor=buyer, acknowledgment=ack, comment=comment)

    assert _count_queries(client, _url("po_detail", big)) == few


def test_with_htmx_a_failed_proposal_comes_back_as_the_form_fragment_with_the_error(
    client, po, supplier_user
):
    client.force_login(supplier_user)
    data = _proposal_post(
        po, line_2_action="change", line_2_quantity="-5", line_2_reason_code="capacity"
    )

    response = client.post(_url("po_propose", po), data, **HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<form id="proposal-form"')
    assert "Quantity must be greater than zero" in content
