"""Snapshot lines partitioned by snapshot on PostgreSQL (see
`inventory.models.snapshots.snapshot_lines_partition`).

The Django model is unchanged; only the PostgreSQL table becomes a LIST-partitioned
parent with a DEFAULT partition, and existing lines move to one partition per snapshot.
SQLite keeps its single table.
"""

from django.db import migrations

PARENT = "inventory_inventorysnapshotline"
OLD = f"{PARENT}_unpartitioned"


def _partition(snapshot_id: int) -> str:
    # Spelled out here rather than imported: a migration must not change when app code does.
    return f"inventory_snapshotlines_{int(snapshot_id)}"


def partition(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {PARENT} RENAME TO {OLD}")
        cursor.execute(f"ALTER TABLE {OLD} RENAME CONSTRAINT {PARENT}_pkey TO {OLD}_pkey")
        # Same columns, types and constraint names as Django created them: a partition is
        # attached only if it carries every one of them under the same name.
        cursor.execute(
            f"""CREATE TABLE {PARENT} (
                quantity numeric(18, 6) NOT NULL,
                line_no integer NOT NULL CONSTRAINT {PARENT}_line_no_check CHECK (line_no >= 0),
                item_id bigint NOT NULL,
                snapshot_id bigint NOT NULL,
                CONSTRAINT snapshotline_line_pos CHECK (line_no > 0),
                CONSTRAINT {PARENT}_pkey PRIMARY KEY (snapshot_id, item_id)
            ) PARTITION BY LIST (snapshot_id)"""
        )
        cursor.execute(f"CREATE TABLE {PARENT}_default PARTITION OF {PARENT} DEFAULT")
        cursor.execute(f"SELECT DISTINCT snapshot_id FROM {OLD}")
        for (snapshot_id,) in cursor.fetchall():
            cursor.execute(
                f"CREATE TABLE {_partition(snapshot_id)} PARTITION OF {PARENT} "
                f"FOR VALUES IN ({int(snapshot_id)})"
            )
        cursor.execute(
            f"INSERT INTO {PARENT} (quantity, line_no, item_id, snapshot_id) "
            f"SELECT quantity, line_no, item_id, snapshot_id FROM {OLD}"
        )
        cursor.execute(f"DROP TABLE {OLD}")


def unpartition(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"""CREATE TABLE {OLD} (
                quantity numeric(18, 6) NOT NULL,
                line_no integer NOT NULL CHECK (line_no >= 0),
                item_id bigint NOT NULL,
                snapshot_id bigint NOT NULL,
                CONSTRAINT snapshotline_line_pos_old CHECK (line_no > 0),
                CONSTRAINT {OLD}_pkey PRIMARY KEY (snapshot_id, item_id)
            )"""
        )
        cursor.execute(
            f"INSERT INTO {OLD} SELECT quantity, line_no, item_id, snapshot_id FROM {PARENT}"
        )
        cursor.execute(f"DROP TABLE {PARENT}")  # and every partition with it
        cursor.execute(f"ALTER TABLE {OLD} RENAME TO {PARENT}")
        cursor.execute(f"ALTER TABLE {PARENT} RENAME CONSTRAINT {OLD}_pkey TO {PARENT}_pkey")
        cursor.execute(
            f"ALTER TABLE {PARENT} "
            "RENAME CONSTRAINT snapshotline_line_pos_old TO snapshotline_line_pos"
        )
        cursor.execute(
            f"ALTER TABLE {PARENT} RENAME CONSTRAINT {OLD}_line_no_check TO {PARENT}_line_no_check"
        )


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_stock_snapshots_reconciliation")]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
