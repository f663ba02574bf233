"""Reconciliation runs (what each run compared and found) and the nightly schedule that
an admin sets."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReconciliationRun(models.Model):
    """One reconciliation: queued → running → done | failed (the table of moves is
    `RECONCILIATION_RUN` in inventory/services/reconciliation.py)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    FINISHED = frozenset({Status.DONE, Status.FAILED})

    warehouse_code = models.CharField(
        max_length=20, blank=True, help_text="Scope: one warehouse, or empty for all."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    step = models.CharField(max_length=120, blank=True)
    trigger = models.CharField(max_length=20, default="manual", help_text="manual, nightly, cli.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    positions_compared = models.PositiveIntegerField(default=0)
    discrepancies = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text="Differences by class.")
    by_warehouse = models.JSONField(
        default=dict, blank=True, help_text="{code: {positions, discrepancies, classes}}."
    )
    opened = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    auto_resolved = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="recon_run_recent")]

    def __str__(self) -> str:
        return f"Reconciliation #{self.pk} {self.warehouse_code or 'all warehouses'}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def duration(self) -> datetime.timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def discrepancy_rate(self) -> float:
        return self.discrepancies / self.positions_compared if self.positions_compared else 0.0


class ReconciliationSchedule(models.Model):
    """The nightly run's time, set by an admin. One row (pk 1); beat checks it every few
    minutes, so changing the time needs no restart of beat."""

    enabled = models.BooleanField(default=True)
    run_at = models.TimeField(default=datetime.time(2, 0), help_text="Local time (TIME_ZONE).")
    last_run_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "reconciliation schedule"

    def __str__(self) -> str:
        return f"Nightly reconciliation at {self.run_at:%H:%M}" + ("" if self.enabled else " (off)")

    @classmethod
    def get(cls) -> "ReconciliationSchedule":
        return cls.objects.get_or_create(pk=1)[0]
