"""Celery tasks of the inventory app: thin, take ids, idempotent."""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from integrations.services import exceptions_escalate
from inventory.models import ReconciliationSchedule
from inventory.services.reconciliation import reconcile, reconciliation_start

logger = logging.getLogger(__name__)


@shared_task(name="inventory.reconcile_run")
def reconcile_run(run_id: int) -> None:
    """Run a queued reconciliation (from the page's button). A run already started or
    finished is left alone, so a redelivered message does nothing."""
    run = reconciliation_start(actor=None, run_id=run_id)
    if run is None:
        return
    reconcile(actor=run.requested_by, warehouse_code=run.warehouse_code, run=run)


def nightly_is_due(schedule: ReconciliationSchedule, now=None) -> bool:
    now = timezone.localtime(now or timezone.now())
    return (
        schedule.enabled
        and now.time() >= schedule.run_at
        and (schedule.last_run_on is None or schedule.last_run_on < now.date())
    )


@shared_task(name="inventory.reconcile_nightly_if_due")
def reconcile_nightly_if_due() -> bool:
    """Beat calls this every few minutes; it runs the nightly reconciliation once a day
    at the time an admin set (ReconciliationSchedule), then escalates overdue cases.
    The schedule row is claimed under a lock, so two beats cannot both run it."""
    ReconciliationSchedule.get()
    with transaction.atomic():
        schedule = ReconciliationSchedule.objects.select_for_update().get(pk=1)
        if not nightly_is_due(schedule):
            return False
        schedule.last_run_on = timezone.localdate()
        schedule.save(update_fields=["last_run_on"])
    reconcile(actor=None, trigger="nightly")
    exceptions_escalate()
    return True
