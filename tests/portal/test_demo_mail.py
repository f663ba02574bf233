"""`make demo` sends every e-mail where the README says — var/mail/ — from the seed, the
periodic tasks (reminders) and the server alike, and prints the logins, not raw e-mails."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILE_BACKEND = "EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend"


@pytest.fixture
def demo_commands() -> list[str]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry_run = subprocess.run(
        ["make", "-n", "demo"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return dry_run.stdout.splitlines()


def _running(commands: list[str], command: str) -> str:
    return next(line for line in commands if f"manage.py {command}" in line)


def test_the_seed_the_schedule_and_the_server_all_write_mail_to_var_mail(demo_commands):
    mail_dir = f"EMAIL_FILE_PATH={ROOT}/var/mail"

    for command in ("seed_demo", "run_schedule", "runserver"):
        line = _running(demo_commands, command)
        assert FILE_BACKEND in line and mail_dir in line, command


def test_the_demo_prints_the_logins_and_where_mail_goes_and_keeps_the_seed_report_aside(
    demo_commands,
):
    seed = _running(demo_commands, "seed_demo")
    echoes = [line for line in demo_commands if line.startswith(("echo", "sed"))]

    assert "> var/seed.log 2>&1" in seed
    assert echoes[0] == "sed -n '/^Demo logins/,$p' var/seed.log"
    assert "is written to var/mail/" in echoes[1]


def test_the_readme_names_the_same_place_for_the_demos_mail():
    readme = (ROOT / "README.md").read_text()

    assert re.search(r"is written to \*\*`var/mail/`\*\*", readme)
    assert "var/schedule.log" in readme
    assert "print to the console in dev." not in readme
