"""The Prometheus rules in deploy/ pass their promtool unit tests, and every metric they
use is one the portal exposes (a renamed metric would silently never alert)."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from integrations import metrics

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "portal-rules.yml"
# Families read from the tables at scrape time (portal/observability.py).
SCRAPE_TIME = {
    "portal_outbox_backlog",
    "portal_outbox_dead",
    "portal_outbox_oldest_pending_age_seconds",
    "portal_outbox_breaker_state",
    "portal_celery_queue_depth",
    "portal_slo_target",
    "portal_slo_error_budget_remaining",
    "portal_slo_burn_rate",
}


def test_promtool_passes_the_rule_tests():
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing: apt-get install prometheus")
        pytest.skip("promtool is not installed (apt-get install prometheus)")

    result = subprocess.run(
        [promtool, "test", "rules", "portal-rules.test.yml"],
        cwd=RULES.parent,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_metric_the_rules_use_is_exposed():
    exposed = set(SCRAPE_TIME)
    for value in vars(metrics).values():
        name = getattr(value, "_name", None)
        if isinstance(name, str) and name.startswith("portal_"):
            kind = getattr(value, "_type", "")
            suffixes = {"counter": ["_total"], "histogram": ["_count", "_bucket", "_sum"]}
            exposed.update(name + suffix for suffix in suffixes.get(kind, [""]))

    used = set(re.findall(r"\bportal_[a-z_]+", RULES.read_text()))

    assert used - exposed == set()


def test_the_grafana_dashboard_is_valid_json_using_exposed_or_recorded_series():
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "supplier-portal.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    recorded = set(re.findall(r"record: (\S+)", RULES.read_text()))

    used_recorded = {name for expr in exprs for name in re.findall(r"portal:[a-z0-9_:]+", expr)}

    assert dashboard["uid"] == "supplier-portal-ops"
    assert len(dashboard["panels"]) == 18
    assert used_recorded - recorded == set()
