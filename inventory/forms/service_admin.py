"""Admin add/change forms saved through the app's services, for every app's admin.

It lives here, beside `PortalAdminImportExportMixin`, because the layers run
portal -> suppliers -> inventory -> integrations: `suppliers.admin` may import this
module, while neither app may import `portal` (except `portal.access`).
"""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import admin
from django.db import models, router, transaction
from django.http import HttpRequest

from integrations.errors import DomainError
from portal.access import Actor

_M = TypeVar("_M", bound=models.Model)


class ServiceModelForm(forms.ModelForm):
    """Runs the admin's service on the cleaned values and rolls it back, so that the
    service's rules answer on the form (next to the field a `DomainError` names) before
    anything is saved. The admin sets `service_check` on the class it builds."""

    service_check: Callable[..., models.Model] | None = None

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned_data = self.cleaned_data
        if self.errors:
            # A value the form could not read (an unknown unit id…) has no cleaned value
            # to hand the service; the form's own message says what to fix.
            return cleaned_data
        current = None if self.instance._state.adding else self.instance
        if self.service_check is None:
            raise TypeError(f"{type(self).__name__} has no service_check: build it with get_form.")
        try:
            with transaction.atomic(using=router.db_for_write(self._meta.model)):
                self.service_check(current=current, data=cleaned_data)
                # A dry run: the service's writes and audit entry are undone; save_model
                # calls it again for real.
                transaction.set_rollback(True)
        except DomainError as error:
            field = error.field if error.field in self.fields else None
            self.add_error(field, error.message)
        return cleaned_data


class ServiceAdminMixin(admin.ModelAdmin, Generic[_M]):
    """A ModelAdmin whose add and change forms are validated and saved by a service.

    Subclasses name the form's fields (`service_add_fields`, `service_change_fields`;
    read-only fields are left out of the form) and implement `save_through_service`,
    which receives the form's cleaned values and the stored object (None when adding)
    and returns the object the service saved. The service writes the audit entry with
    the signed-in user as the actor; Django's admin still writes its own log entry.
    """

    form = ServiceModelForm
    service_add_fields: tuple[str, ...] = ()
    service_change_fields: tuple[str, ...] = ()

    def save_through_service(self, *, actor: Actor, current: _M | None, data: dict[str, Any]) -> _M:
        raise NotImplementedError

    def get_fields(self, request: HttpRequest, obj: _M | None = None) -> tuple[str, ...]:
        # Only what the service takes is editable: a field the form saved by itself would
        # skip the rules and the audit entry.
        fields = self.service_change_fields if obj is not None else self.service_add_fields
        readonly = [name for name in self.get_readonly_fields(request, obj) if name not in fields]
        return (*fields, *readonly)

    def get_form(
        self, request: HttpRequest, obj: _M | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change=change, **kwargs)

        def service_check(*, current: _M | None, data: dict[str, Any]) -> _M:
            return self.save_through_service(actor=request.user, current=current, data=data)

        # staticmethod: a plain function on the class would be bound to the form.
        return type(form.__name__, (form,), {"service_check": staticmethod(service_check)})

    def save_model(
        self, request: HttpRequest, obj: _M, form: forms.ModelForm, change: bool
    ) -> None:
        saved = self.save_through_service(
            actor=request.user, current=obj if change else None, data=form.cleaned_data
        )
        # The admin goes on with `obj` (its log entry, the redirect to the saved object):
        # give it what the service stored, the primary key and normalised values included.
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False
        obj._state.db = saved._state.db
