"""What every supplier endpoint needs: the supplier of the calling key, and the base of
every input serializer (StrictInput: JSON types are checked, never coerced)."""

from collections.abc import Mapping
from typing import Any

from rest_framework import exceptions, serializers
from rest_framework.exceptions import ErrorDetail

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


_NOT_A_STRING = "Not a valid string: send text in quotes."


def _string_errors(field: serializers.Field, value: Any) -> Any:
    """The errors of `value` for `field` if the field takes text and the JSON value is not
    text (None: nothing to say here; the field's own checks run after)."""
    if isinstance(field, serializers.CharField):
        if value is not None and not isinstance(value, str):
            return [ErrorDetail(_NOT_A_STRING, code="invalid")]
        return None
    child = getattr(field, "child", None)
    if isinstance(field, serializers.ListField) and isinstance(child, serializers.CharField):
        bad = {
            index: [ErrorDetail(_NOT_A_STRING, code="invalid")]
            for index, item in enumerate(value if isinstance(value, list) else [])
            if item is not None and not isinstance(item, str)
        }
        return bad or None
    return None


class StrictInput(serializers.Serializer):
    # Base of every input serializer of the API: a text field takes JSON text only.
    # DRF's CharField quietly turns a JSON number into text (12 -> "12"), so a client's bug
    # (an SKU sent as a number, losing its leading zeros) would pass unnoticed, and the
    # schema's `type: string` would not be what the API enforces. Here a number where text
    # is expected is a 400 naming the field, like any other format error; nested input
    # serializers inherit it, so `lines[0].po_number` is checked the same way. (No
    # docstring: drf-spectacular would print it as every input schema's description.)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            errors: dict[str, Any] = {}
            for field in self._writable_fields:
                name = field.field_name or ""
                if name in data:
                    problem = _string_errors(field, data[name])
                    if problem:
                        errors[name] = problem
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
