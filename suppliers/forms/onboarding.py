"""Forms of the onboarding pages. They check format only; the rules (what is required,
file types, expiry, who may edit when) are the services', whose DomainError the views put
back on the form with `add_domain_error`."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from integrations.errors import DomainError
from suppliers.models import DocumentType, SupplierContact, SupplierMembership
from suppliers.models.onboarding import PROFILE_FIELDS, Section, SupplierProfile


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class SupplierInviteForm(forms.Form):
    code = forms.CharField(max_length=20, label=_("Code"), help_text=_("Short code, e.g. ACME."))
    name = forms.CharField(max_length=200, label=_("Name"))
    erp_vendor_id = forms.CharField(label=_("ERP vendor id"), max_length=64, required=False)
    admin_email = forms.EmailField(label=_("Supplier admin's email"))
    orders_contact_name = forms.CharField(label=_("Orders contact name"), required=False)
    orders_contact_email = forms.EmailField(label=_("Orders contact email"), required=False)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = SupplierProfile
        fields = list(PROFILE_FIELDS)
        widgets = {
            "remit_to": forms.Textarea(attrs={"rows": 3}),
            # Never sent back to the browser: the page shows the masked number beside it.
            "bank_account_number": forms.PasswordInput(render_value=False),
        }
        labels = {
            "legal_name": _("Legal name"),
            "tax_id": _("Tax id"),
            "address_line1": _("Address line 1"),
            "address_line2": _("Address line 2"),
            "city": _("City"),
            "region": _("Region"),
            "postal_code": _("Postal code"),
            "country": _("Country"),
            "remit_to": _("Remit to"),
            "bank_account_name": _("Bank account name"),
            "bank_account_number": _("Bank account number"),
            "bank_routing": _("Bank routing"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.fields["bank_account_number"].help_text = _("Leave blank to keep the account on file.")


class ContactForm(forms.ModelForm):
    class Meta:
        model = SupplierContact
        fields = ["role", "name", "email", "phone"]
        labels = {"role": _("Role"), "name": _("Name"), "email": _("Email"), "phone": _("Phone")}

    def __init__(self, *args, **kwargs) -> None:
        # On the checklist beside the profile and location forms: element ids of its own.
        kwargs.setdefault("auto_id", "contact_%s")
        super().__init__(*args, **kwargs)


class LocationForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Name"))
    address_line1 = forms.CharField(label=_("Address"), max_length=200)
    city = forms.CharField(max_length=100, label=_("City"))
    region = forms.CharField(label=_("State / region"), max_length=100, required=False)
    postal_code = forms.CharField(max_length=20, label=_("Postal code"))
    country = forms.CharField(
        max_length=2, label=_("Country"), help_text=_("Two-letter code, e.g. US.")
    )

    def __init__(self, *args, **kwargs) -> None:
        # On the checklist beside the profile and contact forms: element ids of its own.
        kwargs.setdefault("auto_id", "location_%s")
        super().__init__(*args, **kwargs)


class DocumentForm(forms.Form):
    document_type = forms.ModelChoiceField(
        queryset=DocumentType.objects.filter(is_active=True),
        empty_label=None,
        label=_("Document type"),
    )
    file = forms.FileField(label=_("File"), help_text=_("PDF, PNG or JPEG."))
    expires_on = forms.DateField(
        label=_("Expiry date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(choices=SupplierMembership.Role.choices, label=_("Role"))


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=SupplierMembership.Role.choices, label=_("Role"))


class ReviewForm(forms.Form):
    """One approve/changes choice and one comment per checklist section."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for value, label in Section.choices:
            self.fields[f"{value}_decision"] = forms.ChoiceField(
                label=label,
                choices=[("approve", _("Approve")), ("changes", _("Request changes"))],
                widget=forms.RadioSelect,
            )
            self.fields[f"{value}_comment"] = forms.CharField(
                label=gettext("Comment on %(section)s") % {"section": str(label).lower()},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def decisions(self) -> dict[str, tuple[bool, str]]:
        return {
            value: (
                self.cleaned_data[f"{value}_decision"] == "approve",
                self.cleaned_data[f"{value}_comment"],
            )
            for value, _ in Section.choices
        }


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))], label=_("Decision")
    )
    comment = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Comment")
    )
