"""Purchase orders: list, retrieve, and acknowledge (accept, reject, accept with changes)."""

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from integrations.api.auth import scope_required
from integrations.api.pagination import cursor_pagination
from integrations.api.problems import UnprocessableReference
from integrations.api.views import ApiView
from integrations.models import ApiScope, Channel
from inventory.models import UnitOfMeasure
from suppliers import selectors, services
from suppliers.api.common import StrictInput, supplier_of
from suppliers.api.purchase_order_rows import (
    LIST_COLUMNS,
    ROW_EXPRESSIONS,
    detail_body,
    detail_rows_of,
    list_items,
)
from suppliers.models import Acknowledgment, AcknowledgmentLine, PurchaseOrder, ReasonCode

ReadScope = scope_required(ApiScope.READ, supplier_key=True)
AcknowledgeScope = scope_required(ApiScope.ACKNOWLEDGE, supplier_key=True)

PO_EXAMPLE = {
    "number": "PO-100234",
    "status": "issued",
    "revision": 1,
    "ship_to": "DC-EAST",
    "currency": "USD",
    "issued_at": "2026-03-02T09:15:00Z",
    "ack_due_at": "2026-03-04T09:15:00Z",
    "updated_at": "2026-03-02T09:15:00Z",
    "at_risk": False,
    "line_count": 2,
    "total_amount": "264.00",
}
LINE_EXAMPLE = {
    "line_no": 1,
    "sku": "BOLT-M8-40",
    "supplier_sku": "AC-8840",
    "description": "Hex bolt M8x40 zinc",
    "ordered_qty": "1200.000000",
    "uom": "EA",
    "unit_price": "0.1200",
    "requested_date": "2026-03-20",
    "confirmed_qty": None,
    "confirmed_date": None,
    "confirmed_price": None,
    "shipped_qty": "0.000000",
    "received_qty": "0.000000",
    "line_amount": "144.00",
    "schedule_lines": [],
}


# ---------------------------------------------------------------- list


class PurchaseOrderListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=PurchaseOrder.Status.choices, required=False)
    updated_since = serializers.DateTimeField(required=False)
    warehouse = serializers.CharField(required=False, help_text="Ship-to warehouse code.")


class PurchaseOrderListItemOutput(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=PurchaseOrder.Status.choices)
    revision = serializers.IntegerField()
    ship_to = serializers.CharField(source="ship_to.code")
    currency = serializers.CharField()
    issued_at = serializers.DateTimeField()
    ack_due_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    at_risk = serializers.BooleanField()
    line_count = serializers.IntegerField()
    total_amount = serializers.CharField(
        help_text="The sum of the line amounts, in the currency's decimals (a string)."
    )


class PurchaseOrderList(ApiView):
    permission_classes = [ReadScope]
    pagination_class = cursor_pagination("-updated_at", "-id")

    @extend_schema(
        operation_id="purchase_orders_list",
        summary="List purchase orders",
        parameters=[PurchaseOrderListQuery],
        responses={200: PurchaseOrderListItemOutput(many=True)},
        examples=[OpenApiExample("A page", value=[PO_EXAMPLE], response_only=True)],
        tags=["purchase orders"],
    )
    def get(self, request):
        filters = self.parse_query(PurchaseOrderListQuery, extra=("cursor", "limit"))
        queryset = selectors.purchase_orders_for_supplier(
            supplier=supplier_of(request), status=filters.get("status")
        )
        if "updated_since" in filters:
            queryset = queryset.filter(updated_at__gte=filters["updated_since"])
        if "warehouse" in filters:
            queryset = queryset.filter(ship_to__code=filters["warehouse"])
        paginator = self.pagination_class()
        rows = paginator.paginate_queryset(
            queryset.values(*LIST_COLUMNS, **ROW_EXPRESSIONS), request, view=self
        )
        return paginator.get_paginated_response(list_items(rows or []))


# ---------------------------------------------------------------- retrieve


class ScheduleLineOutput(serializers.Serializer):
    position = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=6)
    date = serializers.DateField()
    shipped_qty = serializers.DecimalField(max_digits=18, decimal_places=6)


