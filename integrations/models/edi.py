"""EDI X12 traffic: every file received (its bytes, whatever they are), every interchange
received or sent, its transaction sets with their parse and mapping results, and our own
control-number counters (issues 10 and 17).

Trading partners live in `suppliers` (they belong to a supplier); these rows refer to a
partner by its code only, so `integrations` imports no domain app (DESIGN §2).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EdiControlNumber(models.Model):
    """The last control number we used in one scope ("ISA:ZZ:OURID", "GS:OURID", "ST").
    Allocated under a row lock so two workers never send the same ISA13."""

    scope = models.CharField(max_length=60, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.scope}={self.last_value}"


class EdiFile(models.Model):
    """One inbound file exactly as it arrived, readable or not: its bytes (in chunks, so a
    file of any size is stored and read back without holding it in memory), size and
    SHA-256. Its interchanges point into it by byte offset."""

    file_name = models.CharField(max_length=255, blank=True)
    partner_code = models.CharField(max_length=40, blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    encoding = models.CharField(
        max_length=10, default="utf-8", help_text="utf-8, else latin-1 (never fails)."
    )
    received_at = models.DateTimeField(db_index=True)
    findings = models.JSONField(
        default=list, blank=True, help_text="What belongs to no interchange (text outside one)."
    )

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name or 'file'} ({self.size} bytes)"


class EdiFileChunk(models.Model):
    """One piece of a stored file, in order. Bytes, not text: a file may hold anything,
    NUL included, which a text column refuses."""

    file = models.ForeignKey(EdiFile, on_delete=models.CASCADE, related_name="chunks")
    sequence = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["file_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["file", "sequence"], name="edi_file_chunk_order")
        ]

    def __str__(self) -> str:
        return f"{self.file_id}#{self.sequence}"


class EdiInterchange(models.Model):
    """One ISA … IEA, inbound (a partner's file) or outbound (our 850 or 997)."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Received")
        OUTBOUND = "outbound", _("Sent")

    class Status(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        ACCEPTED = "accepted", _("Accepted")
        PARTIALLY_ACCEPTED = "partially_accepted", _("Accepted with errors")
        REJECTED = "rejected", _("Rejected")
        DUPLICATE = "duplicate", _("Duplicate (acknowledged again)")
        UNREADABLE = "unreadable", _("Unreadable")
        GENERATED = "generated", _("Generated")
        SENT = "sent", _("Sent")

    # Inbound statuses that an operator may reprocess after fixing a partner mapping.
    REPROCESSABLE = frozenset({Status.REJECTED, Status.PARTIALLY_ACCEPTED})

    direction = models.CharField(max_length=10, choices=Direction.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    partner_code = models.CharField(max_length=40, blank=True, db_index=True)
    sender_qualifier = models.CharField(max_length=2, blank=True)
    sender_id = models.CharField(max_length=15, blank=True)
    receiver_qualifier = models.CharField(max_length=2, blank=True)
    receiver_id = models.CharField(max_length=15, blank=True)
    control_number = models.CharField(max_length=9, blank=True)
    usage = models.CharField(max_length=1, blank=True, help_text="P production, T test.")
    file_name = models.CharField(max_length=255, blank=True)
    raw = models.TextField(
        blank=True,
        help_text="The interchange as sent; a received one is read from its file (`file`).",
    )
    file = models.ForeignKey(
        EdiFile,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="interchanges",
        help_text="The file it came in (inbound).",
    )
    file_offset = models.PositiveBigIntegerField(null=True, blank=True)
    file_length = models.PositiveBigIntegerField(null=True, blank=True)
    # "<ISA05>:<ISA06>:<ISA13>" of an inbound interchange that was processed: the same key
    # again within settings.EDI_DUPLICATE_WINDOW_DAYS is a resend.
    dedupe_key = models.CharField(max_length=40, blank=True, default="")
    sets_total = models.PositiveIntegerField(default=0)
    sets_done = models.PositiveIntegerField(default=0, help_text="Committed so far.")
    errors = models.JSONField(
        default=list, blank=True, help_text="Interchange and group findings, in words."
    )
    summary = models.CharField(max_length=300, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resends"
    )
    # Inbound: the 997 we answered with (the latest one after a reprocess).
    acknowledgment = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="acknowledges"
    )
    # Outbound: the event that produced it (a redelivery finds it and resends the same text).
    event_id = models.UUIDField(null=True, blank=True)
    document_kind = models.CharField(max_length=10, blank=True, help_text="850, 997 …")
    document_ref = models.CharField(max_length=64, blank=True, help_text="e.g. the PO number.")
    created_at = models.DateTimeField(db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reprocess_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id"], condition=Q(event_id__isnull=False), name="edi_event_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["direction", "sender_id", "receiver_id", "control_number"],
                name="edi_interchange_key",
            ),
            models.Index(fields=["status", "-created_at"], name="edi_status_recent"),
            models.Index(fields=["dedupe_key", "created_at"], name="edi_dedupe_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} ISA {self.control_number} ({self.partner_code})"

    @property
    def can_reprocess(self) -> bool:
        return self.direction == self.Direction.INBOUND and self.status in self.REPROCESSABLE

    @property
    def progress_percent(self) -> int:
        return 100 * self.sets_done // self.sets_total if self.sets_total else 100


class EdiTransactionSet(models.Model):
    """One ST … SE of an interchange with what became of it."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        DUPLICATE = "duplicate", _("Duplicate (not processed again)")
        GENERATED = "generated", _("Generated")

    interchange = models.ForeignKey(
        EdiInterchange, on_delete=models.CASCADE, related_name="transaction_sets"
    )
    sequence = models.PositiveIntegerField(help_text="Order in the interchange.")
    functional_id = models.CharField(max_length=2, blank=True)
    group_control_number = models.CharField(max_length=9, blank=True)
    version = models.CharField(max_length=12, blank=True)
    set_id = models.CharField(max_length=3)
    control_number = models.CharField(max_length=9)
    status = models.CharField(max_length=20, choices=Status.choices)
    syntax_errors = models.JSONField(default=list, blank=True)
    rejection = models.TextField(blank=True, help_text="Why the mapping refused it.")
    result = models.JSONField(default=dict, blank=True, help_text="What the mapping did.")
    documents = models.JSONField(
        default=list, blank=True, help_text="[{type, id, label, url}] of resulting documents."
    )
    first_segment = models.PositiveIntegerField(null=True, blank=True)
    last_segment = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["interchange_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["interchange", "sequence"], name="edi_set_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.set_id} {self.control_number} ({self.status})"
