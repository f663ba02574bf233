"""Services queue tasks by name; a process that is not a Celery worker (the web, a
management command) must find them too, though Celery discovers task packages lazily."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import django
django.setup()
from celery import current_app
from integrations.worker import task_named
assert "integrations.deliver" not in current_app.tasks, "already discovered: probe is moot"
print(task_named("integrations.deliver").name, task_named("inventory.reconcile_run").name)
"""


def test_a_fresh_process_that_is_not_a_worker_finds_the_tasks_by_name():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["integrations.deliver", "inventory.reconcile_run"]
