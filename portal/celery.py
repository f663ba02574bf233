"""The Celery application. Reliability settings live in settings (CELERY_*), see DESIGN §5."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Correlation id in every task message, task timings and the worker heartbeat (issue 20).
from portal import worker_signals  # noqa: E402, F401
