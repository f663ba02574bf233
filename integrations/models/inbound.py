"""Inbound dedupe: one row per (source, external message id) already processed."""

from django.db import models


class InboundMessage(models.Model):
    """A message received from outside (an EDI interchange, a connector pull, an API call
    with an idempotency key). Recording it in the transaction that processes it makes a
    second delivery of the same message a no-op, and a rolled-back processing forgets it."""

    source = models.CharField(max_length=60)
    external_id = models.CharField(max_length=200)
    received_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="inbound_source_external"
            )
        ]
        indexes = [models.Index(fields=["received_at"], name="inbound_received")]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"
