"""The form that creates an API key, for supplier admins and integration operators."""

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integrations.errors import DomainError
from integrations.models import ApiScope


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=80, help_text=_("The system that will use the key.")
    )
    scopes = forms.MultipleChoiceField(label=_("Scopes"), widget=forms.CheckboxSelectMultiple)
    expires_in_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label=_("Expires in (days)"),
        help_text=_("Leave empty for a key that does not expire."),
    )

    def __init__(self, *args: Any, scopes: tuple[ApiScope, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scopes"]
        assert isinstance(field, forms.MultipleChoiceField)  # declared above
        field.choices = [(scope.value, scope.label) for scope in scopes]

    def expires_at(self) -> datetime.datetime | None:
        days = self.cleaned_data.get("expires_in_days")
        return timezone.now() + datetime.timedelta(days=days) if days else None


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
