"""Local development: DEBUG on unless the environment says otherwise, SQLite in var/."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: F403
