"""ASNs: create, list, retrieve, update, submit, cancel; milestones."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from integrations.api.auth import scope_required
from integrations.api.pagination import cursor_pagination
from integrations.api.problems import UnprocessableReference, conflict_on_natural_key
from integrations.api.views import ApiView
from integrations.models import ApiScope, Channel
from inventory.models import UnitOfMeasure
from suppliers import selectors, services
from suppliers.api.common import StrictInput, supplier_of
from suppliers.models import PurchaseOrderLine, Shipment, ShipmentMilestone
from suppliers.services.shipments import line_label

ReadScope = scope_required(ApiScope.READ, supplier_key=True)
ShipScope = scope_required(ApiScope.SHIP, supplier_key=True)

ASN_REQUEST = {
    "asn_number": "ASN-2026-0042",
    "ship_date": "2026-03-18",
    "expected_delivery": "2026-03-20",
    "carrier": "UPS",
    "tracking_number": "1Z999AA10123456784",
    "package_count": 1,
    "gross_weight_kg": "12.500",
    "packages": [{"sscc": "003456789012345675", "weight_kg": "12.500"}],
    "lines": [
        {"po_number": "PO-100234", "po_line_no": 1, "quantity": "1200", "uom": "EA", "lot": "L-77"}
    ],
}
ASN_RESPONSE = {
    "asn_number": "ASN-2026-0042",
    "status": "draft",
    "ship_to": "DC-EAST",
    "ship_date": "2026-03-18",
    "expected_delivery": "2026-03-20",
    "carrier": "UPS",
    "tracking_number": "1Z999AA10123456784",
    "package_count": 1,
    "gross_weight_kg": "12.500",
    "revision": 1,
    "at_risk": False,
    "created_at": "2026-03-17T08:00:00Z",
    "updated_at": "2026-03-17T08:00:00Z",
    "submitted_at": None,
    "packages": [{"sscc": "003456789012345675", "weight_kg": "12.500"}],
    "lines": [
        {
            "line_no": 1,
            "po_number": "PO-100234",
            "po_line_no": 1,
            "sku": "BOLT-M8-40",
            "quantity": "1200.000000",
            "uom": "EA",
            "quantity_po_uom": "1200.000000",
            "lot": "L-77",
            "expiry_date": None,
            "serial_numbers": [],
            "received_qty": "0.000000",
        }
    ],
    "milestones": [],
}


# ---------------------------------------------------------------- output


class AsnPackageOutput(serializers.Serializer):
    sscc = serializers.CharField()
    weight_kg = serializers.DecimalField(max_digits=12, decimal_places=3, allow_null=True)


class AsnLineOutput(serializers.Serializer):
    line_no = serializers.IntegerField()
    po_number = serializers.CharField(source="po_line.purchase_order.number")
    po_line_no = serializers.IntegerField(source="po_line.line_no")
    sku = serializers.CharField(source="po_line.item.sku")
    quantity = serializers.DecimalField(max_digits=18, decimal_places=6)
    uom = serializers.CharField(source="uom.code")
    quantity_po_uom = serializers.DecimalField(max_digits=18, decimal_places=6)
    lot = serializers.CharField()
    expiry_date = serializers.DateField(allow_null=True)
    serial_numbers = serializers.ListField(child=serializers.CharField())
    received_qty = serializers.DecimalField(max_digits=18, decimal_places=6)
    schedule_line = serializers.IntegerField(
        source="schedule_line.position",
        allow_null=True,
        help_text="The position of the delivery shipped against; null: oldest open first.",
    )


class AsnMilestoneOutput(serializers.Serializer):
    code = serializers.ChoiceField(choices=ShipmentMilestone.Code.choices)
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField()
    note = serializers.CharField()
    new_eta = serializers.DateField(allow_null=True)
    reason = serializers.CharField()


class AsnDetailOutput(serializers.Serializer):
    """The whole ASN. Each endpoint answers with its own subclass below, so one endpoint's
    output can change without touching the others'."""

    asn_number = serializers.CharField()
    status = serializers.ChoiceField(choices=Shipment.Status.choices)
    ship_to = serializers.CharField(source="ship_to.code")
    ship_date = serializers.DateField()
    expected_delivery = serializers.DateField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    package_count = serializers.IntegerField()
    gross_weight_kg = serializers.DecimalField(max_digits=12, decimal_places=3, allow_null=True)
    revision = serializers.IntegerField()
    at_risk = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    packages = AsnPackageOutput(many=True)
    lines = AsnLineOutput(many=True)
    milestones = AsnMilestoneOutput(many=True)


