"""Benchmarks cannot rot unseen (issue 24): CI runs `bench/smoke.sh`, which runs every
benchmark in bench/ with `--smoke`. These tests keep that true without a database: the
script finds every benchmark, and every benchmark starts and offers `--smoke`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
# Not benchmarks: helper modules, and the settings and URLs the HTTP benchmarks serve.
NOT_BENCHMARKS = {"settings.py", "urls.py"}


def benchmarks() -> list[str]:
    return sorted(
        f"bench/{path.name}"
        for path in BENCH.glob("*.py")
        if not path.name.startswith("_") and path.name not in NOT_BENCHMARKS
    )


def run(*command: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=60, env=env or dict(os.environ)
    )


def test_smoke_script_runs_every_benchmark_in_bench():
    listed = run("bash", "bench/smoke.sh", "--list")

    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == benchmarks()
    assert {"bench/api.py", "bench/ingest.py", "bench/outbox.py"} <= set(benchmarks())
    assert {"bench/po_list.py", "bench/reconcile.py"} <= set(benchmarks())


@pytest.mark.parametrize("bench", benchmarks())
def test_benchmark_starts_and_offers_a_smoke_mode(bench):
    helped = run(sys.executable, bench, "--help")

    assert helped.returncode == 0, helped.stderr
    assert "--smoke" in helped.stdout


def test_smoke_script_refuses_to_run_without_a_postgresql_database():
    env = {**os.environ, "DATABASE_URL": "sqlite:///var/portal.sqlite3"}

    refused = run("bash", "bench/smoke.sh", env=env)

    assert refused.returncode == 2
    assert "set DATABASE_URL to a PostgreSQL database" in refused.stderr
    assert refused.stdout == ""
