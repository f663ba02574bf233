"""Stock snapshots from the ERP or the WMS: what a source said it had, per item, at one
time in one warehouse. Lines are written set-based by `inventory.services.snapshots`."""

from django.conf import settings
from django.db import connections, models
from django.db.models import Q
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from inventory.models.master import Item, Warehouse


class InventorySnapshot(models.Model):
    class Source(models.TextChoices):
        ERP = "erp", _("ERP")
        WMS = "wms", _("WMS")

    class Status(models.TextChoices):
        LOADED = "loaded", _("Loaded")
        LOADED_WITH_ERRORS = "loaded_with_errors", _("Loaded with errors")
        FAILED = "failed", _("Failed")

    source = models.CharField(max_length=3, choices=Source.choices)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="snapshots")
    taken_at = models.DateTimeField()
    file_name = models.CharField(max_length=255, blank=True)
    # A partial snapshot (a pull of some items) holds only the items it names: it replaces
    # the figures of those items and leaves the latest full snapshot the basis for others.
    partial = models.BooleanField(default=False)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the file as received.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.LOADED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_loaded = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    error_counts = models.JSONField(default=dict, blank=True, help_text="Rejected rows by kind.")
    errors = models.JSONField(
        default=list, blank=True, help_text="The first rejected rows: line, kind, value, message."
    )
    duration_ms = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_at", "-id"]
        constraints = [
            # The same snapshot twice is refused (see inventory.services.snapshots): it would
            # otherwise count the same stock twice in history.
            models.UniqueConstraint(
                fields=["source", "warehouse", "taken_at"], name="snapshot_unique_time"
            ),
        ]
        indexes = [
            models.Index(fields=["warehouse", "source", "-taken_at"], name="snapshot_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.warehouse.code} @ {self.taken_at:%Y-%m-%d %H:%M}"

    @property
    def is_usable(self) -> bool:
        return self.status != self.Status.FAILED


def snapshot_lines_partition(snapshot_id: int) -> str:
    """The table holding one snapshot's lines on PostgreSQL.

    There the lines table is partitioned by LIST (snapshot_id), one partition per
    snapshot: ingest builds it in bulk (CREATE TABLE AS, then its primary key in one
    sort) and attaches it, which costs a fraction of a million single-row inserts into
    one shared index; dropping a snapshot's lines is dropping its table. Rows written any
    other way land in the DEFAULT partition. SQLite (the embedded demo) keeps one table.
    """
    return f"inventory_snapshotlines_{int(snapshot_id)}"


class InventorySnapshotLine(models.Model):
    """One item's quantity in a snapshot, in the item's base unit (converted exactly at
    ingest). Keyed by (snapshot, item): no surrogate id on a table of millions of rows.
    Partitioned per snapshot on PostgreSQL (see `snapshot_lines_partition`)."""

    pk = models.CompositePrimaryKey("snapshot_id", "item_id")
    # No database foreign keys: checking two of them per row made a million-line ingest
    # ~20× slower. Ingest only writes items found by its join and its own snapshot;
    # Django still cascades snapshot deletes and protects items (on_delete below).
    snapshot = models.ForeignKey(
        InventorySnapshot,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the primary key starts with it
    )
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    quantity = models.DecimalField(max_digits=18, decimal_places=6)
    line_no = models.PositiveIntegerField(help_text="Line of the source file.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(line_no__gt=0), name="snapshotline_line_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id}/{self.item_id}"


class InventorySnapshotIssue(models.Model):
    """One row of a snapshot's file that was rejected or flagged at ingest: the complete
    error report of the snapshot (the snapshot's `errors` keeps only the first rows for
    its page). Reconciliation reads the master-data ones (unknown SKU or unit, inexact
    conversion, conflicting duplicates) to open their cases and to leave the item out of
    the comparison."""

    snapshot = models.ForeignKey(InventorySnapshot, on_delete=models.CASCADE, related_name="issues")
    line_no = models.PositiveIntegerField()
    kind = models.CharField(max_length=30)
    # The item when the SKU is known (an unknown unit, an inexact conversion, a duplicate).
    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    sku = models.CharField(max_length=200, blank=True)
    uom = models.CharField(max_length=60, blank=True)
    quantity = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["snapshot_id", "line_no", "kind"]
        indexes = [models.Index(fields=["snapshot", "line_no"], name="snapshot_issue_line")]

    def __str__(self) -> str:
        return f"{self.snapshot_id}:{self.line_no} {self.kind}"


@receiver(pre_delete, sender=InventorySnapshot)
def _drop_lines_partition(sender, instance: InventorySnapshot, using: str, **kwargs) -> None:
    # Deleting a snapshot drops its partition at once, where the cascade would delete a
    # million rows one by one (and then leave an empty table behind). In the deleting
    # transaction, so a rollback brings it back.
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {snapshot_lines_partition(instance.pk)}")
