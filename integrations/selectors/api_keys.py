"""Reads of API keys, scoped: a supplier's keys, or the internal systems' keys."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from integrations.models import ApiKey


def api_keys_for_supplier(*, supplier_id: int) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(supplier_id=supplier_id).select_related("created_by")


def get_api_key_for_supplier(*, supplier_id: int, pk: int) -> ApiKey:
    """The supplier's key; another supplier's (or an internal one) is a 404."""
    return get_object_or_404(ApiKey, pk=pk, supplier_id=supplier_id)


def internal_api_keys() -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(supplier_id__isnull=True).select_related("created_by")


def get_internal_api_key(*, pk: int) -> ApiKey:
    return get_object_or_404(ApiKey, pk=pk, supplier_id__isnull=True)
