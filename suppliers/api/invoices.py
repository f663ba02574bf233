"""Invoices: submit (matched at once), list, retrieve; credit notes against an invoice."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from integrations.api.auth import scope_required
from integrations.api.pagination import cursor_pagination
from integrations.api.problems import UnprocessableReference, conflict_on_natural_key
from integrations.api.views import ApiView
from integrations.models import ApiScope, Channel
from suppliers import selectors, services
from suppliers.api.common import supplier_of
from suppliers.models import Invoice, InvoiceLine, PurchaseOrder

ReadScope = scope_required(ApiScope.READ, supplier_key=True)
InvoiceScope = scope_required(ApiScope.INVOICE, supplier_key=True)

INVOICE_REQUEST = {
    "invoice_number": "INV-2026-0042",
    "invoice_date": "2026-03-20",
    "po_number": "PO-100234",
    "currency": "USD",
    "total_amount": "3020.63",
    "lines": [
        {"po_line_no": 1, "quantity": "1200", "uom": "EA", "unit_price": "2.5000"},
        {"kind": "tax", "description": "Sales tax", "quantity": "1", "unit_price": "20.63"},
    ],
}
INVOICE_RESPONSE: dict[str, Any] = {
    "invoice_number": "INV-2026-0042",
    "kind": "invoice",
    "credited_invoice": None,
    "po_number": "PO-100234",
    "status": "approved",
    "invoice_date": "2026-03-20",
    "currency": "USD",
    "total_amount": "3020.6300",
    "channel": "api",
    "received_at": "2026-03-20T08:00:00Z",
    "matched_at": "2026-03-20T08:00:00Z",
    "approved_at": "2026-03-20T08:00:00Z",
    "scheduled_for": None,
    "paid_on": None,
    "remittance_reference": "",
    "updated_at": "2026-03-20T08:00:00Z",
    "lines": [
        {
            "line_no": 1,
            "kind": "goods",
            "description": "",
            "po_line_no": 1,
            "quantity": "1200.000000",
            "uom": "EA",
            "unit_price": "2.5000",
            "amount": "3000.0000",
            "result": "matched",
            "hold_reason": "",
        },
        {
            "line_no": 2,
            "kind": "tax",
            "description": "Sales tax",
            "po_line_no": None,
            "quantity": "1.000000",
            "uom": "",
            "unit_price": "20.6300",
            "amount": "20.6300",
            "result": "matched",
            "hold_reason": "",
        },
    ],
}


class InvoiceLineOutput(serializers.Serializer):
    line_no = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=InvoiceLine.Kind.choices)
    description = serializers.CharField()
    po_line_no = serializers.IntegerField(source="po_line.line_no", allow_null=True)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=6)
    uom = serializers.CharField(source="uom_code")
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=4)
    amount = serializers.DecimalField(max_digits=20, decimal_places=4)
    result = serializers.ChoiceField(choices=InvoiceLine.Result.choices)
    hold_reason = serializers.CharField()


class InvoiceDetailOutput(serializers.Serializer):
    """The whole invoice with its status and each line's match."""

    invoice_number = serializers.CharField(source="number")
    kind = serializers.ChoiceField(choices=Invoice.Kind.choices)
    credited_invoice = serializers.CharField(source="credited_invoice.number", allow_null=True)
    po_number = serializers.CharField(source="purchase_order.number")
    status = serializers.ChoiceField(choices=Invoice.Status.choices)
    invoice_date = serializers.DateField()
    currency = serializers.CharField()
    total_amount = serializers.DecimalField(max_digits=20, decimal_places=4)
    channel = serializers.CharField()
    received_at = serializers.DateTimeField()
    matched_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    scheduled_for = serializers.DateField(allow_null=True)
    paid_on = serializers.DateField(allow_null=True)
    remittance_reference = serializers.CharField()
    updated_at = serializers.DateTimeField()
    lines = InvoiceLineOutput(many=True)


class InvoiceCreateOutput(InvoiceDetailOutput):
    pass


class InvoiceRetrieveOutput(InvoiceDetailOutput):
    pass


class CreditNoteCreateOutput(InvoiceDetailOutput):
    pass


