"""The snapshot upload form (format only: the ingest enforces the rules)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.models import InventorySnapshot, Warehouse


class SnapshotUploadForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), choices=InventorySnapshot.Source.choices)
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"),
        queryset=Warehouse.objects.filter(is_active=True),
        to_field_name="code",
    )
    taken_at = forms.DateTimeField(
        label=_("Taken at"),
        required=False,
        help_text=_("When the source counted (empty: now)."),
        # The browser shows and types it in the user's locale and sends ISO 8601, which
        # is also what it must be given, whatever the page's language.
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    partial = forms.BooleanField(
        label=_("Partial"),
        required=False,
        help_text=_("The file holds some items only: the others keep the last full snapshot."),
    )
    file = forms.FileField(
        label=_("File"), help_text=_("CSV or XLSX with the columns sku, uom and quantity.")
    )
