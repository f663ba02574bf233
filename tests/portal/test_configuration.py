"""Settings come from the environment; a wrong value stops the start and names the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    drop = {"DATABASE_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("DATABASE_URL", "mysql://root@localhost/portal", "DATABASE_URL must start with"),
        ("CELERY_BROKER_URL", "amqp://guest@localhost//", "CELERY_BROKER_URL must be a redis"),
        ("DEBUG", "maybe", "DEBUG must be true or false"),
        ("PORTAL_PAGE_SIZE", "many", "PORTAL_PAGE_SIZE must be a whole number"),
        (
            "PORTAL_FIELD_ENCRYPTION_KEYS",
            "not-a-fernet-key",
            "PORTAL_FIELD_ENCRYPTION_KEYS: key 1 is not a Fernet key",
        ),
    ],
)
def test_a_wrong_value_fails_at_start_naming_the_variable(variable, value, message):
    result = _run(
        "manage.py", "check", DJANGO_SETTINGS_MODULE="portal.settings.dev", **{variable: value}
    )

    assert result.returncode != 0
    assert message in result.stderr


def test_production_needs_a_secret_key():
    result = _run(
        "manage.py",
        "check",
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY="",
        ALLOWED_HOSTS="portal.example.com",
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_production_needs_field_encryption_keys():
    result = _run(
        "manage.py",
        "check",
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY="k" * 20 + "-production-secret-with-enough-entropy-9f8e7d6c5b4a",
        ALLOWED_HOSTS="portal.example.com",
        PORTAL_FIELD_ENCRYPTION_KEYS="",
    )

    assert result.returncode != 0
    assert "PORTAL_FIELD_ENCRYPTION_KEYS must be set in production" in result.stderr


def test_production_settings_pass_the_deployment_check():
    result = _run(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY="k" * 20 + "-production-secret-with-enough-entropy-9f8e7d6c5b4a",
        ALLOWED_HOSTS="portal.example.com",
        PORTAL_FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_a_broker_tasks_run_in_process(settings):
    if os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL"):
        pytest.skip("a broker is configured for this run")

    assert settings.CELERY_TASK_ALWAYS_EAGER is True


def test_celery_is_configured_not_to_lose_tasks(settings):
    from portal.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert "portal-heartbeat" in app.conf.beat_schedule
