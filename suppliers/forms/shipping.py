"""Forms for ASNs, milestones and availability. They check format only; the services
enforce the business rules, and views put each DomainError next to the field it names."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from integrations.errors import DomainError
from inventory.models import UnitOfMeasure
from suppliers.models import PurchaseOrder, PurchaseOrderLine, ShipmentMilestone
from suppliers.services import AsnHeader, AsnLineInput, PackageInput
from suppliers.services.carriers import CARRIERS, carrier_name

DATE = forms.DateInput(attrs={"type": "date"})


class CarrierInput(forms.TextInput):
    """A text box offering the listed carriers (an HTML datalist): pick one, or type any
    other carrier's name."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"list": "carrier-options", "autocomplete": "off", **(attrs or {})})

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        options = "".join(
            format_html('<option value="{}"></option>', carrier.name) for carrier in CARRIERS
        )
        datalist = format_html(
            '<datalist id="{}">{}</datalist>', self.attrs["list"], mark_safe(options)
        )
        return format_html("{}{}", super().render(name, value, attrs, renderer), datalist)


class AsnHeaderForm(forms.Form):
    asn_number = forms.CharField(label="ASN number", max_length=40)
    ship_date = forms.DateField(widget=DATE)
    expected_delivery = forms.DateField(widget=DATE)
    carrier = forms.CharField(
        required=False,
        max_length=80,
        widget=CarrierInput(),
        help_text="Choose from the list, or type another carrier.",
    )
    tracking_number = forms.CharField(required=False, max_length=80)
    package_count = forms.IntegerField(min_value=1, initial=1, label="Packages")
    gross_weight_kg = forms.DecimalField(
        required=False, min_value=Decimal(0), max_digits=12, decimal_places=3, label="Weight (kg)"
    )
    sscc_labels = forms.CharField(
        required=False,
        label="SSCC labels",
        help_text="One SSCC-18 per line, optional.",
        widget=forms.Textarea({"rows": 3}),
    )

    def header(self) -> AsnHeader:
        data = self.cleaned_data
        labels = [text.strip() for text in data.get("sscc_labels", "").splitlines() if text.strip()]
        return AsnHeader(
            asn_number=data["asn_number"].strip(),
            ship_date=data["ship_date"],
            expected_delivery=data["expected_delivery"],
            carrier=carrier_name(data.get("carrier", "")),
            tracking_number=data.get("tracking_number", ""),
            package_count=data["package_count"],
            gross_weight_kg=data.get("gross_weight_kg"),
            packages=[PackageInput(sscc=label) for label in labels],
        )


class _PurchaseOrderChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: PurchaseOrder) -> str:
        return f"{obj.number} → {obj.ship_to.code}"


class AsnCreateForm(AsnHeaderForm):
    purchase_orders = _PurchaseOrderChoiceField(
        queryset=PurchaseOrder.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Purchase orders to ship",
        help_text="Every open quantity of these POs is put on the ASN; edit it next.",
    )

    def __init__(self, *args: Any, purchase_orders: QuerySet[PurchaseOrder], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["purchase_orders"]
        assert isinstance(field, _PurchaseOrderChoiceField)  # declared above
        field.queryset = purchase_orders


class AsnLineForm(forms.Form):
    """One PO line on the ASN edit page; a blank quantity leaves the line off the ASN."""

    quantity = forms.DecimalField(required=False, max_digits=18, decimal_places=6)
    uom = forms.ChoiceField(label="Unit")
    lot = forms.CharField(required=False, max_length=60, widget=forms.TextInput({"size": 10}))
    expiry_date = forms.DateField(required=False, widget=DATE)
    serial_numbers = forms.CharField(
        required=False, widget=forms.Textarea({"rows": 1}), help_text="One per line."
    )
    schedule_line = forms.ChoiceField(
        required=False, label="Delivery", help_text="Which confirmed delivery this ships."
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        po_line: PurchaseOrderLine,
        units: list[UnitOfMeasure],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, prefix=f"line-{po_line.pk}", **kwargs)
        self.po_line = po_line
        self.units = {str(unit.pk): unit for unit in units}
        # The line's confirmed deliveries (the view prefetches them); blank: oldest first.
        self.deliveries = {str(s.pk): s for s in po_line.schedule_lines.all()}
        delivery = self.fields["schedule_line"]
        assert isinstance(delivery, forms.ChoiceField)  # declared above
        delivery.choices = [("", "Oldest open first")] + [
            (
                key,
                f"{plain(s.quantity)} {po_line.uom.code} on {s.date:%Y-%m-%d}"
                f" ({plain(s.open_qty)} open)",
            )
            for key, s in self.deliveries.items()
        ]
        uom = self.fields["uom"]
        assert isinstance(uom, forms.ChoiceField)  # declared above
        uom.choices = [(str(unit.pk), unit.code) for unit in units]
        self.fields["quantity"].widget.attrs["aria-label"] = (
            f"Quantity for {po_line.purchase_order.number} line {po_line.line_no}"
        )
        self.fields["uom"].widget.attrs["aria-label"] = (
            f"Unit for {po_line.purchase_order.number} line {po_line.line_no}"
        )

    def line_input(self) -> AsnLineInput | None:
        data = self.cleaned_data
        if data.get("quantity") is None:
            return None
        serials = tuple(
            text.strip()
            for text in data.get("serial_numbers", "").replace(",", "\n").splitlines()
            if text.strip()
        )
        return AsnLineInput(
            po_line=self.po_line,
            quantity=data["quantity"],
            uom=self.units[data["uom"]],
            lot=data.get("lot", ""),
            expiry_date=data.get("expiry_date"),
            serial_numbers=serials,
            schedule_line=self.deliveries.get(data.get("schedule_line") or ""),
        )


class MilestoneForm(forms.Form):
    code = forms.ChoiceField(choices=ShipmentMilestone.Code.choices, label="Milestone")
    location = forms.CharField(required=False, max_length=120)
    note = forms.CharField(required=False, max_length=500)
    new_eta = forms.DateField(required=False, widget=DATE, label="New ETA (delay)")
    reason = forms.CharField(required=False, max_length=200, label="Delay reason")


class CancelForm(forms.Form):
    reason = forms.CharField(required=False, max_length=200)


class AvailabilityRowForm(forms.Form):
    qty_available = forms.DecimalField(
        max_digits=18, decimal_places=6, label="Available", min_value=Decimal(0)
    )
    available_date = forms.DateField(required=False, widget=DATE, label="Next available")


class UploadForm(forms.Form):
    file = forms.FileField(help_text="CSV or XLSX.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError("Upload a .csv or .xlsx file.")
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 5 MB; split it.")
        return upload


def plain(quantity: Decimal) -> str:
    """A quantity for a form field: 120, not 120.000000 nor 1.2E+2."""
    return f"{quantity.normalize():f}"


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Put a service's error next to the field it names, or on the form."""
    # The service speaks of one SSCC; the form takes them all in one box.
    field = error.field
    if field is not None:
        field = {"sscc": "sscc_labels", "weight_kg": "gross_weight_kg"}.get(field, field)
    form.add_error(field if field in form.fields else None, error.message)
