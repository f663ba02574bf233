"""Bulk loading of items through django-import-export (CSV and XLSX, from the admin).

The widgets here turn one spreadsheet cell into a Python value or raise `ValueError` with
a message that says what is wrong with *that cell*; import-export files the message under
the row number and column, so the dry run lists every bad cell instead of a traceback.
They are shared by the `suppliers` resources (which may import this app, never the reverse).
"""

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError
from django.db import models
from django.utils.translation import gettext, gettext_noop
from import_export import fields, resources, widgets

from integrations.errors import DomainError
from integrations.models import Channel
from inventory.models import Item, UnitOfMeasure, Warehouse
from inventory.services import item_upsert

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def cell_text(value: Any) -> str:
    """A cell as stripped text. XLSX hands numbers over as int/float: a SKU typed as
    10001 arrives as 10001 or 10001.0 and must read back as "10001"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class TextWidget(widgets.CharWidget):
    """Stripped text; `required` cells may not be blank."""

    def __init__(self, *, required: bool = True, max_length: int | None = None) -> None:
        super().__init__()
        self.required = required
        self.max_length = max_length

    def clean(self, value, row=None, **kwargs) -> str:
        text = cell_text(value)
        if self.required and not text:
            raise ValueError(gettext("This column is required."))
        if self.max_length is not None and len(text) > self.max_length:
            raise ValueError(f"'{text}' is longer than {self.max_length} characters.")
        return text


class CodeLookupWidget(widgets.ForeignKeyWidget):
    """A foreign key given by its code (SKU, UoM code, warehouse code…).

    An unknown code is a `ValueError` naming it ("Unknown SKU 'X'"), never a leaked
    `DoesNotExist`. Lookups are cached per import, and `prime()` loads every code of a
    column in one query, so a file of N rows costs one query per column, not N.
    """

    def __init__(self, model: type[models.Model], field: str, *, label: str) -> None:
        super().__init__(model, field)
        self.label = label
        self._cache: dict[str, models.Model | None] = {}

    def prime(self, values) -> None:
        codes = {cell_text(value) for value in values} - set(self._cache) - {""}
        if not codes:
            return
        found = {
            getattr(obj, self.field): obj
            for obj in self.model.objects.filter(**{f"{self.field}__in": codes})
        }
        for code in codes:
            self._cache[code] = found.get(code)

    def clean(self, value, row=None, **kwargs):
        code = cell_text(value)
        if not code:
            # `label` is a msgid (gettext_noop where the widget is made).
            raise ValueError(gettext("Enter a %(label)s code.") % {"label": gettext(self.label)})
        if code not in self._cache:
            self.prime([code])
        obj = self._cache[code]
        if obj is None:
            raise ValueError(
                gettext("Unknown %(label)s '%(code)s'.")
                % {"label": gettext(self.label), "code": code}
            )
        return obj


def unit_of_measure_widget() -> CodeLookupWidget:
    return CodeLookupWidget(UnitOfMeasure, "code", label=gettext_noop("unit of measure"))


def item_widget() -> CodeLookupWidget:
    return CodeLookupWidget(Item, "sku", label=gettext_noop("SKU"))


def warehouse_widget() -> CodeLookupWidget:
    return CodeLookupWidget(Warehouse, "code", label=gettext_noop("warehouse"))


class ExactDecimalWidget(widgets.DecimalWidget):
    """A number kept exact: "12.50" stays Decimal("12.50"). Floats from XLSX go through
    their shortest repr, so 2.675 is Decimal("2.675"), not its binary approximation."""

    def clean(self, value, row=None, **kwargs) -> Decimal:
        if isinstance(value, bool):
            raise ValueError(f"'{value}' is not a number.")
        if isinstance(value, Decimal):
            number = value
        else:
            text = cell_text(value)
            if not text:
                raise ValueError(gettext("Enter a number."))
            try:
                number = Decimal(repr(value) if isinstance(value, float) else text)
            except InvalidOperation:
                raise ValueError(f"'{text}' is not a number.") from None
        if not number.is_finite():
            raise ValueError(f"'{cell_text(value)}' is not a number.")
        return number


class WholeNumberWidget(widgets.IntegerWidget):
    """A whole number ≥ `minimum` (line numbers, lead times)."""

    def __init__(self, *, minimum: int = 0) -> None:
        super().__init__()
        self.minimum = minimum

    def clean(self, value, row=None, **kwargs) -> int:
        text = cell_text(value)
        if not text:
            raise ValueError(gettext("Enter a whole number."))
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"'{text}' is not a whole number.") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueError(f"'{text}' is not a whole number.")
        if number < self.minimum:
            raise ValueError(
                gettext("%(value)s is less than %(minimum)s.")
                % {"value": text, "minimum": self.minimum}
            )
        return int(number)


class IsoDateWidget(widgets.DateWidget):
    """A date as YYYY-MM-DD text, or a date cell from XLSX. Nothing else: 03/04/2025
    means different days to different people, so it is refused rather than guessed."""

    def clean(self, value, row=None, **kwargs) -> datetime.date:
        if isinstance(value, datetime.datetime):
            if value.time() != datetime.time(0):
                raise ValueError(f"'{value}' has a time of day; enter a date only.")
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = cell_text(value)
        if not text:
            raise ValueError(gettext("Enter a date as YYYY-MM-DD."))
        try:
            # fromisoformat alone would also take 20250314 and 2025-W11-5.
            if not ISO_DATE.fullmatch(text):
                raise ValueError(text)
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a date in the form YYYY-MM-DD.") from None


class YesNoWidget(widgets.BooleanWidget):
    """yes/no, true/false, 1/0 (any case); blank means no. Anything else is an error
    rather than a silent False."""

    TRUE_TEXT = frozenset({"yes", "y", "true", "1"})
    FALSE_TEXT = frozenset({"no", "n", "false", "0", ""})

    def clean(self, value, row=None, **kwargs) -> bool:
        if isinstance(value, bool):
            return value
        text = cell_text(value).lower()
        if text in self.TRUE_TEXT:
            return True
        if text in self.FALSE_TEXT:
            return False
        raise ValueError(f"'{cell_text(value)}' is not yes or no.")

    def render(self, value, obj=None, **kwargs) -> str:
        return "yes" if value else "no"


if TYPE_CHECKING:
    # The mixins below are mixed into import-export resources; this lets the checker see
    # the resource methods they call and override.
    from import_export.resources import Resource as _ResourceBase
else:
    _ResourceBase = object


class ColumnErrorsMixin(_ResourceBase):
    """File row errors under the spreadsheet's column names (`sku`) rather than the
    model attributes they feed (`item`), and warm the lookup caches before the rows."""

    def import_instance(self, instance, row, **kwargs) -> None:
        # The base class keys errors by attribute, which `validate_instance` needs to
        # skip re-validating those model fields; `validate_instance` renames them.
        errors = {}
        for field in self.get_import_fields():
            try:
                self.import_field(field, instance, row, **kwargs)
            except ValueError as error:
                errors[field.attribute] = ValidationError(str(error), code="invalid")
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            columns = {field.attribute: field.column_name for field in self.fields.values()}
            raise ValidationError(
                {columns.get(key, key): messages for key, messages in error.error_dict.items()}
            ) from None

    def get_instance(self, instance_loader, row):
        # An import id that does not resolve (an unknown supplier code) means "no
        # existing row"; `import_instance` then reports it as a cell error instead of
        # the loader raising a bare exception out of the row.
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None

    def before_import(self, dataset, **kwargs) -> None:
        super().before_import(dataset, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, CodeLookupWidget) and field.column_name in (
                dataset.headers or []
            ):
                field.widget.prime(dataset[field.column_name])


class ServiceSaveMixin(_ResourceBase):
    """Save each row through the app's service instead of `instance.save()`.

    `save_instance` is import-export's hook for the save (it receives the import's
    kwargs, among them `user`, the admin doing the import: the audit actor). The service
    applies the business rules and writes the audit entry; a `DomainError` becomes an
    error on the row, under the column it names. A dry run runs the service too, inside
    import-export's transaction, which is rolled back: nothing is written, and the
    preview already shows the rows the rules refuse.
    """

    # DomainError.field (the service's vocabulary) → the column the user has to fix.
    service_field_columns: dict[str, str] = {}

    def save_through_service(self, instance: models.Model, *, actor) -> models.Model:
        raise NotImplementedError

    def save_instance(self, instance, is_create, row, **kwargs) -> None:
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            # The service writes for real: only a rolled-back transaction makes it dry.
            raise ImproperlyConfigured("A dry run of this import needs database transactions.")
        self.before_save_instance(instance, row, **kwargs)
        try:
            saved = self.save_through_service(instance, actor=kwargs.get("user"))
        except DomainError as error:
            column = self.service_field_columns.get(error.field or "", error.field or "")
            if column not in {field.column_name for field in self.fields.values()}:
                column = NON_FIELD_ERRORS
            raise ValidationError({column: [error.message]}) from None
        # The row's preview and its admin log entry read the instance: show them what
        # the service stored (its primary key, its normalised values).
        for field in self.get_import_fields():
            setattr(instance, field.attribute, getattr(saved, field.attribute))
        instance.pk = saved.pk
        instance._state.adding = False
        self.after_save_instance(instance, row, **kwargs)


class ItemResource(ServiceSaveMixin, ColumnErrorsMixin, resources.ModelResource):
    """Items by SKU: a known SKU updates the item, a new one creates it.

    Each row is saved by `item_upsert`, which audits it with the importing admin
    (`user=` of `import_data`) as the actor."""

    sku = fields.Field(attribute="sku", column_name="sku", widget=TextWidget(max_length=40))
    description = fields.Field(
        attribute="description", column_name="description", widget=TextWidget(max_length=200)
    )
    base_uom = fields.Field(
        attribute="base_uom", column_name="base_uom", widget=unit_of_measure_widget()
    )
    item_class = fields.Field(
        attribute="item_class",
        column_name="item_class",
        widget=TextWidget(required=False, max_length=20),
    )
    is_serialized = fields.Field(
        attribute="is_serialized", column_name="is_serialized", widget=YesNoWidget()
    )

    class Meta:
        model = Item
        fields = ("sku", "description", "base_uom", "item_class", "is_serialized")
        import_id_fields = ("sku",)
        # The service validates; the model's full_clean would only repeat part of it
        # with other words.
        clean_model_instances = False
        skip_unchanged = True

    @classmethod
    def get_display_name(cls) -> str:
        return gettext("Items (sku, description, base_uom, item_class, is_serialized)")

    def save_through_service(self, instance: models.Model, *, actor: Any) -> Item:
        assert isinstance(instance, Item)  # this resource's model
        item, _created = item_upsert(
            actor=actor,
            sku=instance.sku,
            description=instance.description,
            base_uom=instance.base_uom,
            item_class=instance.item_class,
            is_serialized=instance.is_serialized,
            channel=Channel.CSV,
        )
        return item