class AsnCreateOutput(AsnDetailOutput):
    pass


class AsnRetrieveOutput(AsnDetailOutput):
    pass


class AsnUpdateOutput(AsnDetailOutput):
    pass


class AsnSubmitOutput(AsnDetailOutput):
    pass


class AsnCancelOutput(AsnDetailOutput):
    pass


def _own_shipment(request, asn_number: str):
    """The caller's supplier's ASN by number; another supplier's is a 404."""
    return selectors.get_shipment_for_supplier(supplier=supplier_of(request), asn_number=asn_number)


def _detail(
    shipment: Shipment, output: type[AsnDetailOutput], *, status_code: int = status.HTTP_200_OK
) -> Response:
    shipment = selectors.get_shipment_for_supplier(
        supplier=shipment.supplier, asn_number=shipment.asn_number
    )
    data = {
        **{field.name: getattr(shipment, field.name) for field in Shipment._meta.concrete_fields},
        "ship_to": shipment.ship_to,
        "packages": list(shipment.packages.order_by("sequence")),
        "lines": selectors.shipment_lines(shipment=shipment),
        "milestones": list(shipment.milestones.order_by("occurred_at", "id")),
    }
    return Response(output(data).data, status=status_code)


# ---------------------------------------------------------------- input


class AsnPackageInput(StrictInput):
    sscc = serializers.CharField(required=False, allow_blank=True, max_length=18, default="")
    weight_kg = serializers.DecimalField(
        max_digits=12, decimal_places=3, min_value=0, required=False, allow_null=True
    )


class AsnLineInput(StrictInput):
    po_number = serializers.CharField(max_length=40)
    po_line_no = serializers.IntegerField(min_value=1)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=6)
    uom = serializers.CharField(required=False, help_text="Default: the PO line's unit.")
    lot = serializers.CharField(required=False, allow_blank=True, max_length=60, default="")
    expiry_date = serializers.DateField(required=False, allow_null=True)
    serial_numbers = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, default=list
    )
    schedule_line = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="The position of the PO line's delivery (schedule line) this ships; "
        "default: the oldest open deliveries first.",
    )


class AsnWriteInput(StrictInput):
    """Shared shape of the create and update bodies; each endpoint subclasses it."""

    ship_date = serializers.DateField()
    expected_delivery = serializers.DateField()
    carrier = serializers.CharField(required=False, allow_blank=True, max_length=80, default="")
    tracking_number = serializers.CharField(
        required=False, allow_blank=True, max_length=80, default=""
    )
    package_count = serializers.IntegerField(min_value=1, default=1)
    gross_weight_kg = serializers.DecimalField(
        max_digits=12, decimal_places=3, min_value=0, required=False, allow_null=True
    )
    packages = AsnPackageInput(many=True, required=False, default=list)
    # ListSerializer takes min_length/max_length through many=True; the stubs omit them.
    lines = AsnLineInput(many=True, min_length=1, max_length=1000)  # type: ignore[call-arg]


class AsnCreateInput(AsnWriteInput):
    asn_number = serializers.CharField(max_length=40)


class AsnUpdateInput(AsnWriteInput):
    """The whole ASN as it should now be (PUT replaces header, packages and lines)."""


