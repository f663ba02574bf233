"""The file channel's SQL check of the times (issue 22): the commonest shapes are checked
byte by byte, the others by the contract's pattern; either way the SQL accepts exactly the
times the contract's own check does, and the rows load with the instants they name."""

import datetime
import random

import pytest
from django.db import connection

from inventory.models import InventoryMovement
from inventory.resources.movement_files import TIME_REGEX, _time, movements_ingest_path
from inventory.resources.movements import _strict_time
from tests.inventory.movements import at
from tests.inventory.snapshots import items, warehouse

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="Only PostgreSQL reads files with COPY."
    ),
]


def sql_accepts(value: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_time('%(cell)s::text', 'textsend(%(cell)s::text)')}",
            {"cell": value, "time": TIME_REGEX},
        )
        (accepted,) = cursor.fetchone()
    return bool(accepted)


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-03T09:00:00Z",
        "2026-03-03T09:00:00+02:00",
        "2026-03-03T09:00:00-15:59",
        "2026-03-03T09:00:00+16:00",
        "2026-03-03T09:00:00+05:60",
        "2026-03-03T09:00:00.5Z",
        "2026-03-03T09:00:00.123456+01:00",
        "2026-03-03T09:00:00.1234567Z",
        "1900-01-01T00:00:00Z",
        "1899-12-31T23:59:59Z",
        "2099-12-31T23:59:59Z",
        "2100-01-01T00:00:00Z",
        "2024-02-29T12:00:00Z",
        "2026-02-29T12:00:00Z",
        "1900-02-29T12:00:00+01:00",
        "2000-02-29T12:00:00+01:00",
        "2026-04-31T12:00:00Z",
        "2026-03-31T23:59:59-05:30",
        "2026-00-10T12:00:00Z",
        "2026-13-10T12:00:00Z",
        "2026-03-00T12:00:00Z",
        "2026-03-32T12:00:00Z",
        "2026-03-03T24:00:00Z",
        "2026-03-03T09:60:00Z",
        "2026-03-03T09:00:60Z",
        "2026-03-03t09:00:00Z",
        "2026-03-03T09:00:00z",
        "2026-03-03 09:00:00Z",
        "2026-03-03T09:00:00",
        "2026-03-03T09:00:00+0200",
        "2026-03-03T09:00:00 +02:00",
        "2026-03-03T09:0a:00Z",
        "2026/03/03T09:00:00Z",
        "2026-03-03T09:00:0\u0661Z",  # an Arabic-Indic digit: 21 bytes
        "2026-03-03T09:00:\u0660Z",  # 20 characters, 21 bytes
        "2026-03-0\u00e9T09:00:00Z",  # 20 characters, 21 bytes
        "202\u00e9-03-03T09:00Z",  # 20 bytes, not ASCII
        "",
    ],
)
def test_the_sql_time_check_says_what_the_contract_check_says(value):
    assert sql_accepts(value) is _strict_time(value)


def test_the_sql_time_check_agrees_with_the_contract_on_two_thousand_near_misses():
    rng = random.Random(22)
    seeds = ["2026-03-31T23:59:59Z", "2024-02-29T00:00:00+15:59", "2000-12-01T19:09:09.9-01:30"]
    alphabet = "0123456789-:+.TZzt \u0661\u00e9"
    values = []
    for _ in range(2000):
        chars = list(rng.choice(seeds))
        for _ in range(rng.randint(1, 2)):
            spot = rng.randrange(len(chars))
            match rng.randint(0, 3):
                case 0 | 1 if chars[spot].isdigit():  # another digit: the ranges, the calendar
                    chars[spot] = rng.choice("0123456789")
                case 0 | 1:
                    chars[spot] = rng.choice(alphabet)
                case 2:
                    del chars[spot]
                case _:
                    chars.insert(spot, rng.choice(alphabet))
        values.append("".join(chars))

    disagree = [value for value in values if sql_accepts(value) is not _strict_time(value)]

    assert disagree == []
    assert 100 < sum(_strict_time(value) for value in values) < 1900  # both sides are tried


def test_rows_of_every_time_shape_load_with_their_instants_and_bad_ones_are_named(tmp_path):
    items("A")
    warehouse("DC2")
    path = tmp_path / "movements.csv"
    path.write_text(
        "source,source_event_id,sequence,kind,occurred_at,sku,warehouse,quantity,uom,"
        "recorded_at\n"
        "wms:DC2,T-1,1,receipt,2026-03-03T09:00:00Z,A,DC2,1,EA,2026-03-03T09:05:00+01:00\n"
        "wms:DC2,T-2,2,receipt,2026-03-03T11:00:00+02:00,A,DC2,1,EA,\n"
        "wms:DC2,T-3,3,receipt,2026-03-03T09:00:00.5Z,A,DC2,1,EA,2026-03-03T09:00:01Z\n"
        "wms:DC2,T-4,4,receipt,2024-02-29T08:30:00-00:30,A,DC2,1,EA,\n"
        "wms:DC2,T-5,5,receipt,2026-02-29T09:00:00Z,A,DC2,1,EA,\n"
        "wms:DC2,T-6,6,receipt,2026-03-03T24:00:00Z,A,DC2,1,EA,\n"
        "wms:DC2,T-7,7,receipt,2026-03-03T09:00:00Z,A,DC2,1,EA,2026-03-03T09:00:00+16:00\n"
    )

    result = movements_ingest_path(actor=None, path=path, channel="csv", now=at(500))

    # +16:00 keeps the contract but not the SQL fast pass: the contract's own check
    # takes that row, and it loads.
    assert [(line, name) for line, name, _ in result.errors] == [
        (6, "occurred_at"),
        (7, "occurred_at"),
    ]
    utc = datetime.UTC
    stored = InventoryMovement.objects.order_by("sequence").values_list(
        "source_event_id", "occurred_at", "recorded_at"
    )
    assert list(stored) == [
        (
            "T-1",
            datetime.datetime(2026, 3, 3, 9, 0, tzinfo=utc),
            datetime.datetime(2026, 3, 3, 8, 5, tzinfo=utc),
        ),
        (
            "T-2",
            datetime.datetime(2026, 3, 3, 9, 0, tzinfo=utc),
            datetime.datetime(2026, 3, 3, 9, 0, tzinfo=utc),
        ),
        (
            "T-3",
            datetime.datetime(2026, 3, 3, 9, 0, 0, 500000, tzinfo=utc),
            datetime.datetime(2026, 3, 3, 9, 0, 1, tzinfo=utc),
        ),
        (
            "T-4",
            datetime.datetime(2024, 2, 29, 9, 0, tzinfo=utc),
            datetime.datetime(2024, 2, 29, 9, 0, tzinfo=utc),
        ),
        (
            "T-7",
            datetime.datetime(2026, 3, 3, 9, 0, tzinfo=utc),
            datetime.datetime(2026, 3, 2, 17, 0, tzinfo=utc),
        ),
    ]
