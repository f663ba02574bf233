"""Celery tasks of the suppliers app, one module per concept: thin, take ids, idempotent,
each calls a service. Celery's autodiscovery imports this package, so every module is
imported here for its tasks to be registered."""

from suppliers.tasks import acknowledgments, availability, edi, erp, invoices, onboarding

__all__ = ["acknowledgments", "availability", "edi", "erp", "invoices", "onboarding"]
