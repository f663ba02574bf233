"""The snapshot upload form (format only: the ingest enforces the rules)."""

from django import forms

from inventory.models import InventorySnapshot, Warehouse


class SnapshotUploadForm(forms.Form):
    source = forms.ChoiceField(choices=InventorySnapshot.Source.choices)
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.filter(is_active=True), to_field_name="code"
    )
    taken_at = forms.DateTimeField(
        required=False,
        help_text="When the source counted (empty: now).",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    partial = forms.BooleanField(
        required=False,
        help_text="The file holds some items only: the others keep the last full snapshot.",
    )
    file = forms.FileField(help_text="CSV or XLSX with the columns sku, uom and quantity.")
