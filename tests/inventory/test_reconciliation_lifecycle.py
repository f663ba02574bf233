"""Runs after runs: in flight, then an exception; cases updated, auto-resolved, escalated;
the CSV report of the command."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command

from integrations.models import AuditEntry, Event, ExceptionCase, TeamContact
from integrations.services import exceptions_escalate
from inventory.models import Item, StockMovement, StockPosition
from inventory.services import stock_movement_record
from inventory.services.reconciliation import reconcile
from tests.inventory.snapshots import ingest, items, later, warehouse

pytestmark = pytest.mark.django_db


def receipt_between(sku: str, wh, qty: str, at: datetime.datetime) -> None:
    stock_movement_record(
        actor=None,
        item=Item.objects.get(sku=sku),
        warehouse=wh,
        kind=StockMovement.Kind.RECEIPT,
        quantity=Decimal(qty),
        occurred_at=at,
        document_type="receipt",
        document_ref="WMS-R-1",
    )


def active() -> dict[str, str]:
    return dict(
        ExceptionCase.objects.filter(status__in=ExceptionCase.ACTIVE).values_list(
            "subject_key", "exception_class"
        )
    )


def test_a_receipt_between_the_snapshots_is_in_flight_and_not_an_exception_on_the_first_run():
    items("A")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 100)], taken_at=later(0))
    receipt_between("A", dc1, "20", later(1))
    ingest("wms", dc1, [("A", 120)], taken_at=later(2))

    run = reconcile(actor=None)

    assert active() == {}
    assert run.counts == {"in_flight_pending": 1}
    position = StockPosition.objects.get(item__sku="A", warehouse=dc1)
    assert position.in_flight_delta == Decimal(20)
    assert position.in_flight_since is not None


def test_an_in_flight_difference_reconciled_again_on_the_same_snapshots_stays_pending():
    items("A")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 100)], taken_at=later(0))
    receipt_between("A", dc1, "20", later(1))
    ingest("wms", dc1, [("A", 120)], taken_at=later(2))
    reconcile(actor=None)

    run = reconcile(actor=None)

    assert active() == {}
    assert run.counts == {"in_flight_pending": 1}


def test_an_in_flight_difference_no_longer_explained_next_run_is_a_quantity_mismatch():
    items("A")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 100)], taken_at=later(0))
    receipt_between("A", dc1, "20", later(1))
    ingest("wms", dc1, [("A", 120)], taken_at=later(2))
    reconcile(actor=None)
    # The next night the ERP has moved past the receipt but still disagrees.
    ingest("erp", dc1, [("A", 110)], taken_at=later(24))
    ingest("wms", dc1, [("A", 120)], taken_at=later(25))

    reconcile(actor=None)

    assert active() == {"A@DC1": "quantity_mismatch"}


def test_an_in_flight_difference_that_the_erp_catches_up_with_clears_its_flag():
    items("A")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 100)], taken_at=later(0))
    receipt_between("A", dc1, "20", later(1))
    ingest("wms", dc1, [("A", 120)], taken_at=later(2))
    reconcile(actor=None)
    ingest("erp", dc1, [("A", 120)], taken_at=later(24))
    ingest("wms", dc1, [("A", 120)], taken_at=later(25))

    reconcile(actor=None)

    assert active() == {}
    assert StockPosition.objects.get(item__sku="A").in_flight_since is None


def test_a_case_is_updated_on_each_run_and_auto_resolved_when_the_difference_is_gone():
    items("A")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 100)], taken_at=later(0))
    ingest("wms", dc1, [("A", 90)], taken_at=later(0))
    reconcile(actor=None)
    case = ExceptionCase.objects.get()
    ingest("erp", dc1, [("A", 100)], taken_at=later(24))
    ingest("wms", dc1, [("A", 80)], taken_at=later(24))

    reconcile(actor=None)

    case.refresh_from_db()
    assert (case.status, case.delta, case.seen_count) == ("open", Decimal(-20), 2)
    assert ExceptionCase.objects.count() == 1

    ingest("erp", dc1, [("A", 80)], taken_at=later(48))
    ingest("wms", dc1, [("A", 80)], taken_at=later(48))
    run = reconcile(actor=None)

    case.refresh_from_db()
    assert case.status == "auto_resolved"
    assert run.auto_resolved == 1
    assert list(
        AuditEntry.objects.filter(object_type="integrations.exceptioncase", object_id=str(case.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["opened", "auto_resolved"]
    assert list(
        Event.objects.filter(type__startswith="exception.")
        .order_by("occurred_at")
        .values_list("type", "data__count")
    ) == [("exception.opened", 1), ("exception.resolved", 1)]


def test_a_run_scoped_to_one_warehouse_does_not_resolve_another_warehouses_cases():
    items("A")
    dc1, dc2 = warehouse("DC1"), warehouse("DC2")
    for wh in (dc1, dc2):
        ingest("erp", wh, [("A", 10)])
        ingest("wms", wh, [("A", 11)])
    reconcile(actor=None)
    ingest("wms", dc2, [("A", 10)], taken_at=later(1))

    reconcile(actor=None, warehouse_code="DC2")

    assert active() == {"A@DC1": "quantity_mismatch"}


def test_cases_past_their_sla_are_escalated_once_by_email_to_the_owner_team():
    items("A", "B")
    dc1 = warehouse()
    TeamContact.objects.create(team="inventory_control", email="stock@distributor.example")
    ingest("erp", dc1, [("A", 10), ("B", 10)])
    ingest("wms", dc1, [("A", 11), ("B", 10)])
    reconcile(actor=None)
    case = ExceptionCase.objects.get()

    assert exceptions_escalate(now=case.sla_due_at) == 0
    assert exceptions_escalate(now=case.sla_due_at + datetime.timedelta(seconds=1)) == 1
    assert exceptions_escalate(now=case.sla_due_at + datetime.timedelta(hours=5)) == 0

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["stock@distributor.example"]
    assert "A@DC1" in mail.outbox[0].body
    case.refresh_from_db()
    assert case.escalated_at == case.sla_due_at + datetime.timedelta(seconds=1)


def test_the_command_prints_counts_and_writes_every_open_inventory_exception(tmp_path):
    items("A", "B")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 10), ("B", 5)])
    ingest("wms", dc1, [("A", 12)])
    report = tmp_path / "report.csv"
    out = io.StringIO()

    call_command("reconcile_inventory", "--warehouse", "DC1", "--report", str(report), stdout=out)

    assert "missing_in_wms: 1" in out.getvalue()
    assert "quantity_mismatch: 1" in out.getvalue()
    assert report.read_text().splitlines() == [
        "sku,warehouse,class,erp_qty,wms_qty,expected_qty,delta",
        "A,DC1,quantity_mismatch,10,12,10,2",
        "B,DC1,missing_in_wms,5,,5,",
    ]
