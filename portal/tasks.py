from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from portal.notification_mail import send_digests, send_immediate
from portal.slos import slo_check_burns


@shared_task(name="portal.tasks.heartbeat")
def heartbeat() -> str:
    """Beat's proof of life, read by /readyz: the time the last beat tick ran on a worker."""
    now = timezone.now().isoformat()
    cache.set("portal:beat-heartbeat", now, timeout=600)
    return now


@shared_task(name="portal.check_slos")
def check_slos() -> list[str]:
    """Beat, every 5 minutes: open or resolve the SLO burn exceptions (portal.slos)."""
    return slo_check_burns()


@shared_task(name="portal.send_notifications")
def send_notifications() -> int:
    """After a commit that created notifications, and every 5 minutes by beat (what a
    broker outage left behind): e-mail those due at once."""
    return send_immediate()


@shared_task(name="portal.notification_digest")
def notification_digest() -> int:
    """Beat, daily: one digest e-mail per user of the notifications they asked to batch."""
    return send_digests()
