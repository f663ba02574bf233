"""Each business KPI on a small hand-built data set whose answer is worked out by hand.

Times are fixed around MONDAY (2026-03-02 00:00 UTC); the window is that week and the
next three, so the facts of each test fall inside it and the weekly series has known keys.
"""

import datetime
from decimal import Decimal

import pytest

from integrations.models import Delivery, ExceptionCase
from inventory.models import ReconciliationRun
from suppliers.models import (
    Acknowledgment,
    AsnLine,
    Dispute,
    Invoice,
    Receipt,
    ReceiptLine,
    Shipment,
)
from suppliers.selectors.kpis import KPIS, Window, kpi_facts, kpi_values, percentile
from tests.integrations.factories import ConnectorFactory
from tests.integrations.helpers import publish_po_event
from tests.suppliers.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    ShipmentFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)
WINDOW = Window(since=MONDAY, until=MONDAY + datetime.timedelta(days=28))
HOUR, DAY = 3600.0, 86400.0


def at(days: float = 0, hours: float = 0) -> datetime.datetime:
    return MONDAY + datetime.timedelta(days=days, hours=hours)


def acknowledge(po, when: datetime.datetime, revision: int = 1) -> Acknowledgment:
    return Acknowledgment.objects.create(
        purchase_order=po,
        revision=revision,
        kind=Acknowledgment.Kind.ACCEPT,
        status=Acknowledgment.Status.RECORDED,
        submitted_at=when,
    )


def test_percentile_interpolates_like_postgresql():
    assert percentile([1, 2, 3, 4, 10], 0.5) == 3
    assert percentile([1, 2, 3, 4, 10], 0.9) == pytest.approx(7.6)
    assert percentile([], 0.5) is None


def test_acknowledgment_time_is_the_median_and_p90_of_each_pos_first_acknowledgment():
    acme, globex = SupplierFactory(code="ACME"), SupplierFactory(code="GLOBEX")
    for hours in (1, 2, 3, 4):
        acknowledge(PurchaseOrderFactory(supplier=acme, issued_at=at()), at(hours=hours))
    late = PurchaseOrderFactory(supplier=globex, issued_at=at())
    acknowledge(late, at(hours=10))
    acknowledge(late, at(hours=30), revision=2)  # a later answer to the same PO does not count
    # Issued and answered before the window: not counted.
    acknowledge(PurchaseOrderFactory(supplier=acme, issued_at=at(-3)), at(-2))

    [overall] = kpi_values(KPIS["ack_time"], window=WINDOW).values()
    by_supplier = kpi_values(KPIS["ack_time"], window=WINDOW, by="supplier")

    assert (overall.count, overall.median / HOUR) == (5, pytest.approx(3))
    assert overall.p90 / HOUR == pytest.approx(7.6)
    assert {key: (v.count, v.median / HOUR) for key, v in by_supplier.items()} == {
        acme.pk: (4, pytest.approx(2.5)),
        globex.pk: (1, pytest.approx(10)),
    }


def _asn(supplier, lines: list[tuple[str, str]], *, received: datetime.datetime, **fields):
    """A received ASN whose lines shipped and received the given (shipped, received)."""
    fields.setdefault("ship_date", at(-5).date())
    shipment = ShipmentFactory(supplier=supplier, status=Shipment.Status.RECEIVED, **fields)
    receipt = Receipt.objects.create(
        shipment=shipment, reference=shipment.asn_number, received_at=received
    )
    for line_no, (shipped, got) in enumerate(lines, start=1):
        po_line = PurchaseOrderLineFactory(purchase_order__supplier=supplier)
        asn_line = AsnLine.objects.create(
            shipment=shipment,
            line_no=line_no,
            po_line=po_line,
            quantity=Decimal(shipped),
            uom=po_line.uom,
            quantity_po_uom=Decimal(shipped),
            received_qty=Decimal(got),
        )
        ReceiptLine.objects.create(
            receipt=receipt,
            asn_line=asn_line,
            qty_received=Decimal(got),
            total_received=Decimal(got),
            total_damaged=Decimal(0),
        )
    return shipment


def test_asn_accuracy_is_the_share_of_received_asn_lines_received_as_shipped():
    acme = SupplierFactory(code="ACME")
    _asn(acme, [("10", "10"), ("5", "5"), ("8", "8"), ("4", "3")], received=at(1))

    [value] = kpi_values(KPIS["asn_accuracy"], window=WINDOW).values()

    assert (value.count, value.num, value.den, value.ratio) == (4, 3, 4, 0.75)


