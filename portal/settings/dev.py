"""Local development: DEBUG on unless the environment says otherwise, SQLite in var/."""

import os

# MFA off: the demo signs in with a password only (PORTAL_MFA_REQUIRED=true to try it).
os.environ.setdefault("PORTAL_MFA_REQUIRED", "false")
os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: F403
from .base import PORTAL_FIELD_ENCRYPTION_KEYS, field_encryption_key_from_secret

if not PORTAL_FIELD_ENCRYPTION_KEYS:
    # Unset: a key derived from SECRET_KEY, so the demo needs nothing and its data stays readable.
    PORTAL_FIELD_ENCRYPTION_KEYS = [field_encryption_key_from_secret(SECRET_KEY)]  # noqa: F405
