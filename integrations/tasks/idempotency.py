"""Celery tasks of the API: the hourly purge of idempotency records and request log rows
past their retention."""

from celery import shared_task

from integrations.api import idempotency


@shared_task(name="integrations.api.purge_idempotency_records")
def purge_idempotency_records() -> int:
    return idempotency.purge_expired() + idempotency.purge_request_log()
