"""What every supplier endpoint needs: the supplier of the calling key."""

from rest_framework import exceptions

from integrations.models import ApiKey
from suppliers.models import Supplier


def supplier_of(request) -> Supplier:
    """The supplier the request's key belongs to (cached on the request). Scope checks
    have already refused internal keys on supplier endpoints."""
    cached = getattr(request, "_api_supplier", None)
    if cached is not None:
        return cached
    api_key = request.auth
    if not isinstance(api_key, ApiKey) or api_key.supplier_id is None:
        raise exceptions.PermissionDenied("This endpoint is for supplier keys.")
    supplier = Supplier.objects.filter(pk=api_key.supplier_id).first()
    if supplier is None or supplier.status != Supplier.Status.ACTIVE:
        raise exceptions.PermissionDenied("This key's supplier is not active.")
    request._api_supplier = supplier
    return supplier
