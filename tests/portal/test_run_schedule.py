"""The embedded demo's scheduler: every periodic task of the beat schedule runs in-process."""

import io

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_run_schedule_once_runs_every_periodic_task_in_this_process(eager_tasks):
    cache.delete("portal:beat-heartbeat")
    out, err = io.StringIO(), io.StringIO()

    call_command("run_schedule", "--once", stdout=out, stderr=err)

    tasks = sorted(entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values())
    assert sorted(out.getvalue().splitlines()) == sorted(f"{task}: ok" for task in tasks)
    assert err.getvalue() == ""
    assert cache.get("portal:beat-heartbeat") is not None  # what /readyz reads


def test_a_schedule_that_is_not_a_fixed_interval_is_refused_with_what_to_use():
    from celery.schedules import crontab

    schedule = {"nightly": {"task": "portal.tasks.heartbeat", "schedule": crontab(hour=2)}}
    with (
        override_settings(CELERY_BEAT_SCHEDULE=schedule),
        pytest.raises(CommandError, match="only fixed intervals can run here"),
    ):
        call_command("run_schedule", "--once", stdout=io.StringIO())
