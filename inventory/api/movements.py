"""POST /api/v1/inventory/movements: movement events from the WMS and the ERP (internal
keys), up to 10,000 per request, idempotent per source event id (issue 22). Each event is
checked against `integrations/schemas/inventory.movement.v1.json`; a batch with an event
that breaks the contract is refused whole (400, with a pointer per problem), one whose
events break business rules is stored but for those (listed in `errors`)."""

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from integrations.api.auth import scope_required
from integrations.api.views import ApiView
from integrations.contracts import load_schema
from integrations.models import ApiScope, Channel
from inventory.api.warehouses import active_warehouse_or_404
from inventory.resources.movements import SCHEMA, movement_from_record, record_problems
from inventory.selectors.movements import live_positions
from inventory.services.movements import BATCH_LIMIT, movements_ingest

MovementsScope = scope_required(ApiScope.SNAPSHOTS, internal_key=True)


def _request_schema() -> dict[str, Any]:
    """The request body's OpenAPI schema: the event contract, less the JSON Schema
    keywords OpenAPI 3.0 does not know."""
    event = {k: v for k, v in load_schema(*SCHEMA).items() if not k.startswith("$")}
    return {
        "type": "object",
        "required": ["movements"],
        "additionalProperties": False,
        "properties": {
            "movements": {"type": "array", "minItems": 1, "maxItems": BATCH_LIMIT, "items": event}
        },
    }


class MovementErrorOutput(serializers.Serializer):
    pointer = serializers.CharField()
    detail = serializers.CharField()


class MovementBatchOutput(serializers.Serializer):
    received = serializers.IntegerField()
    recorded = serializers.IntegerField(help_text="New events stored.")
    duplicates = serializers.IntegerField(help_text="Events already stored: not applied again.")
    applied = serializers.IntegerField(help_text="Events applied to the positions now.")
    held = serializers.IntegerField(help_text="Events of this batch waiting for a sequence gap.")
    before_snapshot = serializers.IntegerField(
        help_text="Events older than their source's latest snapshot: recorded, not applied."
    )
    applied_after_gap = serializers.IntegerField()
    # `errors` names a field here (the stubs type the serializer's own `errors` property).
    errors = MovementErrorOutput(many=True)  # type: ignore[assignment]


EXAMPLE_EVENT = {
    "source": "wms:DC1",
    "source_event_id": "DC1-884213",
    "sequence": 884213,
    "kind": "put_away",
    "occurred_at": "2026-03-20T14:02:00Z",
    "sku": "SKU-00042",
    "warehouse": "DC1",
    "quantity": "24",
    "uom": "EA",
}


class MovementBatch(ApiView):
    permission_classes = [MovementsScope]

    @extend_schema(
        operation_id="inventory_movements_create",
        summary="Record inventory movement events (idempotent per source event id)",
        description=(
            "Up to 10,000 events from one or more sources. An event that breaks the "
            "contract refuses the whole batch (400, a pointer per problem); an event that "
            "breaks a business rule (unknown SKU, inexact unit) is listed in `errors` and "
            "the others are stored. Events are applied in each source's sequence per "
            "warehouse; a later event waits for a missing one (`held`) up to an hour."
        ),
        request={"application/json": _request_schema()},
        responses={200: MovementBatchOutput},
        examples=[
            OpenApiExample("A put-away", value={"movements": [EXAMPLE_EVENT]}, request_only=True),
            OpenApiExample(
                "Recorded",
                value={
                    "received": 1,
                    "recorded": 1,
                    "duplicates": 0,
                    "applied": 1,
                    "held": 0,
                    "before_snapshot": 0,
                    "applied_after_gap": 0,
                    "errors": [],
                },
                response_only=True,
            ),
        ],
        tags=["internal"],
    )
    def post(self, request):
        body = request.data
        if not isinstance(body, dict) or set(body) != {"movements"}:
            raise exceptions.ValidationError({"movements": ['Send {"movements": [events]}.']})
        events = body["movements"]
        if not isinstance(events, list) or not 1 <= len(events) <= BATCH_LIMIT:
            raise exceptions.ValidationError(
                {"movements": [f"A list of 1 to {BATCH_LIMIT:,} events."]}
            )
        problems: dict[str, dict[str, list[str]]] = {}
        for index, record in enumerate(events):
            for name, message in record_problems(record)[:5]:
                key = name or "non_field_errors"  # the event as a whole: /movements/<n>
                problems.setdefault(str(index), {}).setdefault(key, []).append(message)
            if len(problems) >= 20:
                break
        if problems:
            raise exceptions.ValidationError({"movements": problems})
        result = movements_ingest(
            actor=request.user,
            rows=[movement_from_record(record) for record in events],
            channel=Channel.API,
        )
        counts = (
            "received",
            "recorded",
            "duplicates",
            "applied",
            "held",
            "before_snapshot",
            "applied_after_gap",
        )
        output: dict[str, Any] = {name: getattr(result, name) for name in counts}
        output["errors"] = [
            {"pointer": f"/movements/{error.row}/{error.field}", "detail": error.message}
            for error in result.errors
        ]
        return Response(output, status=status.HTTP_200_OK)


