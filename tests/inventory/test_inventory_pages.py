"""Inventory pages: internal users only, constant query counts, the reconciliation run
started from the page with its progress bar, snapshot error reports."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.models import ExceptionCase
from inventory.models import ReconciliationRun
from inventory.services.reconciliation import reconcile
from tests.inventory.snapshots import ingest, items, later, warehouse

pytestmark = pytest.mark.django_db


def queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "name",
    ["inventory:dashboard", "inventory:positions", "inventory:snapshots", "inventory:run_list"],
)
def test_supplier_users_cannot_open_inventory_pages(client, supplier_user, outsider, name):
    for user in (supplier_user, outsider):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 403


def test_the_positions_page_runs_the_same_queries_for_3_and_60_positions(client, buyer):
    client.force_login(buyer)
    dc1 = warehouse()
    skus = [f"P{n:03d}" for n in range(60)]
    items(*skus)
    ingest("erp", dc1, [(sku, 5) for sku in skus[:3]])
    ingest("wms", dc1, [(sku, 4) for sku in skus[:3]])
    few = queries(client, reverse("inventory:positions"), warehouse="DC1")

    ingest("erp", dc1, [(sku, 5) for sku in skus], taken_at=later(1))
    ingest("wms", dc1, [(sku, 4) for sku in skus], taken_at=later(1))
    many = queries(client, reverse("inventory:positions"), warehouse="DC1")

    assert few == many


def test_the_positions_page_shows_both_sources_side_by_side(client, buyer):
    client.force_login(buyer)
    dc1 = warehouse()
    items("A")
    ingest("erp", dc1, [("A", 5)])
    ingest("wms", dc1, [("A", 4)])

    rows = list(client.get(reverse("inventory:positions")).context["page"].object_list)

    assert [(r["item__sku"], r["quantity"], r["other_qty"]) for r in rows] == [("A", 5, 4)]


def test_the_dashboard_and_runs_pages_run_the_same_queries_after_1_and_6_runs(client, operator):
    client.force_login(operator)
    dc1 = warehouse()
    items("A")
    ingest("erp", dc1, [("A", 5)])
    ingest("wms", dc1, [("A", 4)])
    reconcile(actor=None)
    few = [queries(client, reverse(name)) for name in ("inventory:dashboard", "inventory:run_list")]

    for _ in range(5):
        reconcile(actor=None)
    many = [
        queries(client, reverse(name)) for name in ("inventory:dashboard", "inventory:run_list")
    ]

    assert few == many
    assert "<svg" in client.get(reverse("inventory:dashboard")).content.decode()


def test_running_from_the_page_reconciles_and_the_progress_bar_reports_the_result(
    client, operator, django_capture_on_commit_callbacks, eager_tasks
):
    client.force_login(operator)
    dc1 = warehouse()
    items("A")
    ingest("erp", dc1, [("A", 5)])
    ingest("wms", dc1, [("A", 4)])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("inventory:run_start"), HTTP_HX_REQUEST="true")

    assert response.status_code == 202
    run = ReconciliationRun.objects.get()
    assert 'hx-trigger="every 1s"' in response.content.decode()  # queued when rendered
    progress = client.get(reverse("inventory:run_progress", args=[run.pk]))
    assert 'hx-trigger="every 1s"' not in progress.content.decode()  # done: polling stops
    assert "1 exceptions opened" in progress.content.decode()
    assert ExceptionCase.objects.get().subject_key == "A@DC1"
    assert run.requested_by == operator


def test_the_snapshot_page_lists_rejected_rows_and_offers_them_as_csv(client, buyer):
    client.force_login(buyer)
    items("A")
    snapshot = ingest("wms", warehouse(), [("A", 1), ("GHOST", 2)]).snapshot

    page = client.get(reverse("inventory:snapshot_detail", args=[snapshot.pk]))
    report = client.get(reverse("inventory:snapshot_detail", args=[snapshot.pk]), {"format": "csv"})

    assert "No item has this SKU." in page.content.decode()
    assert b"".join(report.streaming_content).decode().splitlines() == [
        "line,kind,sku,uom,quantity,message",
        "3,unknown_sku,GHOST,EA,2,No item has this SKU.",
    ]