class PurchaseOrderLineOutput(serializers.Serializer):
    line_no = serializers.IntegerField()
    sku = serializers.CharField(source="item.sku")
    supplier_sku = serializers.SerializerMethodField()
    description = serializers.CharField(source="item.description")
    ordered_qty = serializers.DecimalField(max_digits=18, decimal_places=6)
    uom = serializers.CharField(source="uom.code")
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=4)
    requested_date = serializers.DateField()
    confirmed_qty = serializers.DecimalField(max_digits=18, decimal_places=6, allow_null=True)
    confirmed_date = serializers.DateField(allow_null=True)
    confirmed_price = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    shipped_qty = serializers.DecimalField(max_digits=18, decimal_places=6)
    received_qty = serializers.DecimalField(max_digits=18, decimal_places=6)
    line_amount = serializers.CharField(
        source="amount",
        help_text="Confirmed (else ordered) quantity × price, in the currency's decimals.",
    )
    schedule_lines = ScheduleLineOutput(
        many=True,
        source="schedule",
        help_text="The confirmed deliveries, in date order; empty until the line is confirmed.",
    )

    def get_supplier_sku(self, line) -> str | None:
        supplier_item = getattr(line, "supplier_item", None)
        return supplier_item.supplier_sku if supplier_item is not None else None


class PurchaseOrderDetailOutput(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=PurchaseOrder.Status.choices)
    revision = serializers.IntegerField()
    ship_to = serializers.CharField(source="ship_to.code")
    currency = serializers.CharField()
    issued_at = serializers.DateTimeField()
    ack_due_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    at_risk = serializers.BooleanField()
    total_amount = serializers.CharField(
        help_text="The sum of the line amounts, in the currency's decimals (a string)."
    )
    lines = PurchaseOrderLineOutput(many=True)


class PurchaseOrderDetail(ApiView):
    permission_classes = [ReadScope]

    @extend_schema(
        operation_id="purchase_orders_retrieve",
        summary="A purchase order with its lines and confirmed values",
        responses={200: PurchaseOrderDetailOutput},
        examples=[
            OpenApiExample(
                "Issued PO",
                value={
                    **{k: v for k, v in PO_EXAMPLE.items() if k != "line_count"},
                    "total_amount": "144.00",
                    "lines": [LINE_EXAMPLE],
                },
                response_only=True,
            )
        ],
        tags=["purchase orders"],
    )
    def get(self, request, number: str):
        rows = detail_rows_of(supplier=supplier_of(request), number=number)
        if not rows:
            raise Http404(f"No {PurchaseOrder._meta.object_name} matches the given query.")
        return Response(detail_body(rows))


# ---------------------------------------------------------------- acknowledge


class ScheduleLineInputSerializer(StrictInput):
    quantity = serializers.DecimalField(max_digits=18, decimal_places=6, min_value=0)
    date = serializers.DateField()
    uom = serializers.CharField(required=False, help_text="Default: the PO line's unit.")


class AcknowledgmentLineInput(StrictInput):
    line_no = serializers.IntegerField(min_value=1)
    action = serializers.ChoiceField(choices=AcknowledgmentLine.Action.choices)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=6, required=False)
    uom = serializers.CharField(required=False, help_text="Default: the PO line's unit.")
    date = serializers.DateField(required=False)
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=4, required=False)
    reason_code = serializers.ChoiceField(choices=ReasonCode.choices, required=False)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    schedule = ScheduleLineInputSerializer(many=True, required=False)


