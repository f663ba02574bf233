"""The evidence that goods are in flight between the ERP and the WMS, for reconciliation.

Two kinds from the portal's own documents, per item × warehouse, with a time and a
document:

- the stock movements inventory records itself (receipts and adjustments,
  `StockMovement`), read by SQL in `inventory.services.reconciliation_sql`;
- the goods on open ASNs (submitted, in transit, delayed, delivered and not all
  received). ASNs belong to the suppliers app, which inventory may not import (apps depend
  one way: suppliers → inventory). So suppliers registers a provider here at start-up
  (`suppliers/apps.py`), the same direction as its push of inbound figures into stock
  positions: inventory defines what it needs, the owner of the documents supplies it.

A third kind is read by SQL too: the ledger of movement events from the WMS and the ERP
(`InventoryMovement`, `reconciliation_sql.create_ledger`). Expected = the earlier count +
the movements recorded since it, of one source family at a time (the ERP's or the WMS's,
never their sum), so one physical movement both report is not counted twice. Every
recorded event is read, also those of the family a warehouse's live positions do not
follow (`inventory.services.positions_source`): they are the corroborating record.

A provider is asked only for the warehouses of one run, and answers with the open
quantities still expected, in the item's base unit: a few thousand rows, not one per
position.
"""

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class InboundEvidence:
    """Goods on their way to (or at the dock of) a warehouse, not received yet."""

    item_id: int
    warehouse_id: int
    quantity: Decimal  # still expected, in the item's base unit
    since: datetime.datetime  # when the document reached its current state
    document_type: str  # "asn"
    document_ref: str  # e.g. "ACME:ASN-1"
    status: str  # e.g. "delivered"


InboundProvider = Callable[[Sequence[int]], Iterable[InboundEvidence]]

_PROVIDERS: list[InboundProvider] = []


def inbound_provider_register(provider: InboundProvider) -> None:
    """Add a source of open inbound documents (once: registering again is a no-op, so a
    second `ready()` in tests adds nothing)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def inbound_evidence(warehouse_ids: Sequence[int]) -> list[InboundEvidence]:
    """Every registered provider's open inbound quantities for these warehouses."""
    if not warehouse_ids:
        return []
    return [row for provider in _PROVIDERS for row in provider(warehouse_ids) if row.quantity]
