"""The life of a reconciliation run: queued → running → done | failed, each move through
the run's table with its audit entry, and a run never made twice."""

import pytest
from django.db import DatabaseError, connection

from integrations.errors import DomainError
from integrations.models import AuditEntry
from integrations.services.lifecycle import CREATED, TransitionNotAllowed
from inventory.models import ReconciliationRun
from inventory.services.reconciliation import (
    RECONCILIATION_RUN,
    reconcile,
    reconciliation_queue,
    reconciliation_start,
)
from inventory.tasks.reconciliation import reconcile_run
from tests.inventory.snapshots import ingest, items, warehouse

pytestmark = pytest.mark.django_db


def run_audit(run: ReconciliationRun) -> list[tuple[str, dict, dict]]:
    return list(
        AuditEntry.objects.filter(object_type="inventory.reconciliationrun", object_id=str(run.pk))
        .order_by("id")
        .values_list("action", "before", "after")
    )


def one_difference() -> None:
    items("A")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 5)])
    ingest("wms", dc1, [("A", 4)])


def test_the_run_table_holds_exactly_queued_running_then_done_or_failed():
    assert [(m.source, m.target, m.action, m.event) for m in RECONCILIATION_RUN.moves] == [
        (CREATED, "queued", "queued", ""),
        ("queued", "running", "started", ""),
        ("running", "done", "finished", ""),
        ("running", "failed", "failed", ""),
    ]
    assert all(move.note for move in RECONCILIATION_RUN.moves)  # why no event


def test_the_run_table_refuses_every_move_it_does_not_hold():
    refused = 0
    for source in RECONCILIATION_RUN.states:
        for target in RECONCILIATION_RUN.states:
            if RECONCILIATION_RUN.find(source, target) is not None:
                continue
            with pytest.raises(TransitionNotAllowed):
                RECONCILIATION_RUN.move(
                    ReconciliationRun(status=source), to=target, actor=None, channel="system"
                )
            refused += 1

    assert refused == 4 * 4 - 3
    assert ReconciliationRun.objects.count() == 0


def test_a_run_moves_from_queued_through_running_to_done_with_an_audit_entry_per_move():
    one_difference()

    run = reconcile(actor=None, trigger="cli")

    run.refresh_from_db()
    assert (run.status, run.progress, run.opened) == ("done", 100, 1)
    assert run.started_at <= run.finished_at
    assert run_audit(run) == [
        ("started", {"status": "queued"}, {"status": "running"}),
        ("finished", {"status": "running"}, {"status": "done", "opened": 1, "auto_resolved": 0}),
    ]


def test_a_redelivered_task_message_runs_the_queued_run_once(operator):
    one_difference()
    run = reconciliation_queue(actor=operator, warehouse_code="DC1")

    reconcile_run(run.pk)
    reconcile_run(run.pk)

    run.refresh_from_db()
    assert (run.status, run.requested_by, run.opened) == ("done", operator, 1)
    assert [action for action, _before, _after in run_audit(run)] == ["started", "finished"]
    assert reconciliation_start(actor=None, run_id=run.pk) is None


def test_a_finished_run_is_not_reconciled_again():
    one_difference()
    run = reconcile(actor=None)

    with pytest.raises(DomainError) as error:
        reconcile(actor=None, run=run)

    assert error.value.message == f"{run} is done; queue a new run."
    assert ReconciliationRun.objects.get().status == "done"
    assert len(run_audit(run)) == 2


@pytest.fixture
def broken_work_table():
    """A view where the run expects to drop its work table: the database refuses, as it
    would refuse any statement of a run that breaks half-way."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE VIEW recon_diff AS SELECT 1 AS item_id")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP VIEW recon_diff")


@pytest.mark.django_db(transaction=True)
def test_a_run_that_breaks_moves_to_failed_and_keeps_its_error(broken_work_table):
    one_difference()

    with pytest.raises(DatabaseError):
        reconcile(actor=None)

    run = ReconciliationRun.objects.get()
    assert run.status == "failed"
    assert "recon_diff" in run.error
    assert run.finished_at is not None
    assert [(action, before) for action, before, _after in run_audit(run)] == [
        ("started", {"status": "queued"}),
        ("failed", {"status": "running"}),
    ]
    assert run_audit(run)[1][2] == {"status": "failed", "error": run.error}