# ---------------------------------------------------------------- live positions

PositionsScope = scope_required(ApiScope.READ, internal_key=True)


class PositionsQuery(serializers.Serializer):
    warehouse = serializers.CharField(required=False, default="", help_text="Warehouse code.")
    updated_since = serializers.DateTimeField(required=False, help_text="Changed at or after.")
    after = serializers.IntegerField(
        required=False, default=0, min_value=0, help_text="The `next_after` of the last page."
    )
    limit = serializers.IntegerField(required=False, default=500, min_value=1, max_value=5000)


class PositionOutput(serializers.Serializer):
    sku = serializers.CharField(source="item.sku")
    warehouse = serializers.CharField(source="warehouse.code")
    uom = serializers.CharField(source="item.base_uom.code")
    received = serializers.DecimalField(max_digits=18, decimal_places=6)
    quality_hold = serializers.DecimalField(max_digits=18, decimal_places=6)
    available = serializers.DecimalField(max_digits=18, decimal_places=6)
    in_transit = serializers.DecimalField(max_digits=18, decimal_places=6)
    on_hand = serializers.DecimalField(max_digits=18, decimal_places=6)
    allocated = serializers.DecimalField(
        max_digits=18,
        decimal_places=6,
        help_text="Allocated to customer orders, as the allocation feed last stated it "
        "(0 while no feed has reported it).",
    )
    allocated_source = serializers.CharField(help_text="e.g. oms:WEB or erp; empty: no report.")
    allocated_as_of = serializers.DateTimeField(
        allow_null=True, help_text="The instant the allocated figure is as of."
    )
    counted_at = serializers.DateTimeField(allow_null=True)
    as_of = serializers.DateTimeField(allow_null=True, help_text="The latest movement applied.")
    updated_at = serializers.DateTimeField()


class PositionsPageOutput(serializers.Serializer):
    results = PositionOutput(many=True)
    next_after = serializers.IntegerField(allow_null=True)


class PositionList(ApiView):
    permission_classes = [PositionsScope]

    @extend_schema(
        operation_id="inventory_positions_list",
        summary="Live positions kept by the movements, by warehouse and changed since",
        parameters=[PositionsQuery],
        responses={200: PositionsPageOutput},
        examples=[
            OpenApiExample(
                "One position",
                value={
                    "results": [
                        {
                            "sku": "SKU-00042",
                            "warehouse": "DC1",
                            "uom": "EA",
                            "received": "24.000000",
                            "quality_hold": "0.000000",
                            "available": "180.000000",
                            "in_transit": "12.000000",
                            "on_hand": "204.000000",
                            "allocated": "36.000000",
                            "allocated_source": "oms:WEB",
                            "allocated_as_of": "2026-03-20T14:00:00Z",
                            "counted_at": "2026-03-20T06:00:00Z",
                            "as_of": "2026-03-20T14:02:00Z",
                            "updated_at": "2026-03-20T14:02:03Z",
                        }
                    ],
                    "next_after": None,
                },
                response_only=True,
            )
        ],
        tags=["internal"],
    )
    def get(self, request):
        params = self.parse_query(PositionsQuery)
        if params["warehouse"]:
            # As the position page and the ATP: an unknown or inactive warehouse is a 404,
            # not an empty page a caller would take for "no stock".
            active_warehouse_or_404(params["warehouse"])
        limit = params["limit"]
        rows = live_positions(
            warehouse_code=params["warehouse"],
            updated_since=params.get("updated_since"),
            after_id=params["after"],
            limit=limit + 1,
        )
        page = rows[:limit]
        next_after = page[-1].pk if len(rows) > limit else None
        return Response({"results": PositionOutput(page, many=True).data, "next_after": next_after})