def _header(data: dict, asn_number: str) -> services.AsnHeader:
    return services.AsnHeader(
        asn_number=asn_number.strip(),
        ship_date=data["ship_date"],
        expected_delivery=data["expected_delivery"],
        carrier=data["carrier"],
        tracking_number=data["tracking_number"],
        package_count=data["package_count"],
        gross_weight_kg=data.get("gross_weight_kg"),
        packages=[
            services.PackageInput(sscc=p["sscc"], weight_kg=p.get("weight_kg"))
            for p in data["packages"]
        ],
    )


def _lines(view: ApiView, supplier, lines: list[dict]) -> list[services.AsnLineInput]:
    """Resolve each line's PO line among the supplier's own, and its unit; an unknown one
    (or another supplier's) is a 422 pointing at the line."""
    numbers = {line["po_number"] for line in lines}
    po_lines = {
        (po_line.purchase_order.number, po_line.line_no): po_line
        for po_line in PurchaseOrderLine.objects.filter(
            purchase_order__supplier=supplier, purchase_order__number__in=numbers
        )
        .select_related("purchase_order__ship_to", "item__base_uom", "uom")
        .prefetch_related("schedule_lines")
    }
    codes = {line["uom"] for line in lines if line.get("uom")}
    units = {u.code: u for u in UnitOfMeasure.objects.filter(code__in=codes)}
    # Keyed by the line's index as text: the problem document's JSON is the same.
    errors: dict[str, dict[str, list[str]]] = {}
    resolved = []
    view.line_pointers = {}
    for index, line in enumerate(lines):
        po_line = po_lines.get((line["po_number"], line["po_line_no"]))
        if po_line is None:
            errors[str(index)] = {
                "po_line_no": [
                    f"{line['po_number']} line {line['po_line_no']} is not a line of your "
                    "purchase orders."
                ]
            }
            continue
        if line.get("uom") and line["uom"] not in units:
            errors[str(index)] = {"uom": [f"Unknown unit {line['uom']!r}."]}
            continue
        delivery = None
        if line.get("schedule_line"):
            deliveries = {s.position: s for s in po_line.schedule_lines.all()}
            delivery = deliveries.get(line["schedule_line"])
            if delivery is None:
                errors[str(index)] = {
                    "schedule_line": [
                        f"{line_label(po_line)} has no delivery {line['schedule_line']}."
                    ]
                }
                continue
        view.line_pointers[line_label(po_line)] = f"/lines/{index}"
        resolved.append(
            services.AsnLineInput(
                po_line=po_line,
                quantity=line["quantity"],
                uom=units.get(line.get("uom") or ""),
                lot=line["lot"],
                expiry_date=line.get("expiry_date"),
                serial_numbers=tuple(line["serial_numbers"]),
                schedule_line=delivery,
            )
        )
    if errors:
        raise UnprocessableReference({"lines": errors})
    return resolved


# ---------------------------------------------------------------- views


class AsnListItemOutput(serializers.Serializer):
    asn_number = serializers.CharField()
    status = serializers.ChoiceField(choices=Shipment.Status.choices)
    ship_to = serializers.CharField(source="ship_to.code")
    ship_date = serializers.DateField()
    expected_delivery = serializers.DateField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    line_count = serializers.IntegerField()
    at_risk = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class AsnListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Shipment.Status.choices, required=False)
    updated_since = serializers.DateTimeField(required=False)


