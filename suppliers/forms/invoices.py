"""Forms of the invoice and dispute pages: format only; the rules are in the services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from integrations.errors import DomainError
from suppliers.models import Dispute, InvoiceLine
from suppliers.selectors import InvoiceDraft


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """A service's error next to the field it names (a line's on that line's fields)."""
    if error.line is not None:
        for name in (f"{error.field}_{error.line}", f"quantity_{error.line}"):
            if name in form.fields:
                form.add_error(name, error.message)
                return
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _plain(value: Decimal) -> Decimal:
    """100.000000 → 100, 2.5000 → 2.5: what a person types, not the column's scale."""
    return Decimal(f"{value.normalize():f}")


class InvoiceCreateForm(forms.Form):
    """The header, one quantity and price per pre-filled line (`quantity_<n>`,
    `unit_price_<n>`, n the PO line number), and up to two tax or charge lines."""

    number = forms.CharField(max_length=40, label=_("Invoice number"))
    invoice_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), label=_("Invoice date")
    )
    pdf = forms.FileField(required=False, label=_("Invoice PDF"))

    EXTRA_ROWS = 2

    def __init__(self, *args, draft: InvoiceDraft, price_editable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.draft = draft
        for line in draft.lines:
            n = line.po_line.line_no
            self.fields[f"quantity_{n}"] = forms.DecimalField(
                max_digits=18,
                decimal_places=6,
                min_value=Decimal(0),
                initial=_plain(line.quantity),
                label=gettext("Line %(line)s quantity (%(unit)s)")
                % {"line": n, "unit": line.po_line.uom.code},
            )
            self.fields[f"unit_price_{n}"] = forms.DecimalField(
                max_digits=18,
                decimal_places=4,
                min_value=Decimal(0),
                initial=_plain(line.unit_price),
                label=gettext("Line %(line)s unit price") % {"line": n},
                disabled=not price_editable,
            )
        for row in range(1, self.EXTRA_ROWS + 1):
            self.fields[f"extra_kind_{row}"] = forms.ChoiceField(
                choices=[
                    (InvoiceLine.Kind.TAX, _("Tax")),
                    (InvoiceLine.Kind.CHARGE, _("Charge")),
                ],
                required=False,
                label=_("Kind"),
            )
            self.fields[f"extra_description_{row}"] = forms.CharField(
                max_length=200, required=False, label=_("Description")
            )
            self.fields[f"extra_amount_{row}"] = forms.DecimalField(
                max_digits=18,
                decimal_places=4,
                min_value=Decimal(0),
                required=False,
                label=_("Amount"),
            )

    def rows(self):
        """(draft line, quantity field, price field) for the template."""
        return [
            (
                line,
                self[f"quantity_{line.po_line.line_no}"],
                self[f"unit_price_{line.po_line.line_no}"],
            )
            for line in self.draft.lines
        ]

    def extra_rows(self):
        return [
            (
                self[f"extra_kind_{row}"],
                self[f"extra_description_{row}"],
                self[f"extra_amount_{row}"],
            )
            for row in range(1, self.EXTRA_ROWS + 1)
        ]


class CreditNoteForm(forms.Form):
    number = forms.CharField(max_length=40, label=_("Credit note number"))
    invoice_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), label=_("Invoice date")
    )


class ReleaseHoldForm(forms.Form):
    note = forms.CharField(max_length=300, label=_("Why the hold is released"))


class ScheduleForm(forms.Form):
    pay_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=_("Pay on"))


class PaidForm(forms.Form):
    paid_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label=_("Paid on"))
    remittance_reference = forms.CharField(max_length=80, label=_("Remittance reference"))


class DisputeOpenForm(forms.Form):
    reason = forms.ChoiceField(choices=Dispute.Reason.choices, label=_("Reason"))
    amount = forms.DecimalField(
        max_digits=18, decimal_places=4, min_value=Decimal(0), label=_("Amount")
    )
    line_no = forms.IntegerField(required=False, min_value=1, label=_("Invoice line (optional)"))
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, label=_("Message")
    )
    attachment = forms.FileField(required=False, label=_("Attachment"))


class ReceiptDisputeForm(forms.Form):
    """A dispute about a receipt (a variance): no invoice line to name."""

    reason = forms.ChoiceField(choices=Dispute.Reason.choices, label=_("Reason"))
    amount = forms.DecimalField(
        max_digits=18, decimal_places=4, min_value=Decimal(0), label=_("Amount")
    )
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=5000, label=_("Message")
    )
    attachment = forms.FileField(required=False, label=_("Attachment"))


class DisputeMessageForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label=_("Message")
    )
    attachment = forms.FileField(required=False, label=_("Attachment"))


class DisputeResolveForm(forms.Form):
    resolution = forms.ChoiceField(choices=Dispute.Resolution.choices, label=_("Resolution"))
    note = forms.CharField(max_length=500, label=_("Note"))
