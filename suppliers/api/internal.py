"""Endpoints for the distributor's own systems (internal keys): receipts from the WMS or
ERP, and stock snapshots (a CSV file streamed as the request body)."""

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from integrations.api.auth import scope_required
from integrations.api.problems import UnprocessableReference
from integrations.api.views import ApiView
from integrations.models import ApiScope, Channel
from inventory.models import InventorySnapshot, Warehouse
from inventory.services.snapshots import snapshot_ingest
from suppliers import selectors, services
from suppliers.api.common import StrictInput
from suppliers.models import Receipt

ReceiptsScope = scope_required(ApiScope.RECEIPTS, internal_key=True)
SnapshotsScope = scope_required(ApiScope.SNAPSHOTS, internal_key=True)


# ---------------------------------------------------------------- receipts


class ReceiptLineInputSerializer(StrictInput):
    line_no = serializers.IntegerField(min_value=1, help_text="The ASN line number.")
    qty_received = serializers.DecimalField(
        max_digits=18, decimal_places=6, help_text="In the PO line's unit, damaged included."
    )
    qty_damaged = serializers.DecimalField(max_digits=18, decimal_places=6, default=Decimal(0))


class ReceiptInput(StrictInput):
    supplier = serializers.CharField(max_length=20, help_text="Supplier code.")
    asn_number = serializers.CharField(max_length=40)
    reference = serializers.CharField(max_length=60, help_text="The receipt's id in the WMS/ERP.")
    # A field named `source` shadows Field.source for django-stubs, not at run time (the
    # serializer's metaclass takes declared fields out of the class attributes).
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["wms", "erp"], default="wms"
    )
    received_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    closes_asn = serializers.BooleanField(default=False)
    # ListSerializer takes min_length/max_length through many=True; the stubs omit them.
    lines = ReceiptLineInputSerializer(  # type: ignore[call-arg]
        many=True, min_length=1, max_length=1000
    )


class ReceiptOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # see ReceiptInput.source
    supplier = serializers.CharField(source="shipment.supplier.code")
    asn_number = serializers.CharField(source="shipment.asn_number")
    asn_status = serializers.CharField(source="shipment.status")
    received_at = serializers.DateTimeField()
    closes_asn = serializers.BooleanField()


class ReceiptCreate(ApiView):
    permission_classes = [ReceiptsScope]

    @extend_schema(
        operation_id="receipts_create",
        summary="Record a receipt against an ASN (idempotent on source + reference)",
        request=ReceiptInput,
        responses={201: ReceiptOutput},
        examples=[
            OpenApiExample(
                "WMS receipt",
                value={
                    "supplier": "ACME",
                    "asn_number": "ASN-2026-0042",
                    "reference": "GR-5531",
                    "lines": [{"line_no": 1, "qty_received": "1200", "qty_damaged": "2"}],
                    "closes_asn": True,
                },
                request_only=True,
            ),
            OpenApiExample(
                "Recorded",
                value={
                    "id": 77,
                    "reference": "GR-5531",
                    "source": "wms",
                    "supplier": "ACME",
                    "asn_number": "ASN-2026-0042",
                    "asn_status": "received",
                    "received_at": "2026-03-20T14:02:00Z",
                    "closes_asn": True,
                },
                response_only=True,
            ),
        ],
        tags=["internal"],
    )
    def post(self, request):
        payload = ReceiptInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        shipment = selectors.get_shipment_for_buyer(
            supplier_code=data["supplier"], asn_number=data["asn_number"]
        )
        self.line_pointers = {
            line["line_no"]: f"/lines/{i}" for i, line in enumerate(data["lines"])
        }
        receipt = services.receipt_record(
            actor=request.user,
            shipment=shipment,
            reference=data["reference"],
            lines=[
                services.ReceiptLineInput(
                    line_no=line["line_no"],
                    qty_received=line["qty_received"],
                    qty_damaged=line["qty_damaged"],
                )
                for line in data["lines"]
            ],
            received_at=data.get("received_at"),
            source=data["source"],
            closes_asn=data["closes_asn"],
            channel=Channel.API,
        )
        receipt = Receipt.objects.select_related("shipment__supplier").get(pk=receipt.pk)
        return Response(ReceiptOutput(receipt).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- stock snapshots


class CsvParser(BaseParser):
    """Accepts text/csv; the view reads the spooled body, not parsed data."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


class SnapshotQuery(serializers.Serializer):
    warehouse = serializers.CharField(help_text="Warehouse code.")
    source = serializers.ChoiceField(  # type: ignore[assignment]  # see ReceiptInput.source
        choices=InventorySnapshot.Source.choices
    )
    taken_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    file_name = serializers.CharField(required=False, default="", max_length=255)


class SnapshotOutput(serializers.Serializer):
    id = serializers.IntegerField(source="snapshot.pk")
    warehouse = serializers.CharField(source="snapshot.warehouse.code")
    source = serializers.CharField(  # type: ignore[assignment]  # see ReceiptInput.source
        source="snapshot.source"
    )
    taken_at = serializers.DateTimeField(source="snapshot.taken_at")
    rows_total = serializers.IntegerField()
    rows_loaded = serializers.IntegerField()
    error_counts = serializers.DictField(child=serializers.IntegerField())


class SnapshotUpload(ApiView):
    permission_classes = [SnapshotsScope]
    parser_classes = [CsvParser]
    spool_body = True

    @extend_schema(
        operation_id="stock_snapshots_create",
        summary="Upload a stock snapshot: CSV (sku, uom, quantity) streamed as the body",
        parameters=[SnapshotQuery],
        request={"text/csv": OpenApiTypes.BINARY},
        responses={201: SnapshotOutput},
        examples=[
            OpenApiExample(
                "Loaded",
                value={
                    "id": 12,
                    "warehouse": "DC-EAST",
                    "source": "wms",
                    "taken_at": "2026-03-20T02:00:00Z",
                    "rows_total": 3,
                    "rows_loaded": 2,
                    "error_counts": {"unknown_sku": 1},
                },
                response_only=True,
            )
        ],
        tags=["internal"],
    )
    def post(self, request):
        params = self.parse_query(SnapshotQuery)
        warehouse = Warehouse.objects.filter(code=params["warehouse"]).first()
        if warehouse is None:
            raise UnprocessableReference({"warehouse": ["No warehouse has this code."]})
        stream = self.spooled_body
        if stream is None:
            raise RuntimeError("spool_body is set: ApiView spools the body before post().")
        result = snapshot_ingest(
            actor=request.user,
            stream=stream,
            source=params["source"],
            warehouse=warehouse,
            taken_at=params.get("taken_at"),
            file_name=params["file_name"],
            channel=Channel.API,
        )
        return Response(SnapshotOutput(result).data, status=status.HTTP_201_CREATED)
