"""The daily checks that feed the inbox: the nightly reconciliation at the time an admin
set, and the suppliers' stale availability check."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.models import ExceptionCase
from inventory.models import ReconciliationRun, ReconciliationSchedule
from inventory.tasks.reconciliation import nightly_is_due, reconcile_nightly_if_due
from suppliers import services
from suppliers.tasks.availability import stale_availability_check
from tests.suppliers.factories import SupplierItemFactory

pytestmark = pytest.mark.django_db


def local(hour: int, minute: int = 0, day: int = 3) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, 3, day, hour, minute))


def test_the_nightly_run_is_due_once_a_day_from_the_time_the_admin_set():
    schedule = ReconciliationSchedule(run_at=datetime.time(2, 30), last_run_on=None)

    assert nightly_is_due(schedule, local(2, 29)) is False
    assert nightly_is_due(schedule, local(2, 30)) is True
    schedule.last_run_on = datetime.date(2026, 3, 3)
    assert nightly_is_due(schedule, local(23, 0)) is False
    assert nightly_is_due(schedule, local(2, 30, day=4)) is True
    schedule.enabled = False
    assert nightly_is_due(schedule, local(2, 30, day=4)) is False


def test_the_beat_task_runs_the_nightly_reconciliation_once():
    ReconciliationSchedule.objects.create(pk=1, run_at=datetime.time(0, 0))

    assert reconcile_nightly_if_due() is True
    assert reconcile_nightly_if_due() is False

    assert list(ReconciliationRun.objects.values_list("trigger", "status")) == [("nightly", "done")]


def test_a_stale_availability_feed_opens_a_case_that_a_fresh_post_resolves(
    supplier, other_supplier
):
    supplier.availability_freshness_hours = 24
    supplier.save()
    item = SupplierItemFactory(supplier=supplier, supplier_sku="ACME-1")
    fresh = SupplierItemFactory(supplier=other_supplier, supplier_sku="GLX-1")
    now = timezone.now()
    for supplier_item, hours in ((item, 30), (fresh, 2)):
        services.supplier_availability_post(
            actor=None,
            supplier=supplier_item.supplier,
            entries=[
                services.AvailabilityInput(
                    supplier_item, Decimal(5), as_of=now - datetime.timedelta(hours=hours)
                )
            ],
        )

    assert stale_availability_check(now=now) == {"stale": 1, "resolved": 0}
    case = ExceptionCase.objects.get()
    assert (case.exception_class, case.subject_key, case.supplier_code, case.owner_team) == (
        "stale_availability",
        "availability:ACME:ACME-1",
        "ACME",
        "purchasing",
    )

    services.supplier_availability_post(
        actor=None, supplier=supplier, entries=[services.AvailabilityInput(item, Decimal(7))]
    )
    assert stale_availability_check() == {"stale": 0, "resolved": 1}
    case.refresh_from_db()
    assert case.status == "auto_resolved"
