"""The daily purge of rows past their retention (integrations/services/retention.py)."""

from celery import shared_task

from integrations.services.retention import retention_purge as purge


@shared_task(name="integrations.retention_purge")
def retention_purge() -> dict[str, int]:
    return purge(actor=None)
