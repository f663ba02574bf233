"""A supplier's split of a line into deliveries (schedule lines) is what everyone plans
on: it survives the buyer's acceptance onto the PO line, shows as one inbound row per
delivery, goes out in the API and the events, and ASNs ship against the deliveries."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from integrations.edi.x850 import render_850
from integrations.errors import DomainError
from integrations.models import Event
from inventory.models import StockPosition
from suppliers import services
from suppliers.edi.outbound import purchase_order_850
from suppliers.models import PurchaseOrderLine, PurchaseOrderScheduleLine, TradingPartner
from suppliers.services import LineProposalInput, ScheduleLineInput
from tests.api.conftest import client_for, issue_key
from tests.suppliers.factories import (
    AutoAcceptRuleFactory,
    purchase_order_awaiting_acknowledgment,
)
from tests.suppliers.shipping_helpers import header

pytestmark = pytest.mark.django_db


def _in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _split_and_accept(supplier, supplier_user, buyer, number: str = "PO-SPLIT"):
    """Line 1 (15 EA) split into 10 EA in 10 days and 5 EA two weeks later; line 2 as
    ordered. The buyer accepts."""
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number=number, qty="15")
    proposal = services.purchase_order_propose_changes(
        actor=supplier_user,
        purchase_order=po,
        revision=1,
        lines=[
            LineProposalInput(
                line_no=1,
                action="change",
                schedule=[
                    ScheduleLineInput(quantity=Decimal("10"), date=_in(10)),
                    ScheduleLineInput(quantity=Decimal("5"), date=_in(24)),
                ],
                reason_code="capacity",
            )
        ],
    )
    services.change_proposal_accept(actor=buyer, acknowledgment=proposal)
    return po


def _line(po, line_no: int = 1) -> PurchaseOrderLine:
    return PurchaseOrderLine.objects.select_related(
        "purchase_order__ship_to", "item__base_uom", "uom"
    ).get(purchase_order=po, line_no=line_no)


def _schedule(po, line_no: int = 1) -> list[tuple]:
    return [
        (s.position, s.quantity, s.date, s.shipped_qty)
        for s in PurchaseOrderScheduleLine.objects.filter(
            line__purchase_order=po, line__line_no=line_no
        )
    ]


def test_a_split_survives_acceptance_inbound_api_events_and_ships_against_its_first_delivery(
    client, supplier, supplier_user, buyer
):
    po = _split_and_accept(supplier, supplier_user, buyer)

    # The PO line: both deliveries; the sum and the earliest open date for old readers.
    line = _line(po)
    assert _schedule(po) == [
        (1, Decimal("10"), _in(10), Decimal("0")),
        (2, Decimal("5"), _in(24), Decimal("0")),
    ]
    assert (line.confirmed_qty, line.confirmed_date) == (Decimal("15"), _in(10))
    assert _schedule(po, 2) == [(1, Decimal("15"), _in(14), Decimal("0"))]

    # The buyer's inbound schedule: one row per delivery, each on its own date.
    client.force_login(buyer)
    rows = client.get(reverse("buyer:inbound_schedule"), {"supplier": supplier.code}).context[
        "rows"
    ]
    assert [(r["po_line_no"], r["day"], r["qty"]) for r in rows] == [
        (1, _in(10), Decimal("10")),
        (2, _in(14), Decimal("15")),
        (1, _in(24), Decimal("5")),
    ]

    # The API: schedule_lines on the PO line.
    api = client_for(issue_key(supplier=supplier).plaintext)
    api_line = api.get(f"/api/v1/purchase-orders/{po.number}").json()["lines"][0]
    assert [(s["position"], s["quantity"], s["date"]) for s in api_line["schedule_lines"]] == [
        (1, "10.000000", _in(10).isoformat()),
        (2, "5.000000", _in(24).isoformat()),
    ]

    # The event the ERP books from: one entry per delivery, strings.
    event = Event.objects.get(type="purchase_order.change_decided", aggregate_id=po.number)
    assert event.data["lines"][0]["schedule_lines"] == [
        {"quantity": "10", "date": _in(10).isoformat()},
        {"quantity": "5", "date": _in(24).isoformat()},
    ]
    assert event.data["lines"][1]["schedule_lines"] == [
        {"quantity": "15", "date": _in(14).isoformat()}
    ]

    # An ASN against the first delivery only.
    first = PurchaseOrderScheduleLine.objects.get(line=line, position=1)
    shipment = services.asn_create(
        actor=supplier_user,
        supplier=supplier,
        header=header("ASN-SPLIT-1"),
        lines=[services.AsnLineInput(po_line=line, quantity=Decimal("10"), schedule_line=first)],
    )
    services.asn_submit(actor=supplier_user, shipment=shipment)

    line.refresh_from_db()
    assert _schedule(po) == [
        (1, Decimal("10"), _in(10), Decimal("10")),
        (2, Decimal("5"), _in(24), Decimal("0")),
    ]
    assert (line.shipped_qty, line.open_to_ship, line.confirmed_date) == (
        Decimal("10"),
        Decimal("5"),
        _in(24),
    )
    rows = client.get(reverse("buyer:inbound_schedule"), {"supplier": supplier.code}).context[
        "rows"
    ]
    assert [(r["kind"], r["po_line_no"], r["day"], r["qty"]) for r in rows] == [
        ("asn", 1, _in(3), Decimal("10")),
        ("po_line", 2, _in(14), Decimal("15")),
        ("po_line", 1, _in(24), Decimal("5")),
    ]


def test_an_asn_without_a_chosen_delivery_ships_the_oldest_open_one_first(
    supplier, supplier_user, buyer
):
    po = _split_and_accept(supplier, supplier_user, buyer)

    shipment = services.asn_create(
        actor=supplier_user,
        supplier=supplier,
        header=header("ASN-OLDEST"),
        lines=[services.AsnLineInput(po_line=_line(po), quantity=Decimal("12"))],
    )
    services.asn_submit(actor=supplier_user, shipment=shipment)

    assert _schedule(po) == [
        (1, Decimal("10"), _in(10), Decimal("10")),
        (2, Decimal("5"), _in(24), Decimal("2")),
    ]


def test_an_asn_for_the_later_delivery_leaves_the_first_one_open(supplier, supplier_user, buyer):
    po = _split_and_accept(supplier, supplier_user, buyer)
    line = _line(po)
    second = PurchaseOrderScheduleLine.objects.get(line=line, position=2)

    shipment = services.asn_create(
        actor=supplier_user,
        supplier=supplier,
        header=header("ASN-LATER"),
        lines=[services.AsnLineInput(po_line=line, quantity=Decimal("5"), schedule_line=second)],
    )
    services.asn_submit(actor=supplier_user, shipment=shipment)

    line.refresh_from_db()
    assert _schedule(po) == [
        (1, Decimal("10"), _in(10), Decimal("0")),
        (2, Decimal("5"), _in(24), Decimal("5")),
    ]
    assert line.confirmed_date == _in(10)


def test_cancelling_the_asn_opens_its_delivery_again(supplier, supplier_user, buyer):
    po = _split_and_accept(supplier, supplier_user, buyer)
    shipment = services.asn_create(
        actor=supplier_user,
        supplier=supplier,
        header=header("ASN-CANCEL"),
        lines=[services.AsnLineInput(po_line=_line(po), quantity=Decimal("10"))],
    )
    services.asn_submit(actor=supplier_user, shipment=shipment)

    services.asn_cancel(actor=supplier_user, shipment=shipment, reason="Truck broke down.")

    assert _schedule(po) == [
        (1, Decimal("10"), _in(10), Decimal("0")),
        (2, Decimal("5"), _in(24), Decimal("0")),
    ]
    assert _line(po).confirmed_date == _in(10)


def test_a_delivery_of_another_line_cannot_be_chosen(supplier, supplier_user, buyer):
    po = _split_and_accept(supplier, supplier_user, buyer)
    other_line_delivery = PurchaseOrderScheduleLine.objects.get(line=_line(po, 2))

    with pytest.raises(DomainError) as error:
        services.asn_create(
            actor=supplier_user,
            supplier=supplier,
            header=header("ASN-WRONG"),
            lines=[
                services.AsnLineInput(
                    po_line=_line(po), quantity=Decimal("5"), schedule_line=other_line_delivery
                )
            ],
        )

    assert error.value.field == "schedule_line"
    assert "not one of this line's schedule lines" in error.value.message


def test_the_supplier_picks_the_delivery_on_the_asn_page(client, supplier, supplier_user, buyer):
    po = _split_and_accept(supplier, supplier_user, buyer)
    line = _line(po)
    second = PurchaseOrderScheduleLine.objects.get(line=line, position=2)
    shipment = services.asn_create(
        actor=supplier_user,
        supplier=supplier,
        header=header("ASN-PAGE"),
        lines=[services.AsnLineInput(po_line=line, quantity=Decimal("5"))],
    )
    client.force_login(supplier_user)
    url = reverse("suppliers:asn_edit", args=[shipment.asn_number])
    page = client.get(url).content.decode()
    assert f"5 EA on {_in(24):%Y-%m-%d} (5 open)" in page

    prefix = f"line-{line.pk}"
    client.post(
        url,
        {
            "asn_number": "ASN-PAGE",
            "ship_date": _in(0).isoformat(),
            "expected_delivery": _in(3).isoformat(),
            "package_count": "1",
            f"{prefix}-quantity": "5",
            f"{prefix}-uom": str(line.uom_id),
            f"{prefix}-schedule_line": str(second.pk),
            f"line-{_line(po, 2).pk}-uom": str(line.uom_id),
        },
    )

    assert shipment.lines.get().schedule_line == second


def test_the_po_page_shows_each_delivery_of_a_line(client, supplier, supplier_user, buyer):
    po = _split_and_accept(supplier, supplier_user, buyer)
    client.force_login(supplier_user)

    page = client.get(reverse("suppliers:po_detail", args=[po.number])).content.decode()

    assert f'<div data-schedule-line="1">10 EA on {_in(10):%Y-%m-%d}</div>' in page
    assert f'<div data-schedule-line="2">5 EA on {_in(24):%Y-%m-%d}</div>' in page


def test_the_outbound_850_revision_names_every_delivery_of_a_split_line(
    supplier, supplier_user, buyer, tmp_path
):
    po = _split_and_accept(supplier, supplier_user, buyer)
    TradingPartner.objects.create(
        supplier=supplier,
        code="acme-edi",
        isa_id="ACMEEDI",
        gs_id="ACMEGS",
        our_isa_id="DISTRIB",
        our_gs_id="DISTGS",
        inbound_folder=str(tmp_path / "in"),
        outbound_folder=str(tmp_path / "out"),
    )

    found = purchase_order_850({"data": {"number": po.number}, "aggregate": {"id": po.number}})

    assert found is not None
    segments = render_850(found[1])
    schedule = [[element[0] for element in s.elements] for s in segments if s.id == "SCH"]
    # Line 1's two deliveries; line 2's single delivery is its DTM, no SCH.
    assert schedule == [
        ["10", "EA", "", "", "002", f"{_in(10):%Y%m%d}"],
        ["5", "EA", "", "", "002", f"{_in(24):%Y%m%d}"],
    ]


def test_the_inbound_position_counts_the_open_rest_of_the_deliveries(
    supplier, supplier_user, buyer
):
    po = _split_and_accept(supplier, supplier_user, buyer)
    line = _line(po)
    first = PurchaseOrderScheduleLine.objects.get(line=line, position=1)
    shipment = services.asn_create(
        actor=supplier_user,
        supplier=supplier,
        header=header("ASN-POS"),
        lines=[services.AsnLineInput(po_line=line, quantity=Decimal("10"), schedule_line=first)],
    )
    services.asn_submit(actor=supplier_user, shipment=shipment)

    position = StockPosition.objects.get(item=line.item, warehouse=po.ship_to)
    assert (position.inbound_open_po, position.inbound_in_transit) == (
        Decimal("5"),
        Decimal("10"),
    )


def test_the_migration_gives_a_line_confirmed_before_schedule_lines_one_delivery(supplier):
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-OLD", lines=2)
    PurchaseOrderLine.objects.filter(purchase_order=po, line_no=1).update(
        confirmed_qty=Decimal("100"), confirmed_date=_in(9), shipped_qty=Decimal("40")
    )
    migration = importlib.import_module("suppliers.migrations.0010_purchase_order_schedule_lines")

    migration.one_schedule_line_per_confirmed_line(django_apps, None)

    assert _schedule(po) == [(1, Decimal("100"), _in(9), Decimal("40"))]
    assert _schedule(po, 2) == []


def test_accepting_as_ordered_confirms_one_delivery_on_the_requested_date(supplier, supplier_user):
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-PLAIN", lines=1)

    services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=1)

    assert _schedule(po) == [(1, Decimal("100"), _in(14), Decimal("0"))]
    event = Event.objects.get(type="purchase_order.acknowledged", aggregate_id="PO-PLAIN")
    assert event.data["lines"][0]["schedule_lines"] == [
        {"quantity": "100", "date": _in(14).isoformat()}
    ]


def test_an_auto_accepted_split_lands_on_the_po_line_as_given(supplier, supplier_user):
    AutoAcceptRuleFactory(supplier=supplier, max_date_shift_days=7, max_qty_change_pct=0)
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-AUTO", lines=1)

    services.purchase_order_propose_changes(
        actor=supplier_user,
        purchase_order=po,
        revision=1,
        lines=[
            LineProposalInput(
                line_no=1,
                action="change",
                schedule=[
                    ScheduleLineInput(quantity=Decimal("30"), date=_in(10)),
                    ScheduleLineInput(quantity=Decimal("70"), date=_in(17)),
                ],
                reason_code="capacity",
            )
        ],
    )

    assert _schedule(po) == [
        (1, Decimal("30"), _in(10), Decimal("0")),
        (2, Decimal("70"), _in(17), Decimal("0")),
    ]
    decided = Event.objects.get(type="purchase_order.change_decided", aggregate_id="PO-AUTO")
    assert decided.data["decision"] == "auto_accepted"
    assert [s["quantity"] for s in decided.data["lines"][0]["schedule_lines"]] == ["30", "70"]


def test_another_suppliers_user_cannot_see_the_deliveries_of_a_po(
    client, supplier, supplier_user, buyer, outsider
):
    po = _split_and_accept(supplier, supplier_user, buyer)
    client.force_login(outsider)

    response = client.get(reverse("suppliers:po_detail", args=[po.number]))

    assert response.status_code == 404


def test_an_api_asn_ships_against_the_delivery_it_names(supplier, supplier_user, buyer):
    po = _split_and_accept(supplier, supplier_user, buyer)
    api = client_for(issue_key(supplier=supplier).plaintext)
    body = {
        "asn_number": "ASN-API-2",
        "ship_date": _in(0).isoformat(),
        "expected_delivery": _in(3).isoformat(),
        "lines": [{"po_number": po.number, "po_line_no": 1, "quantity": "5", "schedule_line": 2}],
    }

    created = api.post("/api/v1/asns", body, format="json")
    api.post("/api/v1/asns/ASN-API-2/submission", {}, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["lines"][0]["schedule_line"] == 2
    assert _schedule(po) == [
        (1, Decimal("10"), _in(10), Decimal("0")),
        (2, Decimal("5"), _in(24), Decimal("5")),
    ]


def test_an_api_asn_naming_a_delivery_the_line_lacks_is_a_422_at_that_line(
    supplier, supplier_user, buyer
):
    po = _split_and_accept(supplier, supplier_user, buyer)
    api = client_for(issue_key(supplier=supplier).plaintext)
    body = {
        "asn_number": "ASN-API-3",
        "ship_date": _in(0).isoformat(),
        "expected_delivery": _in(3).isoformat(),
        "lines": [{"po_number": po.number, "po_line_no": 1, "quantity": "5", "schedule_line": 3}],
    }

    response = api.post("/api/v1/asns", body, format="json")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "pointer": "/lines/0/schedule_line",
            "detail": f"{po.number} line 1 has no delivery 3.",
            "code": "reference",
        }
    ]
