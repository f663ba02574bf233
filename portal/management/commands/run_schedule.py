"""python manage.py run_schedule [--once]

The periodic tasks of `CELERY_BEAT_SCHEDULE`, run in this process, for the embedded demo:
without a broker there is no beat and no worker, so due outbox retries, the nightly
reconciliation, reminders and escalations would otherwise never run. `make demo` starts
it beside the dev server. With a broker, run Celery beat and workers instead.
"""

import logging
import time

from celery import current_app
from celery.schedules import schedule as every
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

logger = logging.getLogger(__name__)


def _interval(entry: dict) -> float:
    value = entry["schedule"]
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, every):
        return float(value.seconds)
    raise CommandError(
        f"Task {entry['task']}: only fixed intervals can run here, not {value!r}; "
        "use Celery beat for it."
    )


class Command(BaseCommand):
    help = "Run the periodic tasks in this process (the embedded demo has no Celery beat)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Run every task once, then stop.")

    def handle(self, *args, once: bool = False, **options) -> None:
        if not settings.CELERY_TASK_ALWAYS_EAGER and not once:
            raise CommandError(
                "A Celery broker is configured: run `celery -A portal beat` and workers "
                "instead (this command is for the embedded demo)."
            )
        # What a worker imports at start: every app's autodiscovered tasks package.
        current_app.loader.import_default_modules()
        entries = sorted(settings.CELERY_BEAT_SCHEDULE.items())
        intervals = {name: _interval(entry) for name, entry in entries}
        due = dict.fromkeys(intervals, time.monotonic())  # everything runs at start
        if not once:
            self.stdout.write(f"Running {len(entries)} periodic tasks in-process; Ctrl-C stops.")
        while True:
            for name, entry in entries:
                if time.monotonic() < due[name]:
                    continue
                self._run(entry)
                due[name] = time.monotonic() + intervals[name]
            if once:
                return
            time.sleep(max(0.5, min(due.values()) - time.monotonic()))

    def _run(self, entry: dict) -> None:
        task = current_app.tasks[entry["task"]]
        try:
            # In-process and synchronous; an error is reported and the loop goes on, as a
            # worker would go on with its next task.
            task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}), throw=True)
        except Exception as error:
            logger.exception("Periodic task %s failed", entry["task"])
            self.stderr.write(f"{entry['task']}: failed ({error})")
        else:
            self.stdout.write(f"{entry['task']}: ok")
