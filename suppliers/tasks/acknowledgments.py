"""Celery tasks of the suppliers app: thin, idempotent, each calls a service."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import Channel
from suppliers import selectors
from suppliers.services import purchase_order_send_reminder

logger = logging.getLogger(__name__)


@shared_task(name="suppliers.send_acknowledgment_reminders")
def send_acknowledgment_reminders() -> int:
    """Remind suppliers of POs overdue for acknowledgment by the configured interval.

    Idempotent: the service refuses a second reminder for a PO on the same day, so a
    re-run (or beat firing twice) mails nobody twice. Returns how many reminders went out.
    """
    now = timezone.now()
    today_starts = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    overdue_by = datetime.timedelta(hours=settings.PORTAL_ACK_REMINDER_AFTER_HOURS)
    due = selectors.purchase_orders_due_for_reminder(
        now=now, overdue_by=overdue_by, today_starts=today_starts
    )
    sent = 0
    for purchase_order in list(due):
        try:
            purchase_order_send_reminder(
                actor=None, purchase_order=purchase_order, channel=Channel.SYSTEM, now=now
            )
        except DomainError as error:
            # Acknowledged, reminded by a buyer meanwhile, or nobody to remind: nothing to do.
            logger.info("No reminder for PO %s: %s", purchase_order.number, error.message)
            continue
        sent += 1
    return sent
