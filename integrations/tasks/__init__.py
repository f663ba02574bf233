"""Celery tasks of the integration layer, one module per concept. Celery's autodiscovery
imports this package, so every module is imported here for its tasks to be registered."""

from integrations.tasks import exceptions, outbox, retention

__all__ = ["exceptions", "outbox", "retention"]
