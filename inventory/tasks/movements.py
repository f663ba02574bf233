"""Celery tasks of inventory movements: thin, idempotent."""

from celery import shared_task

from inventory.services.movements import movements_release_gaps


@shared_task(name="inventory.movements_release_gaps")
def release_gaps() -> int:
    """Beat calls this every few minutes, so that a gap in a stream that has gone quiet
    still times out (each ingest also checks). Returns the events applied after a gap;
    running it twice releases nothing more."""
    return movements_release_gaps(actor=None).applied_after_gap
