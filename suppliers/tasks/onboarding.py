"""Celery tasks of onboarding (thin: they call the services)."""

from celery import shared_task
from django.utils import timezone

from suppliers import services


@shared_task(name="suppliers.check_document_expiry")
def check_document_expiry() -> dict[str, int]:
    """Daily: warn 30 days ahead, flag expired documents. Idempotent per document."""
    return services.supplier_documents_expiry_check(today=timezone.localdate())