def test_asn_lead_time_runs_from_submission_to_the_first_receipt():
    acme = SupplierFactory(code="ACME")
    for hours in (24, 48, 72):
        _asn(acme, [("1", "1")], received=at(3), submitted_at=at(3, hours=-hours))
    _asn(acme, [("1", "1")], received=at(3), submitted_at=None)  # never submitted: not counted

    [value] = kpi_values(KPIS["asn_lead_time"], window=WINDOW).values()

    assert (value.count, value.median / HOUR, value.p90 / HOUR) == (
        3,
        pytest.approx(48),
        pytest.approx(67.2),
    )


def test_otif_counts_lines_received_in_full_by_their_confirmed_date():
    acme = SupplierFactory(code="ACME")
    due = at(7).date()

    def line(received_on: datetime.datetime | None, qty: str):
        po_line = PurchaseOrderLineFactory(
            purchase_order__supplier=acme, ordered_qty=Decimal("10"), requested_date=due
        )
        if received_on is None:
            return po_line
        shipment = ShipmentFactory(
            supplier=acme, status=Shipment.Status.RECEIVED, ship_date=at(-5).date()
        )
        receipt = Receipt.objects.create(
            shipment=shipment, reference=shipment.asn_number, received_at=received_on
        )
        asn_line = AsnLine.objects.create(
            shipment=shipment,
            line_no=1,
            po_line=po_line,
            quantity=Decimal(qty),
            uom=po_line.uom,
            quantity_po_uom=Decimal(qty),
            received_qty=Decimal(qty),
        )
        ReceiptLine.objects.create(
            receipt=receipt,
            asn_line=asn_line,
            qty_received=Decimal(qty),
            total_received=Decimal(qty),
            total_damaged=Decimal(0),
        )
        po_line.received_qty = Decimal(qty)
        po_line.save(update_fields=["received_qty"])
        return po_line

    on_time = line(at(7, hours=15), "10")  # the due day itself still counts
    line(at(8), "10")  # late
    line(at(5), "6")  # short
    line(None, "0")  # nothing came
    cancelled = PurchaseOrderLineFactory(purchase_order__supplier=acme, requested_date=due)
    cancelled.status = "cancelled"
    cancelled.save(update_fields=["status"])

    [value] = kpi_values(KPIS["otif"], window=WINDOW).values()
    facts = {
        row["document"]: row["num"]
        for row in kpi_facts(KPIS["otif"], window=WINDOW).values("document", "num")
    }

    assert (value.count, value.ratio) == (4, 0.25)
    assert facts[f"{on_time.purchase_order.number} line {on_time.line_no}"] == 1


def test_receiving_variance_measures_the_first_receipt_against_the_first_promised_date():
    acme = SupplierFactory(code="ACME")
    promised = at(3).date()
    for received in (at(2), at(3), at(5)):  # a day early, on the day, two days late
        _asn(acme, [("1", "1")], received=received, expected_delivery=promised)
    # Moved later by the supplier: still measured against the first promise.
    _asn(
        acme,
        [("1", "1")],
        received=at(6),
        expected_delivery=at(6).date(),
        original_expected_delivery=promised,
    )

    [value] = kpi_values(KPIS["receiving_variance"], window=WINDOW).values()

    assert value.count == 4
    assert value.median / DAY == pytest.approx(1)  # -1, 0, 2, 3
    assert value.p90 / DAY == pytest.approx(2.7)


def test_inventory_discrepancy_rate_is_differences_per_position_compared():
    for positions, differences, day in ((100, 5, 1), (300, 15, 8)):
        ReconciliationRun.objects.create(
            status=ReconciliationRun.Status.DONE,
            finished_at=at(day),
            positions_compared=positions,
            discrepancies=differences,
        )
    ReconciliationRun.objects.create(
        status=ReconciliationRun.Status.FAILED, finished_at=at(2), positions_compared=50
    )

    [overall] = kpi_values(KPIS["discrepancy_rate"], window=WINDOW).values()
    weekly = kpi_values(KPIS["discrepancy_rate"], window=WINDOW, by="week")

    assert (overall.num, overall.den, overall.ratio) == (20, 400, 0.05)
    assert {str(week): value.ratio for week, value in weekly.items()} == {
        "2026-03-02": 0.05,
        "2026-03-09": 0.05,
    }


def _case(exception_class: str, hours: float, *, status: str = "resolved", supplier: str = ""):
    return ExceptionCase.objects.create(
        exception_class=exception_class,
        subject_type="document",
        subject_key=f"case:{exception_class}:{hours}",
        title=f"{exception_class} after {hours} h",
        owner_team="receiving",
        status=status,
        sla_due_at=at(10),
        first_seen_at=at(1),
        last_seen_at=at(1),
        resolved_at=at(1, hours=hours) if status != "open" else None,
        supplier_code=supplier,
    )


