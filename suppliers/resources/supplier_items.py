"""Bulk loading of supplier items through django-import-export: master data, loaded row
by row like items, each row saved by `services.supplier_item_upsert`."""

from django.db import models
from import_export import fields, resources

from integrations.models import Channel
from inventory.resources.items import (
    CodeLookupWidget,
    ColumnErrorsMixin,
    ServiceSaveMixin,
    TextWidget,
    WholeNumberWidget,
    item_widget,
    unit_of_measure_widget,
)
from portal.access import Actor
from suppliers import services
from suppliers.models import Supplier, SupplierItem


def supplier_widget() -> CodeLookupWidget:
    return CodeLookupWidget(Supplier, "code", label="supplier")


class SupplierItemResource(ServiceSaveMixin, ColumnErrorsMixin, resources.ModelResource):
    """What a supplier sells us, keyed by (supplier, sku): a known pair is updated.

    Each row is saved by `services.supplier_item_upsert`, which audits it with the
    importing admin (`user=` of `import_data`) as the actor."""

    service_field_columns = {"item": "sku"}

    supplier = fields.Field(attribute="supplier", column_name="supplier", widget=supplier_widget())
    sku = fields.Field(attribute="item", column_name="sku", widget=item_widget())
    supplier_sku = fields.Field(
        attribute="supplier_sku", column_name="supplier_sku", widget=TextWidget(max_length=60)
    )
    uom = fields.Field(attribute="uom", column_name="uom", widget=unit_of_measure_widget())
    lead_time_days = fields.Field(
        attribute="lead_time_days", column_name="lead_time_days", widget=WholeNumberWidget()
    )

    class Meta:
        model = SupplierItem
        fields = ("supplier", "sku", "supplier_sku", "uom", "lead_time_days")
        import_id_fields = ("supplier", "sku")
        # The service validates (the supplier SKU's uniqueness among them); the model's
        # full_clean would answer first, in other words.
        clean_model_instances = False
        skip_unchanged = True

    @classmethod
    def get_display_name(cls) -> str:
        return "Supplier items (supplier, sku, supplier_sku, uom, lead_time_days)"

    def save_through_service(self, instance: models.Model, *, actor: Actor) -> SupplierItem:
        assert isinstance(instance, SupplierItem)  # Meta.model: import-export builds these
        supplier_item, _created = services.supplier_item_upsert(
            actor=actor,
            supplier=instance.supplier,
            item=instance.item,
            supplier_sku=instance.supplier_sku,
            uom=instance.uom,
            lead_time_days=instance.lead_time_days,
            channel=Channel.CSV,
        )
        return supplier_item
