"""The supplier's acknowledgment forms (accept, reject, per-line changes with schedule
lines) and the buyer's decision form."""

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from integrations.errors import DomainError
from suppliers.models import AcknowledgmentLine, PurchaseOrderLine, ReasonCode
from suppliers.services import LineProposalInput, ScheduleLineInput

REASON_CHOICES = [("", _("— reason —")), *ReasonCode.choices]
# A domain error about one of these fields goes next to it; anything else to the line.
LINE_FIELDS = {"action", "reason_code", "quantity", "uom", "date", "unit_price", "comment"}


class AcceptForm(forms.Form):
    # Both forms are on the PO page: each hidden revision has an element id of its own.
    revision = forms.IntegerField(min_value=1, widget=forms.HiddenInput({"id": "accept_revision"}))
    comment = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea({"rows": 2}), label=_("Comment")
    )


class RejectForm(forms.Form):
    revision = forms.IntegerField(min_value=1, widget=forms.HiddenInput({"id": "reject_revision"}))
    reason_code = forms.ChoiceField(choices=REASON_CHOICES, label=_("Reason"))
    comment = forms.CharField(
        max_length=2000, widget=forms.Textarea({"rows": 3}), label=_("Comment")
    )


class DecisionForm(forms.Form):
    comment = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea({"rows": 2}), label=_("Comment")
    )


def _uom_choices(po_line: PurchaseOrderLine) -> list[tuple[str, str]]:
    """The PO line's unit first, then the supplier's selling unit when it differs."""
    choices = [(po_line.uom.code, po_line.uom.code)]
    supplier_item = getattr(po_line, "supplier_item", None)
    if supplier_item is not None and supplier_item.uom.code != po_line.uom.code:
        choices.append((supplier_item.uom.code, supplier_item.uom.code))
    return choices


def _uoms(po_line: PurchaseOrderLine) -> dict:
    uoms = {po_line.uom.code: po_line.uom}
    supplier_item = getattr(po_line, "supplier_item", None)
    if supplier_item is not None:
        uoms[supplier_item.uom.code] = supplier_item.uom
    return uoms


class LineForm(forms.Form):
    action = forms.ChoiceField(choices=AcknowledgmentLine.Action.choices, label=_("Answer"))
    reason_code = forms.ChoiceField(choices=REASON_CHOICES, required=False, label=_("Reason"))
    quantity = forms.DecimalField(
        required=False, max_digits=18, decimal_places=6, label=_("Quantity")
    )
    uom = forms.ChoiceField(required=False, label=_("Unit"))
    date = forms.DateField(
        required=False, widget=forms.DateInput({"type": "date"}), label=_("Promised date")
    )
    unit_price = forms.DecimalField(
        required=False, max_digits=18, decimal_places=4, min_value=0, label=_("Unit price")
    )
    comment = forms.CharField(required=False, max_length=500, label=_("Note"))

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, po_line: PurchaseOrderLine, **kwargs: Any
    ) -> None:
        super().__init__(data, prefix=f"line-{po_line.line_no}", **kwargs)
        self.po_line = po_line
        uom = self.fields["uom"]
        assert isinstance(uom, forms.ChoiceField)  # declared above
        uom.choices = _uom_choices(po_line)
        self.line_errors: list[str] = []
        self.schedule_rows: list[ScheduleRowForm] = []

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        changed = [
            name for name in ("quantity", "date", "unit_price") if data.get(name) is not None
        ]
        if data.get("action") == AcknowledgmentLine.Action.ACCEPT and changed:
            # Typed a change but left the answer on Accept: ask rather than drop it silently.
            self.add_error("action", _("You entered changes on this line: choose Change."))
        return data


class ScheduleRowForm(forms.Form):
    quantity = forms.DecimalField(max_digits=18, decimal_places=6, label=_("Quantity"))
    uom = forms.ChoiceField(label=_("Unit"))
    date = forms.DateField(widget=forms.DateInput({"type": "date"}), label=_("Date"))

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        po_line: PurchaseOrderLine,
        index: int,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, prefix=f"line-{po_line.line_no}-s{index}", **kwargs)
        self.po_line = po_line
        self.index = index
        uom = self.fields["uom"]
        assert isinstance(uom, forms.ChoiceField)  # declared above
        uom.choices = _uom_choices(po_line)

    def is_blank(self) -> bool:
        return not any(
            (self.data.get(self.add_prefix(name)) or "").strip() for name in ("quantity", "date")
        )


def _schedule_indexes(data, line_no: int) -> list[int]:
    pattern = re.compile(rf"^line-{line_no}-s(\d+)-quantity$")
    return sorted({int(m.group(1)) for key in data if (m := pattern.match(key))})


class ChangeProposalForm:
    """One LineForm per PO line plus its schedule rows; `errors` for the whole form."""

    def __init__(self, po_lines: list[PurchaseOrderLine], data=None, revision: int = 1) -> None:
        self.data = data
        self.is_bound = data is not None
        self.revision = revision
        self.comment = ""
        self.errors: list[str] = []
        self.line_forms: list[LineForm] = []
        for po_line in po_lines:
            initial = {"action": AcknowledgmentLine.Action.ACCEPT, "uom": po_line.uom.code}
            line_form = LineForm(data, po_line=po_line, initial=initial)
            if data is not None:
                line_form.schedule_rows = [
                    ScheduleRowForm(data, po_line=po_line, index=index)
                    for index in _schedule_indexes(data, po_line.line_no)
                ]
            self.line_forms.append(line_form)
        if data is not None:
            self.comment = (data.get("comment") or "").strip()[:2000]
            try:
                self.revision = int(data.get("revision", ""))
            except ValueError:
                self.errors.append(
                    str(_("The form lost track of the PO revision; reload the page."))
                )

    def is_valid(self) -> bool:
        valid = self.is_bound and not self.errors
        for line_form in self.line_forms:
            valid = line_form.is_valid() and valid
            for row in line_form.schedule_rows:
                if not row.is_blank():
                    valid = row.is_valid() and valid
        return valid

    def line_inputs(self) -> list[LineProposalInput]:
        inputs = []
        for line_form in self.line_forms:
            data = line_form.cleaned_data
            uoms = _uoms(line_form.po_line)
            schedule = tuple(
                ScheduleLineInput(
                    quantity=row.cleaned_data["quantity"],
                    date=row.cleaned_data["date"],
                    uom=uoms[row.cleaned_data["uom"]],
                )
                for row in line_form.schedule_rows
                if not row.is_blank()
            )
            quantity: Decimal | None = data.get("quantity")
            inputs.append(
                LineProposalInput(
                    line_no=line_form.po_line.line_no,
                    action=data["action"],
                    quantity=quantity,
                    uom=uoms.get(data.get("uom") or "", line_form.po_line.uom),
                    date=data.get("date"),
                    unit_price=data.get("unit_price"),
                    schedule=schedule,
                    reason_code=data.get("reason_code") or "",
                    comment=data.get("comment") or "",
                )
            )
        return inputs

    def add_domain_error(self, error: DomainError) -> None:
        """Put the service's error next to the line and field it names."""
        for line_form in self.line_forms:
            if error.line is not None and str(line_form.po_line.line_no) == str(error.line):
                if error.field in LINE_FIELDS:
                    line_form.add_error(error.field, error.message)
                else:
                    line_form.line_errors.append(error.message)
                return
        self.errors.append(error.message)
