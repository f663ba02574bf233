"""Plug the suppliers app's knowledge of where a PO came from into the Tryton
connector's routing (`integrations` imports no domain app, DESIGN §2). Called once from
`SuppliersConfig.ready`."""

from integrations.connectors.tryton import routing
from integrations.models import ErpRoutingRule
from suppliers.models import PurchaseOrder


def po_facts(numbers: list[str]) -> dict[str, routing.DocumentFacts]:
    """Origin, supplier and warehouse of the POs with these numbers: a PO pulled from
    the ERP carries its ERP id; a seeded or imported one does not."""
    rows = PurchaseOrder.objects.filter(number__in=numbers).values_list(
        "number", "erp_id", "supplier__code", "ship_to__code"
    )
    return {
        number: routing.DocumentFacts(
            number=number,
            origin=ErpRoutingRule.Origin.ERP if erp_id else ErpRoutingRule.Origin.OTHER,
            supplier_code=supplier_code,
            warehouse_code=warehouse_code,
        )
        for number, erp_id, supplier_code, warehouse_code in rows
    }


def register() -> None:
    routing.register_po_lookup(po_facts)
