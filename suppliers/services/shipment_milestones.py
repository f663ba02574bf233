"""Shipment milestones reported by the supplier (or later a carrier feed) on an ASN.

Codes (stable; API, EDI and carrier feeds map onto them) and what each does:
picked_up, in_transit, out_for_delivery → status in transit; delayed (new ETA and reason
required) → status delayed, expected delivery := new ETA, ASN and its POs flagged at
risk; delivered → status delivered, risk flags cleared. Each publishes
`shipment.milestone_reported` on the ASN's aggregate ("asn", "<supplier>:<asn number>").
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from portal.access import Actor, actor_user
from suppliers.models import Shipment, ShipmentMilestone
from suppliers.services.inbound_rows import refresh_inbound_rows_for_shipment
from suppliers.services.shipment_rules import locked_shipment
from suppliers.services.shipments import MILESTONE_STATUS, SHIPMENT_LIFECYCLE
from suppliers.services.shipped_quantities import refresh_po_risk

# ---------------------------------------------------------------- milestones


@transaction.atomic
def shipment_milestone_report(
    *,
    actor: Actor,
    shipment: Shipment,
    code: str,
    occurred_at: datetime.datetime | None = None,
    location: str = "",
    note: str = "",
    new_eta: datetime.date | None = None,
    reason: str = "",
    channel: str = Channel.PORTAL,
) -> ShipmentMilestone:
    """Record a milestone and move the shipment: picked_up/in_transit/out_for_delivery
    → in transit, delayed → delayed (new ETA and reason required; the expected delivery
    moves and the ASN and its POs are flagged at risk), delivered → delivered (the risk
    flag clears). Publishes `shipment.milestone_reported`."""
    shipment = locked_shipment(shipment)
    if code not in ShipmentMilestone.Code.values:
        raise DomainError(
            gettext("Unknown milestone '%(code)s'; use one of %(values)s.")
            % {"code": code, "values": ", ".join(ShipmentMilestone.Code.values)},
            field="code",
        )
    if not shipment.can_report_milestone:
        raise DomainError(
            gettext(
                "ASN %(asn_number)s is %(status)s; milestones are reported "
                "between submission and delivery."
            )
            % {"asn_number": shipment.asn_number, "status": shipment.get_status_display().lower()},
            field="code",
        )
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + datetime.timedelta(minutes=5):
        raise DomainError(gettext("A milestone cannot be in the future."), field="occurred_at")
    if code == ShipmentMilestone.Code.DELAYED:
        if new_eta is None:
            raise DomainError(
                gettext("A delay needs the new expected delivery date."), field="new_eta"
            )
        if not reason.strip():
            raise DomainError(gettext("Say why the shipment is delayed."), field="reason")
        if new_eta < shipment.ship_date:
            raise DomainError(
                gettext("The new ETA %(new_eta)s is before the ship date %(ship_date)s.")
                % {"new_eta": new_eta, "ship_date": shipment.ship_date},
                field="new_eta",
            )
    before = {
        "status": shipment.status,
        "expected_delivery": shipment.expected_delivery,
        "at_risk": shipment.at_risk,
    }
    milestone = ShipmentMilestone.objects.create(
        shipment=shipment,
        code=code,
        occurred_at=occurred_at,
        location=location.strip()[:120],
        note=note.strip()[:500],
        new_eta=new_eta if code == ShipmentMilestone.Code.DELAYED else None,
        reason=reason.strip()[:200] if code == ShipmentMilestone.Code.DELAYED else "",
        channel=channel,
        reported_by=actor_user(actor),
    )
    status = MILESTONE_STATUS[ShipmentMilestone.Code(code)]
    # (A delay without a new ETA was refused above.)
    if code == ShipmentMilestone.Code.DELAYED and new_eta is not None:
        shipment.expected_delivery = new_eta
        shipment.delay_reason = milestone.reason
        shipment.at_risk = True
    elif code == ShipmentMilestone.Code.DELIVERED:
        shipment.delivered_at = occurred_at
        shipment.at_risk = False
    after = {
        "status": status,
        "expected_delivery": shipment.expected_delivery,
        "at_risk": shipment.at_risk,
    }
    SHIPMENT_LIFECYCLE.move(
        shipment,
        to=status,
        action=f"milestone {code}",
        actor=actor,
        channel=channel,
        update_fields=["expected_delivery", "delay_reason", "at_risk", "delivered_at"],
        before=before,
        after={**after, "reason": milestone.reason, "location": milestone.location},
        data={
            "asn_number": shipment.asn_number,
            "code": code,
            "occurred_at": occurred_at,
            "location": milestone.location,
            "note": milestone.note,
            "new_eta": milestone.new_eta,
            "reason": milestone.reason,
            **after,
        },
    )
    po_ids = set(shipment.lines.values_list("po_line__purchase_order_id", flat=True).distinct())
    refresh_po_risk(po_ids)
    refresh_inbound_rows_for_shipment(shipment)
    return milestone
