"""Celery tasks of the inventory app, one module per concept. Celery's autodiscovery
imports this package, so every module is imported here for its tasks to be registered."""

from inventory.tasks import movements, reconciliation

__all__ = ["movements", "reconciliation"]