def test_exception_resolution_time_is_per_class_from_first_sighting_to_resolution():
    SupplierFactory(code="ACME")
    for hours in (2, 4, 12):
        _case("receiving_variance", hours, supplier="ACME")
    _case("late_asn", 30, status="auto_resolved")
    _case("late_asn", 1, status="open")  # still open: not resolved yet

    by_class = kpi_values(KPIS["exception_resolution"], window=WINDOW, by="group")

    assert {key: (v.count, v.median / HOUR) for key, v in by_class.items()} == {
        "late_asn": (1, pytest.approx(30)),
        "receiving_variance": (3, pytest.approx(4)),
    }


def test_onboarding_cycle_time_runs_from_invitation_to_activation():
    for code, days in (("A", 2), ("B", 4), ("C", 9)):
        SupplierFactory(code=code, invited_at=at(-10), activated_at=at(-10 + days + 10))
    SupplierFactory(code="PENDING", invited_at=at(1), activated_at=None)

    [value] = kpi_values(KPIS["onboarding_cycle"], window=WINDOW).values()

    assert (value.count, value.median / DAY) == (3, pytest.approx(14))


def test_event_delivery_latency_is_per_workflow_from_event_to_delivery(monkeypatch):
    ConnectorFactory(name="wms")
    latencies = {"purchase_order.received": (2, 4, 30), "purchase_order.acknowledged": (1,)}
    for event_type, seconds in latencies.items():
        for n, latency in enumerate(seconds):
            event = publish_po_event(f"PO-{event_type[15:]}-{n}", event_type)
            event.occurred_at = at(1)
            event.save(update_fields=["occurred_at"])
            Delivery.objects.filter(event=event).update(
                status=Delivery.Status.DELIVERED,
                delivered_at=at(1) + datetime.timedelta(seconds=latency),
            )

    by_workflow = kpi_values(KPIS["delivery_latency"], window=WINDOW, by="group")

    assert {key: (v.count, v.median, v.p90) for key, v in by_workflow.items()} == {
        "purchase_order.acknowledged": (1, pytest.approx(1, abs=0.01), pytest.approx(1, abs=0.01)),
        "purchase_order.received": (3, pytest.approx(4, abs=0.01), pytest.approx(24.8, abs=0.01)),
    }


def _invoice(supplier, number: str, *, received: datetime.datetime, **fields) -> Invoice:
    """An invoice as the services leave it: `fields` set its status and match dates."""
    fields.setdefault("status", Invoice.Status.SUBMITTED)
    return Invoice.objects.create(
        supplier=supplier,
        purchase_order=PurchaseOrderFactory(supplier=supplier),
        number=number,
        invoice_date=received.date(),
        total_amount=Decimal("100.00"),
        received_at=received,
        **fields,
    )


def test_invoice_cycle_time_runs_from_submission_to_the_payment_date_in_whole_days():
    acme, globex = SupplierFactory(code="ACME"), SupplierFactory(code="GLOBEX")
    paid = Invoice.Status.PAID
    _invoice(acme, "A-3", received=at(0, hours=15), status=paid, paid_on=at(3).date())
    _invoice(acme, "A-5", received=at(0), status=paid, paid_on=at(5).date())
    # Paid the day it came in: 0 days, not the negative hours since midnight.
    _invoice(acme, "A-0", received=at(1, hours=23), status=paid, paid_on=at(1).date())
    _invoice(globex, "G-10", received=at(-2), status=paid, paid_on=at(8).date())
    # Not counted: approved but not paid, a credit note, paid before the window.
    _invoice(acme, "A-OPEN", received=at(1), status=Invoice.Status.APPROVED, approved_at=at(1))
    _invoice(
        acme,
        "A-CN",
        received=at(1),
        status=paid,
        paid_on=at(2).date(),
        kind=Invoice.Kind.CREDIT_NOTE,
    )
    _invoice(acme, "A-OLD", received=at(-20), status=paid, paid_on=at(-10).date())

    kpi = KPIS["invoice_cycle"]
    [overall] = kpi_values(kpi, window=WINDOW).values()
    by_supplier = kpi_values(kpi, window=WINDOW, by="supplier")
    weekly = kpi_values(kpi, window=WINDOW, by="week")

    assert (overall.count, overall.median / DAY, overall.p90 / DAY) == (
        4,
        pytest.approx(4),  # 0, 3, 5, 10
        pytest.approx(8.5),
    )
    assert {key: (v.count, v.median / DAY) for key, v in by_supplier.items()} == {
        acme.pk: (3, pytest.approx(3)),
        globex.pk: (1, pytest.approx(10)),
    }
    assert {str(week): v.count for week, v in weekly.items()} == {
        "2026-03-02": 3,
        "2026-03-09": 1,
    }