def _detail(invoice: Invoice, output, *, status_code: int = status.HTTP_200_OK) -> Response:
    invoice = selectors.get_invoice_for_supplier(supplier=invoice.supplier, number=invoice.number)
    data = {
        **{field.name: getattr(invoice, field.name) for field in Invoice._meta.concrete_fields},
        "purchase_order": invoice.purchase_order,
        "credited_invoice": invoice.credited_invoice,
        "lines": selectors.invoice_lines(invoice=invoice),
    }
    return Response(output(data).data, status=status_code)


class InvoiceLineInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InvoiceLine.Kind.choices, default="goods")
    po_line_no = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    quantity = serializers.DecimalField(max_digits=18, decimal_places=6)
    uom = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Default: the PO line's unit."
    )
    unit_price = serializers.DecimalField(max_digits=18, decimal_places=4, min_value=0)


class InvoiceCreateInput(serializers.Serializer):
    invoice_number = serializers.CharField(max_length=40)
    invoice_date = serializers.DateField()
    po_number = serializers.CharField(max_length=40)
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    total_amount = serializers.DecimalField(
        max_digits=20,
        decimal_places=4,
        required=False,
        help_text="When given, must equal the lines' amounts, each rounded to the currency.",
    )
    lines = InvoiceLineInput(many=True, min_length=1, max_length=1000)  # type: ignore[call-arg]


class CreditNoteInput(serializers.Serializer):
    credit_note_number = serializers.CharField(max_length=40)
    invoice_date = serializers.DateField()
    lines = serializers.DictField(
        child=serializers.DecimalField(max_digits=18, decimal_places=6),
        required=False,
        help_text="{invoice line no: quantity to credit}; omitted: the whole invoice.",
    )


class InvoiceListItemOutput(serializers.Serializer):
    invoice_number = serializers.CharField(source="number")
    kind = serializers.ChoiceField(choices=Invoice.Kind.choices)
    po_number = serializers.CharField(source="purchase_order.number")
    status = serializers.ChoiceField(choices=Invoice.Status.choices)
    invoice_date = serializers.DateField()
    currency = serializers.CharField()
    total_amount = serializers.DecimalField(max_digits=20, decimal_places=4)
    line_count = serializers.IntegerField()
    held_count = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class InvoiceListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Invoice.Status.choices, required=False)
    po_number = serializers.CharField(required=False)


def _lines(supplier, purchase_order: PurchaseOrder, lines: list[dict]):
    po_lines = {line.line_no: line for line in purchase_order.lines.select_related("uom", "item")}
    errors: dict[str, dict[str, list[str]]] = {}
    resolved = []
    for index, line in enumerate(lines):
        po_line = None
        if line.get("po_line_no") is not None:
            po_line = po_lines.get(line["po_line_no"])
            if po_line is None:
                errors[str(index)] = {
                    "po_line_no": [f"{purchase_order.number} has no line {line['po_line_no']}."]
                }
                continue
        elif line["kind"] == InvoiceLine.Kind.GOODS:
            errors[str(index)] = {"po_line_no": ["A goods line names its PO line."]}
            continue
        resolved.append(
            services.InvoiceLineInput(
                line_no=index + 1,
                quantity=line["quantity"],
                uom_code=line["uom"] or (po_line.uom.code if po_line else ""),
                unit_price=line["unit_price"],
                po_line=po_line,
                kind=line["kind"],
                description=line["description"],
            )
        )
    if errors:
        raise UnprocessableReference({"lines": errors})
    return resolved


