"""The purchase-order counts the PO lists show, kept exact under versions (issue 24).

Each supplier's POs are one scope (`supplier_scope`): its inbox counters and status counts
(`suppliers.selectors.acknowledgments.supplier_inbox`). Every PO is another (`ALL_SCOPE`):
the buyer's all-POs list count per filter, and the list pages' supplier filter (every
supplier's code and name). `suppliers.services.purchase_order_counts` replaces the
versions on every write of a PO's status, supplier, `ack_due_at` or existence, and of a
supplier (its signals on any save or delete), so what is kept is exact
(`integrations.versioned_counts`: only with a cache shared by every process,
`PO_COUNT_CACHE_SECONDS` overrides).
"""

from integrations.versioned_counts import VersionedCounts
from suppliers.selectors.purchase_orders import suppliers_for_filter

PO_COUNTS = VersionedCounts("suppliers.po_counts", setting="PO_COUNT_CACHE_SECONDS")

# The scope of every PO and supplier: the buyer's list counts, the supplier filter.
ALL_SCOPE = "all"
SUPPLIER_FILTER = "supplier-filter"


def supplier_scope(supplier_id: int) -> str:
    """The scope of one supplier's POs: its inbox counters."""
    return f"supplier:{supplier_id}"


def supplier_filter_rows() -> tuple[tuple[str, str], ...]:
    """(code, name) of every supplier by code, the list pages' supplier filter."""
    return tuple(suppliers_for_filter().values_list("code", "name"))


def filter_supplier_rows() -> tuple[tuple[str, str], ...]:
    """`supplier_filter_rows`, kept under the version of every PO and supplier: 250 rows
    were read on every buyer list page."""
    return PO_COUNTS.get(ALL_SCOPE, SUPPLIER_FILTER, supplier_filter_rows)
