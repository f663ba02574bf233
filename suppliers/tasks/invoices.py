"""Re-matching invoices whose figures may have changed: a receipt or a PO revision moves
the PO lines' `updated_at`, and every few minutes this finds the invoices submitted or on
hold whose PO lines changed since their last match (one query) and matches them again."""

from celery import shared_task

from suppliers.services.invoice_matching import invoices_rematch_stale


@shared_task(name="suppliers.rematch_invoices")
def rematch_invoices() -> int:
    return len(invoices_rematch_stale(actor=None))
