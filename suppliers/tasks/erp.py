"""Beat tasks of the Tryton ERP connector (thin: the work is in `suppliers.erp.tryton`).

Each pulls from every enabled, unpaused `tryton` connector. Tryton being down is not an
error of the task: the pull is retried on the next beat and the failure is logged; the
outbound direction has its own retries, breaker and dead letters in the outbox.
"""

import logging
from dataclasses import asdict

from celery import shared_task

from integrations.connectors import ConnectorError
from suppliers.erp import tryton as erp_tryton
from suppliers.erp import tryton_invoices, tryton_stock_moves

logger = logging.getLogger(__name__)


def _each_connector(pull, label: str) -> dict:
    results = {}
    for connector in erp_tryton.tryton_connectors():
        try:
            results[connector.name] = pull(connector)
        except ConnectorError as error:
            logger.warning("Tryton %s pull from %s failed: %s", label, connector.name, error)
            results[connector.name] = {"error": error.message, "permanent": error.permanent}
    return results


@shared_task(name="suppliers.pull_tryton_purchases")
def pull_tryton_purchases() -> dict:
    return _each_connector(lambda c: erp_tryton.purchases_pull(connector=c).as_dict(), "purchase")


@shared_task(name="suppliers.pull_tryton_receipts")
def pull_tryton_receipts() -> dict:
    return _each_connector(lambda c: erp_tryton.receipts_pull(connector=c), "receipt")


@shared_task(name="suppliers.pull_tryton_invoices")
def pull_tryton_invoices() -> dict:
    return _each_connector(lambda c: tryton_invoices.invoices_pull(connector=c), "invoice")


@shared_task(name="suppliers.pull_tryton_stock")
def pull_tryton_stock() -> dict:
    return _each_connector(lambda c: erp_tryton.stock_snapshot_pull(connector=c), "stock")


@shared_task(name="suppliers.pull_tryton_stock_moves")
def pull_tryton_stock_moves() -> dict:
    # The movements between two counts (issue 22): receipts, inventories, transfers, returns.
    return _each_connector(
        lambda c: asdict(tryton_stock_moves.tryton_stock_moves_pull(connector=c)), "stock move"
    )
