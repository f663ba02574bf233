"""The warehouse a read endpoint of the inventory API names (`?warehouse=…`): an active
one, as the position page requires (issue 22), or a 404 that says which of the two it is
not: unknown, or known but inactive (its figures are not kept up)."""

from rest_framework import exceptions

from inventory.models import Warehouse


def active_warehouse_or_404(code: str) -> Warehouse:
    """The active warehouse with this code; NotFound naming the problem otherwise."""
    warehouse = Warehouse.objects.filter(code=code).first()
    if warehouse is None:
        raise exceptions.NotFound(f"No warehouse has code {code!r}: check the code.")
    if not warehouse.is_active:
        raise exceptions.NotFound(
            f"Warehouse {code!r} is not active: the portal serves figures for active "
            "warehouses only."
        )
    return warehouse
