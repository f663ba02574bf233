"""What a supplier says it has available to ship us, per supplier item."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from integrations.models import Channel
from suppliers.models.suppliers import SupplierItem


class SupplierAvailability(models.Model):
    """The latest availability post for one supplier item (history is in the audit log
    and the `inventory.availability_reported` events). Quantity is in the supplier
    item's unit. A post older than the supplier's freshness window is stale."""

    supplier_item = models.OneToOneField(
        SupplierItem, on_delete=models.CASCADE, related_name="availability"
    )
    qty_available = models.DecimalField(max_digits=18, decimal_places=6)
    available_date = models.DateField(
        null=True, blank=True, help_text="When more (or any) becomes available."
    )
    as_of = models.DateTimeField(help_text="When the supplier counted it.")
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.PORTAL)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "supplier availability"
        constraints = [
            models.CheckConstraint(condition=Q(qty_available__gte=0), name="availability_nonneg"),
        ]
        indexes = [models.Index(fields=["as_of"], name="availability_as_of")]

    def __str__(self) -> str:
        return f"{self.supplier_item} {self.qty_available.normalize()} @ {self.as_of:%Y-%m-%d}"

    def is_stale(self, *, now: datetime.datetime, freshness_hours: int) -> bool:
        return self.as_of < now - datetime.timedelta(hours=freshness_hours)
