"""Supplier availability: bulk upsert of up to 10,000 items per request."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from integrations.api.auth import scope_required
from integrations.api.problems import UnprocessableReference
from integrations.api.views import ApiView
from integrations.models import ApiScope, Channel
from suppliers import services
from suppliers.api.common import StrictInput, supplier_of
from suppliers.models import SupplierItem

AvailabilityScope = scope_required(ApiScope.AVAILABILITY, supplier_key=True)
MAX_ITEMS = 10_000


class AvailabilityItemInput(StrictInput):
    supplier_sku = serializers.CharField(max_length=60)
    qty_available = serializers.DecimalField(max_digits=18, decimal_places=6)
    available_date = serializers.DateField(required=False, allow_null=True)
    as_of = serializers.DateTimeField(required=False, allow_null=True, help_text="Default: now.")


class AvailabilityUpsertInput(StrictInput):
    # ListSerializer takes min_length/max_length through many=True; the stubs omit them.
    items = AvailabilityItemInput(  # type: ignore[call-arg]
        many=True, min_length=1, max_length=MAX_ITEMS
    )


class AvailabilityUpsertOutput(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="Items recorded (all or nothing).")


class AvailabilityUpsert(ApiView):
    permission_classes = [AvailabilityScope]

    @extend_schema(
        operation_id="availability_upsert",
        summary="Report available quantities for up to 10,000 of your items (all or nothing)",
        request=AvailabilityUpsertInput,
        responses={200: AvailabilityUpsertOutput},
        examples=[
            OpenApiExample(
                "Two items",
                value={
                    "items": [
                        {"supplier_sku": "AC-8840", "qty_available": "5400"},
                        {
                            "supplier_sku": "AC-8841",
                            "qty_available": "0",
                            "available_date": "2026-04-01",
                        },
                    ]
                },
                request_only=True,
            ),
            OpenApiExample("Accepted", value={"accepted": 2}, response_only=True),
        ],
        tags=["availability"],
    )
    def put(self, request):
        supplier = supplier_of(request)
        payload = AvailabilityUpsertInput(data=request.data)
        payload.is_valid(raise_exception=True)
        items = payload.validated_data["items"]
        skus = [item["supplier_sku"] for item in items]
        known = {
            si.supplier_sku: si
            for si in SupplierItem.objects.filter(
                supplier=supplier, supplier_sku__in=skus, is_active=True
            ).select_related("item", "uom")
        }
        unknown = {
            str(index): {"supplier_sku": [f"{sku} is not one of your active items."]}
            for index, sku in enumerate(skus)
            if sku not in known
        }
        if unknown:
            raise UnprocessableReference({"items": unknown})
        # The service names a bad entry by its supplier SKU: point at that item.
        self.line_pointers = {sku: f"/items/{index}" for index, sku in enumerate(skus)}
        saved = services.supplier_availability_post(
            actor=request.user,
            supplier=supplier,
            entries=[
                services.AvailabilityInput(
                    supplier_item=known[item["supplier_sku"]],
                    qty_available=item["qty_available"],
                    available_date=item.get("available_date"),
                    as_of=item.get("as_of"),
                )
                for item in items
            ],
            channel=Channel.API,
        )
        return Response(AvailabilityUpsertOutput({"accepted": len(saved)}).data)
