"""Statements prepared once per connection (integrations/prepared_sql.py, issue 24): the
review queue's queries are planned once, not on every request, and answer as Django's own
cursor does."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.prepared_sql import prepared_cursor
from tests.suppliers.test_review_pages import _proposal

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite has no server-side prepared statements"
    ),
]

QUEUE = reverse("buyer:review_queue")


def _prepared_statements(fragment: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{fragment}%"],
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_statement_run_twice_is_prepared_once_on_the_connection():
    sql = "SELECT %s::int + 1 AS prepared_sql_probe_a"
    answers = []
    for value in (1, 41):
        with prepared_cursor() as cursor:
            cursor.execute(sql, [value])
            answers.append(cursor.fetchone()[0])

    assert answers == [2, 42]
    assert _prepared_statements("prepared_sql_probe_a") == [
        "SELECT $1::int + 1 AS prepared_sql_probe_a"
    ]


def test_with_the_setting_off_nothing_is_prepared(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    with prepared_cursor() as cursor:
        cursor.execute("SELECT %s::int AS prepared_sql_probe_b", [7])
        assert cursor.fetchone() == (7,)

    assert _prepared_statements("prepared_sql_probe_b") == []


def test_prepared_statements_are_seen_by_query_capture_and_return_aware_times():
    sql = "SELECT %s::timestamptz AS prepared_sql_probe_c"
    moment = datetime.datetime(2026, 12, 4, 9, 30, tzinfo=datetime.UTC)
    with CaptureQueriesContext(connection) as queries, prepared_cursor() as cursor:
        cursor.execute(sql, [moment])
        prepared = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute(sql, [moment])
        plain = cursor.fetchone()[0]

    assert [query["sql"] for query in queries.captured_queries] == [
        "SELECT $1::timestamptz AS prepared_sql_probe_c"
    ]
    assert prepared == plain == moment
    assert prepared.tzinfo is not None


def test_the_review_queue_plans_its_statements_once_across_requests(
    client, supplier, other_supplier, supplier_user, outsider, buyer
):
    _proposal(supplier, supplier_user, "PO-PREP-1")
    _proposal(other_supplier, outsider, "PO-PREP-2")
    client.force_login(buyer)

    first = client.get(QUEUE)
    second = client.get(QUEUE)

    assert first.status_code == second.status_code == 200
    assert [row["id"] for row in first.context["page"].object_list] == [
        row["id"] for row in second.context["page"].object_list
    ]
    assert "PO-PREP-1" in first.content.decode()
    assert "PO-PREP-2" in first.content.decode()
    # The page's proposals and their lines: one prepared statement each, reused.
    assert len(_prepared_statements('FROM "suppliers_acknowledgmentline"')) == 1
    assert len(_prepared_statements('"suppliers_acknowledgment"."submitted_at"')) >= 1


def test_djangos_own_statements_stay_unprepared_on_a_connection_that_prepares():
    with prepared_cursor() as cursor:
        cursor.execute("SELECT %s::int AS prepared_sql_probe_d", [1])
    for _ in range(10):
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::int AS prepared_sql_probe_e", [2])

    assert _prepared_statements("prepared_sql_probe_d") == [
        "SELECT $1::int AS prepared_sql_probe_d"
    ]
    assert _prepared_statements("prepared_sql_probe_e") == []
