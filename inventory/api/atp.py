"""GET /api/v1/inventory/atp?sku=…[&warehouse=…]: one item's live position and available
to promise by date, per warehouse, each figure with its source and the time it is as of
(issue 22; `inventory.selectors.atp`). Internal keys with the `read` scope, as the
positions feed."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from integrations.api.auth import scope_required
from integrations.api.views import ApiView
from integrations.models import ApiScope
from inventory.api.warehouses import active_warehouse_or_404
from inventory.selectors.atp import item_positions
from inventory.selectors.stock import item_by_sku

AtpScope = scope_required(ApiScope.READ, internal_key=True)


class AtpQuery(serializers.Serializer):
    sku = serializers.CharField(max_length=40, help_text="The item's SKU.")
    warehouse = serializers.CharField(
        required=False, default="", max_length=20, help_text="One warehouse's code."
    )


class AtpFigureOutput(serializers.Serializer):
    quantity = serializers.DecimalField(max_digits=18, decimal_places=6)
    # `source` names a field here (the stubs type the serializer's own `source` attribute).
    source = serializers.CharField()  # type: ignore[assignment]
    as_of = serializers.DateTimeField(allow_null=True)


class AtpInboundLineOutput(serializers.Serializer):
    date = serializers.DateField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=6)
    kind = serializers.CharField(help_text="schedule_line (confirmed) or asn (shipped).")
    document = serializers.CharField(source="document_ref")


class AtpTransferOutput(serializers.Serializer):
    transfer_ref = serializers.CharField()
    origin = serializers.CharField(source="origin_code")
    quantity = serializers.DecimalField(max_digits=18, decimal_places=6)
    shipped_at = serializers.DateTimeField()


class AtpBucketOutput(serializers.Serializer):
    bucket = serializers.CharField(source="label")
    date = serializers.DateField()
    quantity = serializers.DecimalField(max_digits=18, decimal_places=6)


class AtpWarehouseOutput(serializers.Serializer):
    warehouse = serializers.CharField(source="warehouse.code")
    basis = serializers.CharField(help_text="cycle_count, wms_snapshot, erp_snapshot or movements.")
    basis_at = serializers.DateTimeField(allow_null=True)
    on_hand = AtpFigureOutput()
    received = AtpFigureOutput(help_text="Received, awaiting put-away.")
    quality_hold = AtpFigureOutput()
    available = AtpFigureOutput()
    allocated = AtpFigureOutput()
    in_transit = AtpFigureOutput(help_text="Transfers to this warehouse not arrived.")
    inbound = AtpFigureOutput(help_text="From suppliers: open schedule lines and ASNs.")
    inbound_lines = AtpInboundLineOutput(many=True)
    open_transfers = AtpTransferOutput(many=True)
    atp = AtpBucketOutput(many=True)


class AtpOutput(serializers.Serializer):
    sku = serializers.CharField()
    uom = serializers.CharField()
    as_of = serializers.DateTimeField()
    warehouses = AtpWarehouseOutput(many=True)


EXAMPLE = {
    "sku": "SKU-00042",
    "uom": "EA",
    "as_of": "2026-03-20T14:05:00Z",
    "warehouses": [
        {
            "warehouse": "DC1",
            "basis": "wms_snapshot",
            "basis_at": "2026-03-20T06:00:00Z",
            "on_hand": {
                "quantity": "204.000000",
                "source": "WMS snapshot at 2026-03-20 06:00 + 3 movement(s) since",
                "as_of": "2026-03-20T14:02:00Z",
            },
            "received": {
                "quantity": "24.000000",
                "source": "live position (WMS movements)",
                "as_of": "2026-03-20T14:02:00Z",
            },
            "quality_hold": {
                "quantity": "0.000000",
                "source": "live position (WMS movements)",
                "as_of": "2026-03-20T14:02:00Z",
            },
            "available": {
                "quantity": "180.000000",
                "source": "on hand (…) less received and quality hold",
                "as_of": "2026-03-20T14:02:00Z",
            },
            "allocated": {"quantity": "0.000000", "source": "no allocation source", "as_of": None},
            "in_transit": {
                "quantity": "0.000000",
                "source": "0 open transfer(s) in the WMS ledger",
                "as_of": None,
            },
            "inbound": {
                "quantity": "48.000000",
                "source": "open confirmed schedule lines and ASNs not received",
                "as_of": "2026-03-20T14:05:00Z",
            },
            "inbound_lines": [
                {
                    "date": "2026-03-25",
                    "quantity": "48.000000",
                    "kind": "schedule_line",
                    "document": "PO-1001 line 1",
                }
            ],
            "open_transfers": [],
            "atp": [
                {"bucket": "today", "date": "2026-03-20", "quantity": "204.000000"},
                {"bucket": "+7 d", "date": "2026-03-27", "quantity": "252.000000"},
                {"bucket": "+14 d", "date": "2026-04-03", "quantity": "252.000000"},
                {"bucket": "+28 d", "date": "2026-04-17", "quantity": "252.000000"},
            ],
        }
    ],
}


class AvailableToPromise(ApiView):
    permission_classes = [AtpScope]

    @extend_schema(
        operation_id="inventory_atp_retrieve",
        summary="One item's live position and available to promise by date",
        description=(
            "Per warehouse (all active ones with a figure for the item, or the one named): "
            "on hand by status, allocated, in transit between warehouses, inbound from "
            "suppliers by date, and ATP today, +7, +14 and +28 days. Each figure names its "
            "source and the time it is as of. An unknown SKU, or a warehouse unknown or "
            "not active, is a 404."
        ),
        parameters=[AtpQuery],
        responses={200: AtpOutput},
        examples=[OpenApiExample("One warehouse", value=EXAMPLE, response_only=True)],
        tags=["internal"],
    )
    def get(self, request):
        params = self.parse_query(AtpQuery)
        sku, code = params["sku"].strip(), params["warehouse"].strip()
        item = item_by_sku(sku)
        if item is None:
            raise exceptions.NotFound(f"No item has SKU {sku!r}: check the SKU.")
        if code:
            active_warehouse_or_404(code)  # as the position page: an inactive one is a 404
        positions = item_positions(item=item, warehouse_code=code)
        return Response(
            {
                "sku": item.sku,
                "uom": item.base_uom.code,
                "as_of": positions.as_of,
                "warehouses": AtpWarehouseOutput(positions.warehouses, many=True).data,
            }
        )