class InvoiceCollection(ApiView):
    """GET lists the supplier's invoices (read scope); POST submits one (invoice scope)."""

    pagination_class = cursor_pagination("-received_at", "-id")

    def get_permissions(self):
        return [ReadScope() if self.request.method == "GET" else InvoiceScope()]

    @extend_schema(
        operation_id="invoices_list",
        summary="List invoices and credit notes with their status",
        parameters=[InvoiceListQuery],
        responses={200: InvoiceListItemOutput(many=True)},
        examples=[
            OpenApiExample(
                "A page",
                value=[
                    {
                        **{
                            k: INVOICE_RESPONSE[k]
                            for k in list(InvoiceListItemOutput().fields)
                            if k in INVOICE_RESPONSE
                        },
                        "line_count": 2,
                        "held_count": 0,
                    }
                ],
                response_only=True,
            )
        ],
        tags=["Invoices"],
    )
    def get(self, request):
        filters = self.parse_query(InvoiceListQuery, extra=("cursor", "limit"))
        queryset = selectors.invoices_for_supplier(
            supplier=supplier_of(request),
            po_number=filters.get("po_number", ""),
            status=filters.get("status", ""),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(InvoiceListItemOutput(page, many=True).data)

    @extend_schema(
        operation_id="invoices_create",
        summary="Submit an invoice (it is matched at once: approved or on hold)",
        request=InvoiceCreateInput,
        responses={201: InvoiceCreateOutput},
        examples=[
            OpenApiExample("Submit", value=INVOICE_REQUEST, request_only=True),
            OpenApiExample("Submitted", value=INVOICE_RESPONSE, response_only=True),
        ],
        tags=["Invoices"],
    )
    def post(self, request):
        supplier = supplier_of(request)
        payload = InvoiceCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        purchase_order = PurchaseOrder.objects.filter(
            supplier=supplier, number=data["po_number"]
        ).first()
        if purchase_order is None:
            raise UnprocessableReference(
                {"po_number": [f"{data['po_number']} is not one of your purchase orders."]}
            )
        number = data["invoice_number"].strip()

        def existing() -> str | None:
            taken = Invoice.objects.filter(supplier=supplier, number=number)
            return reverse("api_invoice_item", args=[number]) if taken.exists() else None

        with conflict_on_natural_key(
            existing=existing,
            fields=("number",),
            detail=f"You already submitted invoice {number}; see `existing`.",
        ):
            invoice = services.invoice_submit(
                actor=request.user,
                supplier=supplier,
                purchase_order=purchase_order,
                header=services.InvoiceHeader(
                    number=number, invoice_date=data["invoice_date"], currency=data["currency"]
                ),
                lines=_lines(supplier, purchase_order, data["lines"]),
                channel=Channel.API,
                stated_total=data.get("total_amount"),
            )
        return _detail(invoice, InvoiceCreateOutput, status_code=status.HTTP_201_CREATED)


class InvoiceItem(ApiView):
    """GET one invoice with its lines' match (read scope)."""

    def get_permissions(self):
        return [ReadScope()]

    @extend_schema(
        operation_id="invoices_retrieve",
        summary="An invoice with its status, payment and each line's match",
        responses={200: InvoiceRetrieveOutput},
        examples=[OpenApiExample("Approved", value=INVOICE_RESPONSE, response_only=True)],
        tags=["Invoices"],
    )
    def get(self, request, invoice_number: str):
        invoice = selectors.get_invoice_for_supplier(
            supplier=supplier_of(request), number=invoice_number
        )
        return _detail(invoice, InvoiceRetrieveOutput)


class InvoiceCreditNotes(ApiView):
    """POST a credit note against one of the supplier's invoices (invoice scope)."""

    def get_permissions(self):
        return [InvoiceScope()]

    @extend_schema(
        operation_id="invoices_credit_notes_create",
        summary="Credit an invoice, wholly or by line, at the invoiced prices",
        request=CreditNoteInput,
        responses={201: CreditNoteCreateOutput},
        examples=[
            OpenApiExample(
                "Credit the whole invoice",
                value={"credit_note_number": "CN-2026-0007", "invoice_date": "2026-03-22"},
                request_only=True,
            ),
            OpenApiExample(
                "Credited",
                value={
                    **INVOICE_RESPONSE,
                    "invoice_number": "CN-2026-0007",
                    "kind": "credit_note",
                    "credited_invoice": "INV-2026-0042",
                    "total_amount": "-3020.6300",
                    "lines": [
                        {
                            **line,
                            "quantity": f"-{line['quantity']}",
                            "amount": f"-{line['amount']}",
                        }
                        for line in INVOICE_RESPONSE["lines"]
                    ],
                },
                response_only=True,
            ),
        ],
        tags=["Invoices"],
    )
    def post(self, request, invoice_number: str):
        supplier = supplier_of(request)
        invoice = selectors.get_invoice_for_supplier(supplier=supplier, number=invoice_number)
        payload = CreditNoteInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        reversal = None
        if data.get("lines"):
            try:
                reversal = {int(no): qty for no, qty in data["lines"].items()}
            except ValueError:
                raise UnprocessableReference(
                    {"lines": ["Keys are invoice line numbers."]}
                ) from None
        note = services.credit_note_create(
            actor=request.user,
            invoice=invoice,
            number=data["credit_note_number"],
            invoice_date=data["invoice_date"],
            reversal=reversal,
            channel=Channel.API,
        )
        return _detail(note, CreditNoteCreateOutput, status_code=status.HTTP_201_CREATED)
