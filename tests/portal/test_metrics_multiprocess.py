"""Under gunicorn and Celery every process counts in its own file under
PROMETHEUS_MULTIPROC_DIR; /metrics adds them up, whichever process answers the scrape."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integrations.factories import ConnectorFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
COUNT_TWO_SETS = (
    "from integrations import metrics; "
    "metrics.edi_sets_counted([('856', 'accepted'), ('856', 'accepted')])"
)


def test_counts_of_other_processes_are_added_up_in_multiprocess_mode(client, tmp_path, monkeypatch):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _worker in range(2):  # two processes, as two Celery workers would be
        subprocess.run([sys.executable, "-c", COUNT_TWO_SETS], cwd=ROOT, env=env, check=True)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    ConnectorFactory(name="erp")

    response = client.get("/metrics")

    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }
    key = ("portal_edi_sets_total", (("result", "accepted"), ("transaction_set", "856")))
    assert samples[key] == 4
    # The outbox state is still read from the tables in this mode.
    assert samples[("portal_outbox_backlog", (("connector", "erp"),))] == 0