class AsnCollection(ApiView):
    """GET lists the supplier's ASNs (read scope); POST creates a draft (ship scope)."""

    pagination_class = cursor_pagination("-created_at", "-id")

    def get_permissions(self):
        return [ReadScope() if self.request.method == "GET" else ShipScope()]

    @extend_schema(
        operation_id="asns_list",
        summary="List ASNs",
        parameters=[AsnListQuery],
        responses={200: AsnListItemOutput(many=True)},
        examples=[
            OpenApiExample(
                "A page",
                value=[
                    {
                        **{
                            k: ASN_RESPONSE[k]
                            for k in list(AsnListItemOutput().fields)
                            if k in ASN_RESPONSE
                        },
                        "line_count": 1,
                    }
                ],
                response_only=True,
            )
        ],
        tags=["ASNs"],
    )
    def get(self, request):
        filters = self.parse_query(AsnListQuery, extra=("cursor", "limit"))
        queryset = selectors.shipments_for_supplier(
            supplier=supplier_of(request), status=filters.get("status", "")
        )
        if "updated_since" in filters:
            queryset = queryset.filter(updated_at__gte=filters["updated_since"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(AsnListItemOutput(page, many=True).data)

    @extend_schema(
        operation_id="asns_create",
        summary="Create a draft ASN",
        request=AsnCreateInput,
        responses={201: AsnCreateOutput},
        examples=[
            OpenApiExample("Create", value=ASN_REQUEST, request_only=True),
            OpenApiExample("Created", value=ASN_RESPONSE, response_only=True),
        ],
        tags=["ASNs"],
    )
    def post(self, request):
        supplier = supplier_of(request)
        payload = AsnCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        header = _header(data, data["asn_number"])

        def existing() -> str | None:
            taken = Shipment.objects.filter(supplier=supplier, asn_number=header.asn_number)
            return reverse("api_asn_item", args=[header.asn_number]) if taken.exists() else None

        # Without an Idempotency-Key, a retried or doubled create of one ASN number is
        # told where the first one is (409), whether it comes after it or races it.
        with conflict_on_natural_key(
            existing=existing,
            fields=("asn_number",),
            detail=f"You already have an ASN numbered {header.asn_number}; see `existing`.",
        ):
            shipment = services.asn_create(
                actor=request.user,
                supplier=supplier,
                header=header,
                lines=_lines(self, supplier, data["lines"]),
                channel=Channel.API,
            )
        return _detail(shipment, AsnCreateOutput, status_code=status.HTTP_201_CREATED)


class AsnItem(ApiView):
    """GET one ASN (read scope); PUT replaces it (ship scope)."""

    def get_permissions(self):
        return [ReadScope() if self.request.method == "GET" else ShipScope()]

    @extend_schema(
        operation_id="asns_retrieve",
        summary="An ASN with its packages, lines and milestones",
        responses={200: AsnRetrieveOutput},
        examples=[OpenApiExample("Draft", value=ASN_RESPONSE, response_only=True)],
        tags=["ASNs"],
    )
    def get(self, request, asn_number: str):
        shipment = _own_shipment(request, asn_number)
        return _detail(shipment, AsnRetrieveOutput)

    @extend_schema(
        operation_id="asns_update",
        summary="Replace an ASN's header, packages and lines (until its goods are received)",
        request=AsnUpdateInput,
        responses={200: AsnUpdateOutput},
        examples=[
            OpenApiExample(
                "Update",
                value={k: v for k, v in ASN_REQUEST.items() if k != "asn_number"},
                request_only=True,
            ),
            OpenApiExample("Updated", value={**ASN_RESPONSE, "revision": 2}, response_only=True),
        ],
        tags=["ASNs"],
    )
    def put(self, request, asn_number: str):
        supplier = supplier_of(request)
        shipment = selectors.get_shipment_for_supplier(supplier=supplier, asn_number=asn_number)
        payload = AsnUpdateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        shipment = services.asn_update(
            actor=request.user,
            shipment=shipment,
            header=_header(data, shipment.asn_number),
            lines=_lines(self, supplier, data["lines"]),
            channel=Channel.API,
        )
        return _detail(shipment, AsnUpdateOutput)


class AsnSubmissionInput(StrictInput):
    """Empty: submitting takes no fields."""


class AsnSubmit(ApiView):
    permission_classes = [ShipScope]

    @extend_schema(
        operation_id="asns_submit",
        summary="Submit a draft ASN (counts its quantities as shipped)",
        request=AsnSubmissionInput,
        responses={200: AsnSubmitOutput},
        examples=[
            OpenApiExample("Submit", value={}, request_only=True),
            OpenApiExample(
                "Submitted",
                value={
                    **ASN_RESPONSE,
                    "status": "submitted",
                    "submitted_at": "2026-03-17T08:05:00Z",
                },
                response_only=True,
            ),
        ],
        tags=["ASNs"],
    )
    def post(self, request, asn_number: str):
        shipment = _own_shipment(request, asn_number)
        AsnSubmissionInput(data=request.data).is_valid(raise_exception=True)
        shipment = services.asn_submit(actor=request.user, shipment=shipment, channel=Channel.API)
        return _detail(shipment, AsnSubmitOutput)


class AsnCancellationInput(StrictInput):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class AsnCancel(ApiView):
    permission_classes = [ShipScope]

    @extend_schema(
        operation_id="asns_cancel",
        summary="Cancel an ASN before its goods are received",
        request=AsnCancellationInput,
        responses={200: AsnCancelOutput},
        examples=[
            OpenApiExample("Cancel", value={"reason": "Truck missed"}, request_only=True),
            OpenApiExample(
                "Cancelled", value={**ASN_RESPONSE, "status": "cancelled"}, response_only=True
            ),
        ],
        tags=["ASNs"],
    )
    def post(self, request, asn_number: str):
        shipment = _own_shipment(request, asn_number)
        payload = AsnCancellationInput(data=request.data)
        payload.is_valid(raise_exception=True)
        shipment = services.asn_cancel(
            actor=request.user,
            shipment=shipment,
            reason=payload.validated_data["reason"],
            channel=Channel.API,
        )
        return _detail(shipment, AsnCancelOutput)


class MilestoneInput(StrictInput):
    code = serializers.ChoiceField(choices=ShipmentMilestone.Code.choices)
    occurred_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    location = serializers.CharField(required=False, allow_blank=True, max_length=120, default="")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    new_eta = serializers.DateField(required=False, allow_null=True, help_text="Delayed only.")
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default="", help_text="Delayed only."
    )


class MilestoneOutput(serializers.Serializer):
    asn_number = serializers.CharField(source="shipment.asn_number")
    asn_status = serializers.CharField(source="shipment.status")
    code = serializers.ChoiceField(choices=ShipmentMilestone.Code.choices)
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField()
    note = serializers.CharField()
    new_eta = serializers.DateField(allow_null=True)
    reason = serializers.CharField()


class AsnMilestones(ApiView):
    permission_classes = [ShipScope]

    @extend_schema(
        operation_id="asns_milestones_report",
        summary="Report a shipment milestone",
        request=MilestoneInput,
        responses={201: MilestoneOutput},
        examples=[
            OpenApiExample(
                "Delayed",
                value={"code": "delayed", "new_eta": "2026-03-22", "reason": "Weather"},
                request_only=True,
            ),
            OpenApiExample(
                "Recorded",
                value={
                    "asn_number": "ASN-2026-0042",
                    "asn_status": "delayed",
                    "code": "delayed",
                    "occurred_at": "2026-03-19T07:00:00Z",
                    "location": "",
                    "note": "",
                    "new_eta": "2026-03-22",
                    "reason": "Weather",
                },
                response_only=True,
            ),
        ],
        tags=["ASNs"],
    )
    def post(self, request, asn_number: str):
        shipment = _own_shipment(request, asn_number)
        payload = MilestoneInput(data=request.data)
        payload.is_valid(raise_exception=True)
        milestone = services.shipment_milestone_report(
            actor=request.user, shipment=shipment, channel=Channel.API, **payload.validated_data
        )
        return Response(MilestoneOutput(milestone).data, status=status.HTTP_201_CREATED)
