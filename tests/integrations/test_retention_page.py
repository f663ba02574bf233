"""The operator's retention page (issue 18): each retained table's size and what the last
purge removed, per rule."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations.models import ApiRequestLog
from integrations.services.retention import retention_purge

pytestmark = pytest.mark.django_db

URL = reverse("integrations:retention")


def old_request_logs(count: int, *, days: int) -> None:
    at = timezone.now() - datetime.timedelta(days=days)
    ApiRequestLog.objects.bulk_create(
        ApiRequestLog(at=at, method="GET", path="/", status_code=200, request_id="r")
        for _ in range(count)
    )


def test_the_retention_page_is_closed_to_suppliers_outsiders_and_buyers(
    client, supplier_user, outsider, buyer
):
    for user in (supplier_user, outsider, buyer):
        client.force_login(user)
        assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


def test_before_any_purge_the_page_says_none_has_run_and_shows_the_table_sizes(
    client, operator, settings
):
    settings.API_REQUEST_LOG_DAYS = 90
    old_request_logs(3, days=1)
    client.force_login(operator)

    response = client.get(URL)

    page = response.content.decode()
    rows = {row.name: row for row in response.context["rules"]}
    assert response.status_code == 200
    assert "No purge has run yet." in page
    assert rows["api_request_log"].kept_for == "90 days"
    assert rows["api_request_log"].removed is None
    assert [t.table for t in rows["outbox"].tables] == [
        "integrations_event",
        "integrations_delivery",
        "integrations_deliveryattempt",
    ]
    # A table never analysed has no estimate yet (pg_class says -1): counted exactly.
    request_log = rows["api_request_log"].tables[0]
    assert (request_log.rows, request_log.estimated) == (3, False)


@pytest.mark.postgres
def test_on_postgresql_an_analysed_table_shows_the_planner_estimate(client, operator):
    if connection.vendor != "postgresql":
        pytest.skip("pg_class estimates are PostgreSQL's")
    old_request_logs(3, days=1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE integrations_apirequestlog")
    client.force_login(operator)

    response = client.get(URL)

    rows = {row.name: row for row in response.context["rules"]}
    request_log = rows["api_request_log"].tables[0]
    assert (request_log.rows, request_log.estimated) == (3, True)
    assert "≈ 3" in response.content.decode()


def test_after_a_purge_the_page_shows_when_and_the_rows_removed_per_rule(
    client, operator, settings
):
    settings.API_REQUEST_LOG_DAYS = 1
    settings.API_IDEMPOTENCY_HOURS = 36
    old_request_logs(4, days=2)
    old_request_logs(1, days=0)
    retention_purge(actor=operator)
    client.force_login(operator)

    response = client.get(URL)

    page = response.content.decode()
    rows = {row.name: row for row in response.context["rules"]}
    run = response.context["last_purge"]
    assert (run.total, run.rows["api_request_log"], run.actor_label) == (4, 4, str(operator))
    assert rows["api_request_log"].removed == 4
    assert rows["idempotency"].kept_for == "36 hours"
    assert rows["outbox"].removed == 0
    assert "<strong>4</strong> rows removed" in page
    assert f"{run.at:%Y-%m-%d %H:%M:%S}" in page


def test_the_page_costs_the_same_few_queries_whatever_the_tables_hold(client, operator):
    client.force_login(operator)
    client.get(URL)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as empty:
        client.get(URL)
    old_request_logs(50, days=400)
    retention_purge(actor=None)
    with CaptureQueriesContext(connection) as full:
        client.get(URL)

    assert len(full) == len(empty)


def test_the_operator_navigation_links_to_the_retention_page(client, operator):
    client.force_login(operator)

    page = client.get(reverse("integrations:connector_list")).content.decode()

    assert f'href="{URL}"' in page
