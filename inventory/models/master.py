"""Items, units of measure and warehouses: the master data every document refers to."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class UnitOfMeasure(models.Model):
    class Kind(models.TextChoices):
        COUNT = "count", _("Count")
        MASS = "mass", _("Mass")
        VOLUME = "volume", _("Volume")
        LENGTH = "length", _("Length")

    code = models.CharField(max_length=10, unique=True, help_text="e.g. EA, CS, KG")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.COUNT)
    decimal_places = models.PositiveSmallIntegerField(
        default=0, help_text="Digits after the point a quantity may carry (0 for counts)."
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "unit of measure"
        verbose_name_plural = "units of measure"
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="count") | Q(decimal_places=0), name="uom_count_is_whole"
            ),
            models.CheckConstraint(condition=Q(decimal_places__lte=6), name="uom_max_6_places"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_count(self) -> bool:
        return self.kind == self.Kind.COUNT


class Item(models.Model):
    sku = models.CharField(max_length=40, unique=True)
    description = models.CharField(max_length=200)
    base_uom = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+")
    item_class = models.CharField(
        max_length=20, blank=True, help_text="Tolerance class for reconciliation, e.g. A/B/C."
    )
    is_serialized = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    erp_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["sku"]

    def __str__(self) -> str:
        return self.sku


class UomConversion(models.Model):
    """1 `from_uom` = `factor` × `to_uom`; item-specific when `item` is set, else global."""

    item = models.ForeignKey(
        Item, null=True, blank=True, on_delete=models.CASCADE, related_name="uom_conversions"
    )
    from_uom = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+")
    to_uom = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+")
    factor = models.DecimalField(max_digits=18, decimal_places=6)

    class Meta:
        ordering = ["item_id", "from_uom_id"]
        verbose_name = "UoM conversion"
        constraints = [
            models.UniqueConstraint(
                fields=["item", "from_uom", "to_uom"],
                condition=Q(item__isnull=False),
                name="uomconv_one_per_item_pair",
            ),
            models.UniqueConstraint(
                fields=["from_uom", "to_uom"],
                condition=Q(item__isnull=True),
                name="uomconv_one_per_global_pair",
            ),
            models.CheckConstraint(condition=Q(factor__gt=Decimal(0)), name="uomconv_factor_pos"),
            models.CheckConstraint(
                condition=~Q(from_uom=models.F("to_uom")), name="uomconv_distinct_units"
            ),
        ]

    def __str__(self) -> str:
        scope = self.item.sku if self.item is not None else "all items"
        return f"1 {self.from_uom} = {self.factor.normalize()} {self.to_uom} ({scope})"


class Warehouse(models.Model):
    class PositionsSource(models.TextChoices):
        AUTOMATIC = "", _("Automatic: the WMS when it has a WMS connector, else the ERP")
        WMS = "wms", _("WMS")
        ERP = "erp", _("ERP")

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, default="UTC")
    wms_connector = models.CharField(max_length=64, blank=True)
    is_active = models.BooleanField(default=True)
    # The source of record of the live positions (issue 22): one receipt both the WMS and
    # the ERP report is one receipt. The other family's movements are recorded, not
    # counted (`inventory.services.positions_source`).
    positions_source = models.CharField(
        max_length=3,
        choices=PositionsSource.choices,
        blank=True,
        default=PositionsSource.AUTOMATIC,
        help_text="Whose movements the live positions and ATP follow; the other "
        "source's are recorded in the ledger for reconciliation only. Changing it "
        "recomputes the warehouse's positions from the ledger.",
    )
    # How long goods may be in flight (an open ASN, a receipt or an adjustment that one
    # source shows and the other not yet) before a difference they explain is a case.
    in_flight_window_hours = models.PositiveIntegerField(
        default=24,
        help_text="Hours a difference explained by an ASN, a receipt or an adjustment may "
        "wait for the lagging source before it becomes an exception.",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def positions_family(self) -> str:
        """The source family ("wms" or "erp") whose movements change this warehouse's
        live positions. Automatic follows the WMS when the warehouse has a WMS connector.
        (`positions_source.positions_family_sql` says the same in SQL.)"""
        if self.positions_source:
            return self.positions_source
        return "wms" if self.wms_connector else "erp"
