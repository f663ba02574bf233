"""POST /api/v1/inventory/allocations: the quantity allocated to customer orders per item ×
warehouse, as the order-management system or the ERP states it at a time (internal keys,
the movements' scope), up to 10,000 figures per request (issue 22). A figure that breaks
the format (a number where text is expected, an unknown field, a negative quantity, a
time without its offset) refuses the batch (400, a pointer per problem); one that breaks
a business rule (unknown SKU, inexact unit, a conflict with the stored figure) is listed
in `errors` and the rest apply. Absolute figures: sending a batch again changes nothing
(`inventory.services.allocations`)."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from integrations.api.auth import scope_required
from integrations.api.views import ApiView
from integrations.models import ApiScope, Channel
from inventory.services.allocations import BATCH_LIMIT, AllocationInput, allocations_apply

AllocationsScope = scope_required(ApiScope.SNAPSHOTS, internal_key=True)
MAX_PROBLEM_ROWS = 20  # a refused batch lists the problems of its first 20 bad rows


class _AwareDateTime(serializers.DateTimeField):
    """An RFC 3339 time with its offset: without one, the instant is unknown (DRF would
    read it in the server's zone)."""

    def to_internal_value(self, value: Any) -> Any:
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is not None and parsed.tzinfo is None:
            self.fail("offset")
        return super().to_internal_value(value)

    default_error_messages = {
        "offset": "The time must carry its offset (e.g. 2026-12-04T10:00:00Z).",
    }


class AllocationRowInput(serializers.Serializer):
    # Strict: every value is JSON text (a quantity as a decimal string, never a float) and
    # an unknown field is refused. (No docstring: drf-spectacular would print it.)
    # `source` names a field here (the stubs type the serializer's own `source` attribute).
    source = serializers.RegexField(  # type: ignore[assignment]
        r"^(erp|oms:[A-Za-z0-9_.-]{1,36})$",
        max_length=40,
        help_text="erp, or oms:<order system>, e.g. oms:WEB.",
    )
    sku = serializers.CharField(max_length=40)
    warehouse = serializers.CharField(max_length=20, help_text="Warehouse code.")
    quantity = serializers.RegexField(
        r"^[0-9]{1,12}(\.[0-9]{1,6})?$",
        help_text="Allocated to customer orders at `as_of`, a decimal string, zero or more.",
    )
    uom = serializers.CharField(
        max_length=10, help_text="The item's base unit, or one that converts exactly."
    )
    as_of = _AwareDateTime(help_text="The instant the figure is as of, with its offset.")

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            names = set(self.fields.keys())
            errors: dict[str, list[str]] = {
                name: ["Not a valid string: send text in quotes."]
                for name in sorted(names)
                if name in data and not isinstance(data[name], str)
            }
            unknown = sorted(str(name) for name in data if name not in names)
            if unknown:
                errors["non_field_errors"] = [f"Unknown field(s): {', '.join(unknown)}."]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class AllocationBatchInput(serializers.Serializer):
    # ListSerializer takes min_length/max_length through many=True; the stubs omit them.
    allocations = AllocationRowInput(  # type: ignore[call-arg]
        many=True, min_length=1, max_length=BATCH_LIMIT
    )


class AllocationErrorOutput(serializers.Serializer):
    pointer = serializers.CharField()
    detail = serializers.CharField()


class AllocationBatchOutput(serializers.Serializer):
    received = serializers.IntegerField()
    applied = serializers.IntegerField(help_text="Figures stored: new or newer than the stored.")
    unchanged = serializers.IntegerField(
        help_text="The stored figure again (same instant, same quantity): nothing changed."
    )
    stale = serializers.IntegerField(
        help_text="Figures as of an earlier time than the one stored: ignored."
    )
    # `errors` names a field here (the stubs type the serializer's own `errors` property).
    errors = AllocationErrorOutput(many=True)  # type: ignore[assignment]


EXAMPLE = {
    "source": "oms:WEB",
    "sku": "SKU-00042",
    "warehouse": "DC1",
    "quantity": "36",
    "uom": "EA",
    "as_of": "2026-12-04T10:00:00Z",
}


class AllocationBatch(ApiView):
    permission_classes = [AllocationsScope]

    @extend_schema(
        operation_id="inventory_allocations_create",
        summary="Report the quantities allocated to customer orders (absolute, as of a time)",
        description=(
            "Up to 10,000 figures, each the whole quantity allocated for an item at a "
            "warehouse as of a time, not a change. A figure older than the stored one is "
            "`stale` and ignored; the same instant with another quantity is refused as a "
            "conflict (in `errors`). A figure that breaks the format refuses the batch "
            "(400, a pointer per problem); one that breaks a business rule (unknown SKU, "
            "inexact unit) is listed in `errors` and the others apply."
        ),
        request=AllocationBatchInput,
        responses={200: AllocationBatchOutput},
        examples=[
            OpenApiExample("One figure", value={"allocations": [EXAMPLE]}, request_only=True),
            OpenApiExample(
                "Applied",
                value={"received": 1, "applied": 1, "unchanged": 0, "stale": 0, "errors": []},
                response_only=True,
            ),
        ],
        tags=["internal"],
    )
    def post(self, request):
        body = request.data
        if not isinstance(body, Mapping) or set(body) != {"allocations"}:
            raise exceptions.ValidationError({"allocations": ['Send {"allocations": [figures]}.']})
        payload = AllocationBatchInput(data=body)
        if not payload.is_valid():
            problems = payload.errors.get("allocations")
            if (
                isinstance(problems, list)
                and len(problems) == len(body["allocations"])
                and all(isinstance(row, dict) for row in problems)
            ):
                # One entry per row, empty for the good ones: name the bad rows only.
                bad = [(str(i), row) for i, row in enumerate(problems) if row]
                raise exceptions.ValidationError({"allocations": dict(bad[:MAX_PROBLEM_ROWS])})
            raise exceptions.ValidationError(payload.errors)
        rows = [
            AllocationInput(
                source=row["source"],
                sku=row["sku"],
                warehouse=row["warehouse"],
                quantity=Decimal(row["quantity"]),  # the pattern keeps it exact
                uom=row["uom"],
                as_of=row["as_of"],
            )
            for row in payload.validated_data["allocations"]
        ]
        result = allocations_apply(actor=request.user, rows=rows, channel=Channel.API)
        output: dict[str, Any] = {
            "received": result.received,
            "applied": result.applied,
            "unchanged": result.unchanged,
            "stale": result.stale,
            "errors": [
                {"pointer": f"/allocations/{error.row}/{error.field}", "detail": error.message}
                for error in result.errors
            ],
        }
        return Response(output, status=status.HTTP_200_OK)
