"""Shipment milestones: status moves, delays (new ETA, at-risk flags), events."""

import datetime

import pytest

from integrations.errors import DomainError
from integrations.models import AuditEntry, Event
from suppliers import services
from suppliers.models import PurchaseOrder, Shipment, ShipmentMilestone
from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipment(supplier, supplier_user):
    po1 = confirmed_po(supplier, "PO-1")
    po2 = confirmed_po(supplier, "PO-2", lines=[("NUT-M8", "10", "EA")])
    return ship(supplier, supplier_user, "ASN-1", [(line_of(po1), "10"), (line_of(po2), "10")])


def report(shipment, user, code, **kwargs):
    return services.shipment_milestone_report(actor=user, shipment=shipment, code=code, **kwargs)


def test_picked_up_puts_the_shipment_in_transit_and_publishes_the_milestone(
    shipment, supplier_user
):
    milestone = report(shipment, supplier_user, "picked_up", location="Dallas")

    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.IN_TRANSIT
    assert (milestone.code, milestone.location) == ("picked_up", "Dallas")
    event = Event.objects.get(type="shipment.milestone_reported")
    assert (event.aggregate_id, event.sequence) == ("ACME:ASN-1", 2)
    assert (event.data["code"], event.data["status"]) == ("picked_up", "in_transit")
    assert AuditEntry.objects.filter(action="milestone picked_up").count() == 1


def test_a_delay_moves_the_expected_delivery_and_flags_the_asn_and_both_pos_at_risk(
    shipment, supplier_user
):
    report(shipment, supplier_user, "picked_up")
    new_eta = today() + datetime.timedelta(days=9)

    report(shipment, supplier_user, "delayed", new_eta=new_eta, reason="Port congestion")

    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.DELAYED
    assert shipment.expected_delivery == new_eta
    assert shipment.original_expected_delivery == today() + datetime.timedelta(days=3)
    assert (shipment.at_risk, shipment.delay_reason) == (True, "Port congestion")
    assert list(PurchaseOrder.objects.order_by("number").values_list("at_risk", flat=True)) == [
        True,
        True,
    ]
    assert Event.objects.filter(type="shipment.milestone_reported").last().data["new_eta"] == (
        new_eta.isoformat()
    )


def test_delivery_after_a_delay_clears_the_risk_flags(shipment, supplier_user):
    report(
        shipment,
        supplier_user,
        "delayed",
        new_eta=today() + datetime.timedelta(days=9),
        reason="Weather",
    )
    report(shipment, supplier_user, "in_transit")
    report(shipment, supplier_user, "out_for_delivery")

    report(shipment, supplier_user, "delivered")

    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED
    assert shipment.at_risk is False
    assert shipment.delivered_at is not None
    assert not PurchaseOrder.objects.filter(at_risk=True).exists()
    assert list(shipment.milestones.values_list("code", flat=True)) == [
        "delayed",
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"reason": "Weather"}, "new_eta"), ({"new_eta": "+9"}, "reason")],
)
def test_a_delay_needs_a_new_eta_and_a_reason(shipment, supplier_user, kwargs, field):
    if kwargs.get("new_eta") == "+9":
        kwargs = {"new_eta": today() + datetime.timedelta(days=9)}

    with pytest.raises(DomainError) as error:
        report(shipment, supplier_user, "delayed", **kwargs)

    assert error.value.field == field
    assert ShipmentMilestone.objects.count() == 0


def test_milestones_are_refused_on_a_draft_and_after_delivery(supplier, supplier_user):
    draft = ship(
        supplier,
        supplier_user,
        "ASN-D",
        [(line_of(confirmed_po(supplier, "PO-9")), "1")],
        submit=False,
    )

    with pytest.raises(DomainError) as error:
        report(draft, supplier_user, "picked_up")

    assert error.value.message == (
        "ASN ASN-D is draft; milestones are reported between submission and delivery."
    )


def test_an_unknown_milestone_code_is_refused_with_the_known_codes(shipment, supplier_user):
    with pytest.raises(DomainError) as error:
        report(shipment, supplier_user, "lost")

    assert error.value.message == (
        "Unknown milestone 'lost'; use one of picked_up, in_transit, delayed, "
        "out_for_delivery, delivered."
    )