class AcknowledgmentInput(StrictInput):
    kind = serializers.ChoiceField(
        choices=["accept", "reject", "changes"],
        help_text="accept as ordered; reject the whole PO; or accept with per-line changes.",
    )
    revision = serializers.IntegerField(
        min_value=1, help_text="The PO revision you answer; a newer one is refused."
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    reason_code = serializers.ChoiceField(
        choices=ReasonCode.choices, required=False, help_text="Required to reject."
    )
    lines = AcknowledgmentLineInput(many=True, required=False, help_text="For changes.")

    def validate(self, attrs):
        if attrs["kind"] == "changes" and not attrs.get("lines"):
            raise serializers.ValidationError({"lines": ["List the lines you change."]})
        if attrs["kind"] != "changes" and attrs.get("lines"):
            raise serializers.ValidationError(
                {"lines": ["Lines are only sent with kind 'changes'."]}
            )
        return attrs


class AcknowledgmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    purchase_order = serializers.CharField(source="purchase_order.number")
    kind = serializers.ChoiceField(choices=Acknowledgment.Kind.choices)
    status = serializers.ChoiceField(choices=Acknowledgment.Status.choices)
    revision = serializers.IntegerField()
    purchase_order_status = serializers.CharField(source="purchase_order.status")
    comment = serializers.CharField()
    reason_code = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    resulting_revision = serializers.IntegerField(
        allow_null=True, help_text="The PO's new revision when changes were (auto-)accepted."
    )


ACK_REQUEST_EXAMPLES = [
    OpenApiExample("Accept as ordered", value={"kind": "accept", "revision": 1}, request_only=True),
    OpenApiExample(
        "Reject",
        value={"kind": "reject", "revision": 1, "reason_code": "capacity", "comment": "Line down."},
        request_only=True,
    ),
    OpenApiExample(
        "Accept with changes",
        value={
            "kind": "changes",
            "revision": 1,
            "lines": [
                {
                    "line_no": 1,
                    "action": "change",
                    "quantity": "1000",
                    "date": "2026-03-25",
                    "reason_code": "capacity",
                },
                {"line_no": 2, "action": "accept"},
            ],
        },
        request_only=True,
    ),
    OpenApiExample(
        "Recorded",
        value={
            "id": 812,
            "purchase_order": "PO-100234",
            "kind": "accept",
            "status": "recorded",
            "revision": 1,
            "purchase_order_status": "confirmed",
            "comment": "",
            "reason_code": "",
            "submitted_at": "2026-03-02T10:01:12Z",
            "resulting_revision": None,
        },
        response_only=True,
    ),
]


class PurchaseOrderAcknowledge(ApiView):
    permission_classes = [AcknowledgeScope]

    @extend_schema(
        operation_id="purchase_orders_acknowledge",
        summary="Acknowledge a purchase order: accept, reject, or accept with changes",
        request=AcknowledgmentInput,
        responses={201: AcknowledgmentOutput},
        examples=ACK_REQUEST_EXAMPLES,
        tags=["purchase orders"],
    )
    def post(self, request, number: str):
        purchase_order = selectors.get_purchase_order_for_supplier(
            supplier=supplier_of(request), number=number
        )
        payload = AcknowledgmentInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        common = {
            "actor": request.user,
            "purchase_order": purchase_order,
            "revision": data["revision"],
            "channel": Channel.API,
        }
        if data["kind"] == "accept":
            acknowledgment = services.purchase_order_accept(comment=data["comment"], **common)
        elif data["kind"] == "reject":
            acknowledgment = services.purchase_order_reject(
                reason_code=data.get("reason_code", ""), comment=data["comment"], **common
            )
        else:
            self.line_pointers = {
                line["line_no"]: f"/lines/{index}" for index, line in enumerate(data["lines"])
            }
            acknowledgment = services.purchase_order_propose_changes(
                lines=_proposals(data["lines"]), comment=data["comment"], **common
            )
        acknowledgment.purchase_order.refresh_from_db(fields=["status"])
        return Response(AcknowledgmentOutput(acknowledgment).data, status=status.HTTP_201_CREATED)


def _unit(units: dict[str, UnitOfMeasure], code: str | None) -> UnitOfMeasure | None:
    return units.get(code) if code else None


def _proposals(lines: list[dict[str, Any]]) -> list[services.LineProposalInput]:
    codes = {line.get("uom") for line in lines} | {
        s.get("uom") for line in lines for s in line.get("schedule", [])
    }
    units = {u.code: u for u in UnitOfMeasure.objects.filter(code__in=codes - {None})}
    # Keyed by the index as text, as the JSON error body spells it.
    errors: dict[str, dict[str, Any]] = {}
    for index, line in enumerate(lines):
        if line.get("uom") and line["uom"] not in units:
            errors.setdefault(str(index), {})["uom"] = [f"Unknown unit {line['uom']!r}."]
        for s_index, entry in enumerate(line.get("schedule", [])):
            if entry.get("uom") and entry["uom"] not in units:
                errors.setdefault(str(index), {}).setdefault("schedule", {})[str(s_index)] = {
                    "uom": [f"Unknown unit {entry['uom']!r}."]
                }
    if errors:
        raise UnprocessableReference({"lines": errors})
    return [
        services.LineProposalInput(
            line_no=line["line_no"],
            action=line["action"],
            quantity=line.get("quantity"),
            uom=_unit(units, line.get("uom")),
            date=line.get("date"),
            unit_price=line.get("unit_price"),
            schedule=tuple(
                services.ScheduleLineInput(
                    quantity=entry["quantity"],
                    date=entry["date"],
                    uom=_unit(units, entry.get("uom")),
                )
                for entry in line.get("schedule", [])
            ),
            reason_code=line.get("reason_code", ""),
            comment=line.get("comment", ""),
        )
        for line in lines
    ]
