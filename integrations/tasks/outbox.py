"""Celery tasks of the outbox: thin, take ids, idempotent (STYLE §8). Delivery state lives
in the database, so a duplicated, lost or late message is harmless."""

import math

from celery import shared_task

from integrations.models import Connector
from integrations.services import dispatch

# How many drain tasks the sweeper starts per connector at most: enough to keep every
# worker process busy on a backlog, few enough not to flood the broker.
MAX_PARALLEL_DRAINS = 4


@shared_task(name="integrations.deliver")
def deliver(delivery_id: int) -> int:
    """Queued on commit for each new delivery: send it (and whatever else is due for its
    connector). A no-op when the delivery is no longer due."""
    return dispatch.deliver_one(delivery_id)


@shared_task(name="integrations.drain_connector")
def drain_connector(connector_id: int) -> int:
    return dispatch.drain_connector(connector_id, time_budget=20.0)


@shared_task(name="integrations.outbox_sweep")
def outbox_sweep() -> dict[str, int]:
    """Beat, every ~30 s: take back expired leases, mark documents held behind a dead
    delivery, and start drains for every connector with due deliveries — whatever a lost
    broker message, a Redis outage or a killed worker left behind."""
    reclaimed = dispatch.reclaim_expired_leases()
    blocked = dispatch.block_behind_dead()
    started = 0
    for connector_id, due in dispatch.due_by_connector().items():
        batch = (
            Connector.objects.filter(pk=connector_id).values_list("batch_size", flat=True).first()
        )
        for _ in range(min(MAX_PARALLEL_DRAINS, math.ceil(due / max(1, batch or 1)))):
            drain_connector.apply_async((connector_id,), retry=False)
            started += 1
    return {"reclaimed": reclaimed, "blocked": blocked, "drains": started}
