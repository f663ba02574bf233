"""Positions built before 0007 added every source's movements: a warehouse whose ledger
holds both the ERP's and a WMS's events may count one receipt twice. Rebuild those
warehouses' positions from the ledger by the family each now follows. A database without
such a warehouse (every new one) calls nothing."""

from django.db import migrations

from inventory.services.movement_positions import positions_rebuild


def rebuild_mixed(apps, schema_editor):
    movement = apps.get_model("inventory", "InventoryMovement")
    erp = set(movement.objects.filter(source="erp").values_list("warehouse_id", flat=True))
    if not erp:
        return
    wms = set(
        movement.objects.filter(source__startswith="wms:").values_list("warehouse_id", flat=True)
    )
    for warehouse_id in sorted(erp & wms):
        positions_rebuild(warehouse_id=warehouse_id)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0007_warehouse_positions_source"),
    ]

    operations = [migrations.RunPython(rebuild_mixed, migrations.RunPython.noop)]
