"""Demo documents made through the real services, after the bulk load: change proposals a
buyer can review, ASNs in transit and delayed, the demo connectors with a dead letter, and
suppliers' onboarding history. Going through the services (not bulk rows) means the demo
shows real acknowledgments, timelines, events and deliveries. Idempotent."""

import datetime
import io
from decimal import ROUND_DOWN, Decimal

from django.core.management import call_command
from django.utils import timezone

from integrations.demo.connectors import ensure_demo_connectors
from integrations.errors import DomainError
from integrations.models import Channel
from inventory.models import InventorySnapshot
from portal.access import User
from suppliers import services
from suppliers.demo import catalog, plan
from suppliers.demo.documents import seed_supplier_documents
from suppliers.demo.edi import seed_edi_demo
from suppliers.demo.onboarding import seed_onboarding_demo
from suppliers.models import (
    AcknowledgmentLine,
    PurchaseOrder,
    Shipment,
    Supplier,
)
from suppliers.services.acknowledgment_proposals import LineProposalInput, ScheduleLineInput
from suppliers.services.shipment_rules import AsnHeader

DEMO_ASN_PREFIX = "ASN-DEMO-"


def _supplier_user(supplier: Supplier) -> User | None:
    return (
        User.objects.filter(supplier_membership__supplier=supplier, is_active=True)
        .order_by("supplier_membership__role", "pk")
        .first()
    )


def _demo_proposals(created: dict[str, int], numbers: list[str]) -> None:
    """The POs the plan wants "change proposed" get a real proposal from their supplier."""
    orders = PurchaseOrder.objects.filter(
        number__in=numbers, status=PurchaseOrder.Status.ISSUED
    ).select_related("supplier")
    for index, purchase_order in enumerate(orders.order_by("number")):
        actor = _supplier_user(purchase_order.supplier)
        first = purchase_order.lines.order_by("line_no").first()
        if actor is None or first is None:
            continue
        later = max(first.requested_date, timezone.localdate()) + datetime.timedelta(days=9)
        proposal = LineProposalInput(
            line_no=first.line_no,
            action=AcknowledgmentLine.Action.CHANGE,
            date=later,
            reason_code="capacity",
            comment="Line fully booked this week; we can ship nine days later.",
        )
        # Every other one splits the line into two deliveries (schedule lines), two
        # thirds in nine days and the rest two weeks after, in whole units.
        part = (first.ordered_qty * 2 / 3).to_integral_value(rounding=ROUND_DOWN)
        if index % 2 == 0 and 0 < part < first.ordered_qty:
            proposal = LineProposalInput(
                line_no=first.line_no,
                action=AcknowledgmentLine.Action.CHANGE,
                schedule=(
                    ScheduleLineInput(quantity=part, date=later),
                    ScheduleLineInput(
                        quantity=first.ordered_qty - part,
                        date=later + datetime.timedelta(days=14),
                    ),
                ),
                reason_code="capacity",
                comment="Two thirds in nine days, the rest two weeks after.",
            )
        try:
            services.purchase_order_propose_changes(
                actor=actor,
                purchase_order=purchase_order,
                revision=purchase_order.revision,
                lines=[proposal],
                comment="Demo proposal: one line later than requested.",
                channel=Channel.PORTAL,
            )
        except DomainError:
            # The demo PO stays awaiting acknowledgment: still a believable inbox.
            continue
        created["change proposals"] = created.get("change proposals", 0) + 1


def _demo_shipments(created: dict[str, int]) -> None:
    """For each named demo supplier, an ASN in transit; for the first one, a delayed ASN."""
    today = timezone.localdate()
    for index, spec in enumerate(catalog.NAMED_SUPPLIERS[:4]):
        supplier = Supplier.objects.filter(code=spec.code).first()
        if supplier is None:
            continue
        actor = _supplier_user(supplier)
        if actor is None:
            continue
        asn_number = f"{DEMO_ASN_PREFIX}{spec.code}-1"
        if Shipment.objects.filter(supplier=supplier, asn_number=asn_number).exists():
            continue
        purchase_order = (
            PurchaseOrder.objects.filter(
                supplier=supplier, status=PurchaseOrder.Status.CONFIRMED, number__lt="PO-2"
            )
            .order_by("number")
            .first()
        )
        if purchase_order is None:
            continue
        header = AsnHeader(
            asn_number=asn_number,
            ship_date=today,
            expected_delivery=today + datetime.timedelta(days=3),
            carrier="UPS",
            tracking_number=f"1Z999AA1{index:010d}",
            package_count=2,
            gross_weight_kg=Decimal("42.5"),
        )
        shipment = services.asn_create_from_purchase_orders(
            actor=actor, supplier=supplier, header=header, purchase_orders=[purchase_order]
        )
        shipment = services.asn_submit(actor=actor, shipment=shipment)
        services.shipment_milestone_report(
            actor=actor, shipment=shipment, code="picked_up", location="Supplier dock"
        )
        if index == 0:
            services.shipment_milestone_report(
                actor=actor,
                shipment=shipment,
                code="delayed",
                new_eta=today + datetime.timedelta(days=8),
                reason="Carrier missed the linehaul; next departure in five days.",
            )
        created["ASNs"] = created.get("ASNs", 0) + 1


def seed_demo_workflows(*, to_propose: list[str] | None = None) -> dict[str, int]:
    """Run after the bulk load (`to_propose`: the POs it wants "change proposed").
    Returns what it created, by label."""

    created: dict[str, int] = {}
    call_command("ensure_roles", stdout=io.StringIO())
    ensure_demo_connectors()
    admin = User.objects.filter(email="admin@demo.example").first()
    if admin is not None:
        onboarding = seed_onboarding_demo(admin=admin)
        for label, count in onboarding.items():
            if count:
                created[f"onboarding {label}"] = count

    if Supplier.objects.filter(code="BRP").exists():
        seed_edi_demo()
    _demo_proposals(created, to_propose or [])
    _demo_shipments(created)
    # About 1.3 s of real services per supplier: the large demo (timed at ~30 s) gives
    # them only to the suppliers of the demo logins, Anna's and Ben's.
    large = Supplier.objects.count() > plan.SMALL.suppliers
    seed_supplier_documents(created, first=2 if large else None)
    _demo_inventory(created)
    return created


def _demo_inventory(created: dict[str, int]) -> None:
    """ERP and WMS snapshots of the seeded warehouses, reconciled once, so the exceptions
    inbox has a believable set of cases to work through. Only when there are none yet."""

    if InventorySnapshot.objects.exists():
        return
    call_command("seed_inventory_demo", "--reconcile", stdout=io.StringIO())
    created["inventory snapshots"] = InventorySnapshot.objects.count()
