"""The buyer's inbound schedule as a table (issue 24): one row per thing on its way.

The schedule is a UNION of ASN lines on their way, confirmed deliveries not yet shipped and
confirmed lines without deliveries, ordered by warehouse code, day, supplier code,
document and line: keys on three tables, so no index served it and every page sorted every
inbound line (~900 ms at 100,000 lines). This read model holds the same rows with their
keys side by side, so a page is a range read of `inbound_row_page` and the count an
index-only scan. It is derived data: `suppliers.services.inbound_rows` rewrites the rows of
the purchase orders a service changed, in that service's transaction, and can rebuild the
whole table; nothing else writes it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from suppliers.models.purchase_orders import PurchaseOrder, PurchaseOrderLine


class InboundRow(models.Model):
    class Kind(models.TextChoices):
        ASN = "asn", _("ASN")
        PO_LINE = "po_line", _("PO line")

    # What the row comes from; the rows of a PO are rewritten together (its status is
    # every row's state and membership), and go with its lines when they are deleted.
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="+")
    po_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.CASCADE, related_name="+")
    # Plain ids, not keys: the rows are rewritten by the services, and a key would make
    # every delete of an ASN or schedule line look here first.
    asn_line_id = models.BigIntegerField(null=True, blank=True)
    schedule_line_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The page's order.
    warehouse_code = models.CharField(max_length=20)
    day = models.DateField()
    supplier_code = models.CharField(max_length=20)
    document = models.CharField(max_length=40)
    po_line_no = models.PositiveIntegerField()
    # What the page shows besides.
    po_number = models.CharField(max_length=40)
    sku = models.CharField(max_length=40)
    quantity = models.DecimalField(max_digits=18, decimal_places=6)
    uom_code = models.CharField(max_length=10)
    state = models.CharField(max_length=20)
    at_risk = models.BooleanField(default=False)
    promised = models.DateField()

    class Meta:
        indexes = [
            models.Index(
                fields=["warehouse_code", "day", "supplier_code", "document", "po_line_no", "id"],
                name="inbound_row_page",
            ),
            models.Index(
                fields=["supplier_code", "warehouse_code", "day", "document", "po_line_no", "id"],
                name="inbound_row_supplier_page",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_code} {self.day} {self.document}/{self.po_line_no}"
