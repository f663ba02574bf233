"""Production: DEBUG off, HTTPS only, secrets and hosts from the environment.

`manage.py check --deploy` with these settings reports nothing (tested).
"""

import os

os.environ.setdefault("DEBUG", "false")
# JSON log lines and a readiness that counts the worker's and beat's heartbeats (issue 20).
os.environ.setdefault("LOG_FORMAT", "json")
os.environ.setdefault("PORTAL_READYZ_HEARTBEATS", "true")

from .base import *  # noqa: F403
from .base import _bool, _int, env

if DEBUG:  # noqa: F405
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DEBUG must be off with portal.settings.production.")
if not ALLOWED_HOSTS:  # noqa: F405
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("ALLOWED_HOSTS must name the hosts the portal is served on.")
if not PORTAL_FIELD_ENCRYPTION_KEYS:  # noqa: F405
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "PORTAL_FIELD_ENCRYPTION_KEYS must be set in production: comma-separated Fernet keys, "
        "newest first, that encrypt bank account numbers at rest. Keep every old key after the "
        "new one: a value encrypted with a key no longer listed cannot be read."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
