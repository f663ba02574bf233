"""Escalation of exceptions past their SLA (beat, hourly)."""

from celery import shared_task

from integrations.services import exceptions_escalate


@shared_task(name="integrations.escalate_exceptions")
def escalate_exceptions() -> int:
    return exceptions_escalate()
