"""What the ERP connector remembers between calls: which documents it owns (routing
rules), how far each pull has read (cursors), the buyer's short-receipt rule per
supplier, the confirmed schedule it last wrote per PO line (target state), and how the
ERP answered last (transport health).

Suppliers and warehouses are referred to by code: `integrations` imports no domain app
(DESIGN §2).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from integrations.models.outbox import Connector


class ErpRoutingRule(models.Model):
    """Whether a document goes to this ERP connector, by origin, supplier and warehouse.

    Rules are tried by `position`; the first that matches decides. A blank supplier or
    warehouse code matches any. With no matching rule, a document goes to the ERP only
    when it came from that ERP (origin `erp`), so a seeded or imported PO never becomes
    a dead letter "Tryton has no purchase numbered …"."""

    class Origin(models.TextChoices):
        ERP = "erp", _("came from this ERP")
        OTHER = "other", _("seeded, imported or from another system")
        ANY = "any", _("any origin")

    class Action(models.TextChoices):
        SEND = "send", _("send to the ERP")
        SKIP = "skip", _("do not send (delivered as skipped)")

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="routing_rules")
    position = models.PositiveSmallIntegerField(default=100)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.ANY)
    supplier_code = models.CharField(max_length=40, blank=True)
    warehouse_code = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["connector", "position", "pk"]

    def __str__(self) -> str:
        who = " ".join(
            part
            for part in (
                f"origin {self.origin}",
                f"supplier {self.supplier_code}" if self.supplier_code else "",
                f"warehouse {self.warehouse_code}" if self.warehouse_code else "",
            )
            if part
        )
        return f"{self.position}: {who} → {self.action}"

    def matches(self, *, origin: str, supplier_code: str, warehouse_code: str) -> bool:
        return (
            self.origin in (self.Origin.ANY, origin)
            and self.supplier_code in ("", supplier_code)
            and self.warehouse_code in ("", warehouse_code)
        )


class ErpPullCursor(models.Model):
    """The ERP's own `write_date` up to which a pull stream has read; the next pull asks
    for changes since `position - overlap` (clocks and long transactions on the ERP side
    commit late: re-reading a few minutes is cheap, inbound dedupe makes it a no-op)."""

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="pull_cursors")
    stream = models.CharField(max_length=30)  # "purchases", "receipts"
    position = models.DateTimeField(null=True, blank=True)
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_read = models.PositiveIntegerField(default=0)
    full_resync_requested = models.BooleanField(default=False)
    # ERP ids refused last time (unknown master data): read again on every pull until
    # they import, however old their stamp.
    retry_ids = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connector", "stream"], name="erp_pull_cursor_unique")
        ]

    def __str__(self) -> str:
        return f"{self.connector_id} {self.stream} @ {self.position}"


class ErpShortReceiptRule(models.Model):
    """What a short receipt means for a supplier's PO line, set by the buyer: the rest
    stays open on both sides (the supplier ships it later) or Tryton's backorder is
    cancelled and the portal line closes, so both systems agree."""

    class Rule(models.TextChoices):
        KEEP_OPEN = "keep_open", _("keep the remainder open on both sides")
        CANCEL_BACKORDER = "cancel_backorder", _("cancel the ERP backorder and close the line")

    connector = models.ForeignKey(
        Connector, on_delete=models.CASCADE, related_name="short_receipt_rules"
    )
    supplier_code = models.CharField(max_length=40, blank=True, help_text="Blank: every supplier.")
    rule = models.CharField(max_length=20, choices=Rule.choices)
    set_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connector", "supplier_code"], name="erp_short_receipt_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.supplier_code or '*'}: {self.rule}"


class ErpLineTarget(models.Model):
    """The confirmed schedule last written to the ERP for one PO line, and the event that
    wrote it: an ASN cancelled or changed later puts the line's waiting moves back to it."""

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="line_targets")
    erp_line_id = models.CharField(max_length=64)
    po_number = models.CharField(max_length=60)
    line_no = models.PositiveIntegerField()
    schedule = models.JSONField(default=list)  # [{"quantity": "10", "date": "2026-12-10"}]
    # The cancelled moves the connector itself made for what the supplier will not
    # deliver (not a cancellation by the buyer in Tryton).
    cut_move_ids = models.JSONField(default=list)
    event_id = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connector", "erp_line_id"], name="erp_line_target_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.po_number}/{self.line_no}"


class ErpTransportHealth(models.Model):
    """How the ERP answered the connector last, in words an operator can act on."""

    class State(models.TextChoices):
        OK = "ok", _("answering")
        UNAVAILABLE = "unavailable", _("answering HTTP 503 (restarting or overloaded)")
        UNREACHABLE = "unreachable", _("connection refused or timed out")
        SESSION = "session", "session lost: logged in again"
        REFUSED = "refused", "login refused (user or password)"
        ERROR = "error", "server error"

    connector = models.OneToOneField(
        Connector, on_delete=models.CASCADE, primary_key=True, related_name="erp_health"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.OK)
    detail = models.CharField(max_length=300, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    relogins = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.connector_id}: {self.state}"