def test_invoice_first_pass_match_is_the_share_approved_by_their_first_match():
    acme, globex = SupplierFactory(code="ACME"), SupplierFactory(code="GLOBEX")
    approved, held = Invoice.Status.APPROVED, Invoice.Status.ON_HOLD
    _invoice(acme, "A-OK-1", received=at(1), status=approved, approved_at=at(1))
    _invoice(
        acme,
        "A-OK-2",
        received=at(2),
        status=Invoice.Status.PAID,
        approved_at=at(2),
        paid_on=at(6).date(),
    )
    # Held first, released later: not a first pass, counted when it was held.
    _invoice(acme, "A-HELD-1", received=at(2), status=approved, held_at=at(2), approved_at=at(9))
    _invoice(acme, "A-HELD-2", received=at(4), status=held, held_at=at(4))
    _invoice(globex, "G-OK", received=at(9), status=approved, approved_at=at(9))
    # Not counted: never matched, a credit note, held before the window and released in it.
    _invoice(acme, "A-NEW", received=at(3))
    _invoice(
        acme,
        "A-CN",
        received=at(3),
        status=approved,
        approved_at=at(3),
        kind=Invoice.Kind.CREDIT_NOTE,
    )
    _invoice(acme, "A-OLD", received=at(-3), status=approved, held_at=at(-3), approved_at=at(2))

    kpi = KPIS["invoice_first_pass"]
    [overall] = kpi_values(kpi, window=WINDOW).values()
    by_supplier = kpi_values(kpi, window=WINDOW, by="supplier")
    weekly = kpi_values(kpi, window=WINDOW, by="week")
    facts = dict(kpi_facts(kpi, window=WINDOW).values_list("document", "num"))

    assert (overall.count, overall.num, overall.den, overall.ratio) == (5, 3, 5, 0.6)
    assert {key: v.ratio for key, v in by_supplier.items()} == {acme.pk: 0.5, globex.pk: 1.0}
    assert {str(week): (v.num, v.den) for week, v in weekly.items()} == {
        "2026-03-02": (2, 4),
        "2026-03-09": (1, 1),
    }
    assert facts == {"A-OK-1": 1, "A-OK-2": 1, "A-HELD-1": 0, "A-HELD-2": 0, "G-OK": 1}


def _dispute(supplier, *, opened: datetime.datetime, hours: float | None, **subject) -> Dispute:
    """A dispute opened at `opened` and resolved `hours` later (None: still open)."""
    dispute = Dispute.objects.create(
        supplier=supplier,
        reason=subject.pop("reason", Dispute.Reason.PRICE),
        amount=Decimal("5.00"),
        opened_by_side=Dispute.Side.SUPPLIER,
        status=Dispute.Status.OPEN if hours is None else Dispute.Status.RESOLVED,
        resolution="" if hours is None else Dispute.Resolution.ACCEPT_VARIANCE,
        resolved_at=None if hours is None else opened + datetime.timedelta(hours=hours),
        **subject,
    )
    Dispute.objects.filter(pk=dispute.pk).update(created_at=opened)  # auto_now_add
    return dispute


def test_dispute_resolution_time_runs_from_opening_to_resolution_by_reason_and_supplier():
    acme, globex = SupplierFactory(code="ACME"), SupplierFactory(code="GLOBEX")
    invoice = _invoice(acme, "A-1", received=at(0), status=Invoice.Status.ON_HOLD, held_at=at(0))
    receipt = Receipt.objects.create(
        shipment=ShipmentFactory(supplier=acme), reference="R-1", received_at=at(0)
    )
    _dispute(acme, opened=at(1), hours=2, invoice=invoice)
    _dispute(acme, opened=at(1), hours=6, invoice=invoice)
    quantity = _dispute(
        acme, opened=at(2), hours=30, receipt=receipt, reason=Dispute.Reason.QUANTITY
    )
    _dispute(acme, opened=at(2), hours=None, invoice=invoice)  # still open: not counted
    globex_invoice = _invoice(globex, "G-1", received=at(0))
    _dispute(globex, opened=at(3), hours=10, invoice=globex_invoice)

    kpi = KPIS["dispute_resolution"]
    by_reason = kpi_values(kpi, window=WINDOW, by="group")
    by_supplier = kpi_values(kpi, window=WINDOW, by="supplier")
    documents = {
        row["document"]
        for row in kpi_facts(kpi, window=WINDOW, supplier_id=acme.pk).values("document")
    }

    assert {key: (v.count, v.median / HOUR) for key, v in by_reason.items()} == {
        "price": (3, pytest.approx(6)),
        "quantity": (1, pytest.approx(30)),
    }
    assert {key: (v.count, v.median / HOUR) for key, v in by_supplier.items()} == {
        acme.pk: (3, pytest.approx(6)),
        globex.pk: (1, pytest.approx(10)),
    }
    assert f"Receipt R-1 (dispute #{quantity.pk})" in documents
    assert {d.split(" (")[0] for d in documents} == {"Invoice A-1", "Receipt R-1"}
