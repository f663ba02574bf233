from celery import shared_task
from django.core.cache import cache
from django.utils import timezone


@shared_task(name="portal.tasks.heartbeat")
def heartbeat() -> str:
    """Beat's proof of life, read by /readyz: the time the last beat tick ran on a worker."""
    now = timezone.now().isoformat()
    cache.set("portal:beat-heartbeat", now, timeout=600)
    return now
