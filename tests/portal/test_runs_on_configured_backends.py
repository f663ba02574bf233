"""CI sets REQUIRE_POSTGRES / REQUIRE_REDIS: the suite must then really run on them, never
fall back silently to SQLite or eager tasks."""

import os

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(not os.environ.get("REQUIRE_POSTGRES"), reason="only when CI asks for it")
def test_the_suite_runs_on_postgresql_when_ci_requires_it():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert cursor.fetchone()[0]


@pytest.mark.skipif(not os.environ.get("REQUIRE_REDIS"), reason="only when CI asks for it")
def test_tasks_go_through_the_redis_broker_when_ci_requires_it():
    import redis

    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert redis.Redis.from_url(settings.CELERY_BROKER_URL).ping() is True
