"""Local development: DEBUG on unless the environment says otherwise, SQLite in var/."""

import os

# MFA off: the demo signs in with a password only (PORTAL_MFA_REQUIRED=true to try it).
os.environ.setdefault("PORTAL_MFA_REQUIRED", "false")
os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: F403
