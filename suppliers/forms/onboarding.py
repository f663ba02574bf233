"""Forms of the onboarding pages. They check format only; the rules (what is required,
file types, expiry, who may edit when) are the services', whose DomainError the views put
back on the form with `add_domain_error`."""

from django import forms

from integrations.errors import DomainError
from suppliers.models import DocumentType, SupplierContact, SupplierMembership
from suppliers.models.onboarding import PROFILE_FIELDS, Section, SupplierProfile


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class SupplierInviteForm(forms.Form):
    code = forms.CharField(max_length=20, help_text="Short code, e.g. ACME.")
    name = forms.CharField(max_length=200)
    erp_vendor_id = forms.CharField(label="ERP vendor id", max_length=64, required=False)
    admin_email = forms.EmailField(label="Supplier admin's email")
    orders_contact_name = forms.CharField(label="Orders contact name", required=False)
    orders_contact_email = forms.EmailField(label="Orders contact email", required=False)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = SupplierProfile
        fields = list(PROFILE_FIELDS)
        widgets = {
            "remit_to": forms.Textarea(attrs={"rows": 3}),
            # Never sent back to the browser: the page shows the masked number beside it.
            "bank_account_number": forms.PasswordInput(render_value=False),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.fields["bank_account_number"].help_text = "Leave blank to keep the account on file."


class ContactForm(forms.ModelForm):
    class Meta:
        model = SupplierContact
        fields = ["role", "name", "email", "phone"]

    def __init__(self, *args, **kwargs) -> None:
        # On the checklist beside the profile and location forms: element ids of its own.
        kwargs.setdefault("auto_id", "contact_%s")
        super().__init__(*args, **kwargs)


class LocationForm(forms.Form):
    name = forms.CharField(max_length=100)
    address_line1 = forms.CharField(label="Address", max_length=200)
    city = forms.CharField(max_length=100)
    region = forms.CharField(label="State / region", max_length=100, required=False)
    postal_code = forms.CharField(max_length=20)
    country = forms.CharField(max_length=2, help_text="Two-letter code, e.g. US.")

    def __init__(self, *args, **kwargs) -> None:
        # On the checklist beside the profile and contact forms: element ids of its own.
        kwargs.setdefault("auto_id", "location_%s")
        super().__init__(*args, **kwargs)


class DocumentForm(forms.Form):
    document_type = forms.ModelChoiceField(
        queryset=DocumentType.objects.filter(is_active=True), empty_label=None
    )
    file = forms.FileField(help_text="PDF, PNG or JPEG.")
    expires_on = forms.DateField(
        label="Expiry date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=SupplierMembership.Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=SupplierMembership.Role.choices)


class ReviewForm(forms.Form):
    """One approve/changes choice and one comment per checklist section."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for value, label in Section.choices:
            self.fields[f"{value}_decision"] = forms.ChoiceField(
                label=label,
                choices=[("approve", "Approve"), ("changes", "Request changes")],
                widget=forms.RadioSelect,
            )
            self.fields[f"{value}_comment"] = forms.CharField(
                label=f"Comment on {label.lower()}",
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
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
