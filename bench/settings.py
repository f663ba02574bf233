"""Bench-only settings for bench/po_list.py and bench/api.py: production on loopback.

Production's middleware, templates, sessions and DEBUG off, so the measured page costs
what it costs in production; only what a loopback benchmark cannot satisfy (HTTPS
redirect, a real host name, deployed secrets and keys) is relaxed. Never deploy this module.
"""

import base64
import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_polist")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-" + "0" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ["DEBUG"] = "false"
# Production settings refuse to start without field-encryption keys; a bench-only Fernet
# key (32 known bytes: nothing it encrypts is a secret) so the bench starts on its own.
os.environ.setdefault(
    "PORTAL_FIELD_ENCRYPTION_KEYS",
    base64.urlsafe_b64encode(b"bench-only-key, never deploy it!").decode(),
)

# Production keeps sessions, caches, the signed-in user's row and the unread badge in
# Redis (REDIS_URL); a bench without it would measure a shape no deployment runs.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
from portal.settings.production import *  # noqa: F403

if not os.environ.get("CELERY_BROKER_URL"):
    # REDIS_URL would otherwise become the broker, and no worker runs beside a bench:
    # tasks keep running in-process, as they did before REDIS_URL was set here.
    CELERY_BROKER_URL = ""
    CELERY_TASK_ALWAYS_EAGER = True

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
# The bare view is served by the same project under the same middleware.
ROOT_URLCONF = "bench.urls"
# Gunicorn's per-request log lines would cost the server time that is not the page's.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
# The demo seed's workflows send mail; a bench never reaches an SMTP server.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
