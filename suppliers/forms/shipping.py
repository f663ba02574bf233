"""Forms for ASNs, milestones and availability. They check format only; the services
enforce the business rules, and views put each DomainError next to the field it names."""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from itertools import zip_longest
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from integrations.errors import DomainError
from inventory.models import UnitOfMeasure
from suppliers.models import PurchaseOrder, PurchaseOrderLine, ShipmentMilestone, Supplier
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
    asn_number = forms.CharField(label=_("ASN number"), max_length=40)
    ship_date = forms.DateField(widget=DATE, label=_("Ship date"))
    expected_delivery = forms.DateField(widget=DATE, label=_("Expected delivery"))
    carrier = forms.CharField(
        required=False,
        max_length=80,
        widget=CarrierInput(),
        label=_("Carrier"),
        help_text=_("Choose from the list, or type another carrier."),
    )
    tracking_number = forms.CharField(required=False, max_length=80, label=_("Tracking number"))
    package_count = forms.IntegerField(min_value=1, initial=1, label=_("Packages"))
    gross_weight_kg = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=3,
        label=_("Weight (kg)"),
    )
    sscc_labels = forms.CharField(
        required=False,
        label=_("SSCC labels"),
        help_text=_("One SSCC-18 per line, optional."),
        widget=forms.Textarea({"rows": 3}),
    )
    number_ssccs = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Number the labels"),
        help_text=_("Give every package without an SSCC the next one from your GS1 prefix."),
    )
    package_weights = forms.CharField(
        required=False,
        label=_("Package weights (kg)"),
        help_text=_("The weight of each package, one per line, in package order; optional."),
        widget=forms.Textarea({"rows": 3}),
    )

    def __init__(self, *args: Any, supplier: Supplier | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if supplier is None or not supplier.gs1_company_prefix:
            # Without a GS1 prefix the portal has nothing to number labels from.
            del self.fields["number_ssccs"]

    def clean_package_weights(self) -> list[Decimal]:
        weights = []
        lines = [text.strip() for text in self.cleaned_data["package_weights"].splitlines()]
        for number, text in enumerate((text for text in lines if text), 1):
            try:
                weight = Decimal(text.replace(",", "."))
            except InvalidOperation:
                weight = Decimal(-1)
            if not weight.is_finite() or weight < 0:
                raise forms.ValidationError(
                    gettext(
                        "Package %(number)s: '%(text)s' is not a weight; "
                        "enter kilograms such as 12.5."
                    )
                    % {"number": number, "text": text}
                )
            weights.append(weight)
        return weights

    def header(self) -> AsnHeader:
        data = self.cleaned_data
        labels = [text.strip() for text in data.get("sscc_labels", "").splitlines() if text.strip()]
        weights: list[Decimal] = data.get("package_weights") or []
        packages = [
            PackageInput(sscc=label or "", weight_kg=weight)
            for label, weight in zip_longest(labels, weights)
        ]
        return AsnHeader(
            asn_number=data["asn_number"].strip(),
            ship_date=data["ship_date"],
            expected_delivery=data["expected_delivery"],
            carrier=carrier_name(data.get("carrier", "")),
            tracking_number=data.get("tracking_number", ""),
            package_count=data["package_count"],
            gross_weight_kg=data.get("gross_weight_kg"),
            packages=packages,
            number_ssccs=bool(data.get("number_ssccs")),
        )


class _PurchaseOrderChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: PurchaseOrder) -> str:
        return f"{obj.number} → {obj.ship_to.code}"


class AsnCreateForm(AsnHeaderForm):
    purchase_orders = _PurchaseOrderChoiceField(
        queryset=PurchaseOrder.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Purchase orders to ship"),
        help_text=_("Every open quantity of these POs is put on the ASN; edit it next."),
    )

    def __init__(self, *args: Any, purchase_orders: QuerySet[PurchaseOrder], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["purchase_orders"]
        assert isinstance(field, _PurchaseOrderChoiceField)  # declared above
        field.queryset = purchase_orders


class AsnLineForm(forms.Form):
    """One PO line on the ASN edit page; a blank quantity leaves the line off the ASN."""

    quantity = forms.DecimalField(
        required=False, max_digits=18, decimal_places=6, label=_("Quantity")
    )
    uom = forms.ChoiceField(label=_("Unit"))
    lot = forms.CharField(
        required=False, max_length=60, widget=forms.TextInput({"size": 10}), label=_("Lot")
    )
    expiry_date = forms.DateField(required=False, widget=DATE, label=_("Expiry date"))
    serial_numbers = forms.CharField(
        required=False,
        widget=forms.Textarea({"rows": 1}),
        label=_("Serial numbers"),
        help_text=_("One per line."),
    )
    schedule_line = forms.ChoiceField(
        required=False, label=_("Delivery"), help_text=_("Which confirmed delivery this ships.")
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
        delivery.choices = [("", gettext("Oldest open first"))] + [
            (
                key,
                gettext("%(quantity)s %(unit)s on %(date)s (%(open)s open)")
                % {
                    "quantity": plain(s.quantity),
                    "unit": po_line.uom.code,
                    "date": f"{s.date:%Y-%m-%d}",
                    "open": plain(s.open_qty),
                },
            )
            for key, s in self.deliveries.items()
        ]
        uom = self.fields["uom"]
        assert isinstance(uom, forms.ChoiceField)  # declared above
        uom.choices = [(str(unit.pk), unit.code) for unit in units]
        where = {"number": po_line.purchase_order.number, "line": po_line.line_no}
        self.fields["quantity"].widget.attrs["aria-label"] = (
            gettext("Quantity for %(number)s line %(line)s") % where
        )
        self.fields["uom"].widget.attrs["aria-label"] = (
            gettext("Unit for %(number)s line %(line)s") % where
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
    code = forms.ChoiceField(choices=ShipmentMilestone.Code.choices, label=_("Milestone"))
    location = forms.CharField(required=False, max_length=120, label=_("Location"))
    note = forms.CharField(required=False, max_length=500, label=_("Note"))
    new_eta = forms.DateField(required=False, widget=DATE, label=_("New ETA (delay)"))
    reason = forms.CharField(required=False, max_length=200, label=_("Delay reason"))


class CancelForm(forms.Form):
    reason = forms.CharField(required=False, max_length=200, label=_("Reason"))


class AvailabilityRowForm(forms.Form):
    qty_available = forms.DecimalField(
        max_digits=18, decimal_places=6, label=_("Available"), min_value=Decimal(0)
    )
    available_date = forms.DateField(required=False, widget=DATE, label=_("Next available"))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("CSV or XLSX."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it."))
        return upload


def plain(quantity: Decimal) -> str:
    """A quantity for a form field: 120, not 120.000000 nor 1.2E+2."""
    return f"{quantity.normalize():f}"


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Put a service's error next to the field it names, or on the form."""
    # The service speaks of one SSCC; the form takes them all in one box.
    field = error.field
    if field is not None:
        field = {"sscc": "sscc_labels", "weight_kg": "package_weights"}.get(field, field)
    form.add_error(field if field in form.fields else None, error.message)
