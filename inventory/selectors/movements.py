"""Reads of inventory movements and live positions (issue 22): constant query counts."""

import datetime

from django.db.models import QuerySet

from inventory.models import LivePosition


def live_positions(
    *,
    warehouse_code: str = "",
    updated_since: datetime.datetime | None = None,
    after_id: int = 0,
    limit: int = 500,
) -> list[LivePosition]:
    """One page of live positions in id order (keyset: pass the last id as `after_id`),
    of one warehouse and changed since a time when given; one query."""
    rows: QuerySet[LivePosition] = LivePosition.objects.select_related("item", "warehouse")
    if warehouse_code:
        rows = rows.filter(warehouse__code=warehouse_code)
    if updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    return list(rows.filter(pk__gt=after_id).order_by("pk")[:limit])
