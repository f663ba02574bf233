"""Test runs: fast password hashing, emails kept in memory, tasks eager unless a broker is set."""

import os

# MFA off by default: MFA tests turn it on themselves (PORTAL_MFA_REQUIRED=true to try it).
os.environ.setdefault("PORTAL_MFA_REQUIRED", "false")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-that-is-long-enough-for-checks-000000")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from .base import *  # noqa: F403
from .base import PORTAL_FIELD_ENCRYPTION_KEYS, field_encryption_key_from_secret

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The user row read on every request, with or without REDIS_URL: query-count tests then
# count the same on every request (tests/portal/test_auth_cache.py turns the cache on).
AUTH_USER_CACHE_SECONDS = 0
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if not PORTAL_FIELD_ENCRYPTION_KEYS:
    # Unset: a key derived from SECRET_KEY, so the tests need nothing.
    PORTAL_FIELD_ENCRYPTION_KEYS = [field_encryption_key_from_secret(SECRET_KEY)]  # noqa: F405

# No sampled read rows: a test that counts request-log rows gets the same count every run
# (the sampling tests set their own share).
API_REQUEST_LOG_READ_SAMPLE = 0.0
