"""Plug the suppliers app's EDI partners, inbound mappers and 850 builder into the EDI
channel of `integrations`, which imports no domain app (DESIGN §2). Called once from
`SuppliersConfig.ready`."""

from integrations.edi import registry
from integrations.edi.inbound_997 import map_997
from suppliers.edi import inbound_846, inbound_846_810, inbound_855, inbound_856, outbound
from suppliers.edi.partners import partner_by_code, partner_for_sender


def register() -> None:
    """Register partners, mappers and the 850 builder with the EDI channel."""
    registry.register_partners(lookup=partner_for_sender, by_code=partner_by_code)
    registry.register_inbound_handler("855", inbound_855.map_855)
    registry.register_inbound_handler("856", inbound_856.map_856)
    registry.register_inbound_batch_handler(
        "846", inbound_846.map_846_batch, prepare=inbound_846.prepare_846
    )
    registry.register_inbound_handler("810", inbound_846_810.map_810)
    registry.register_inbound_handler("997", map_997)
    registry.register_outbound_purchase_orders(outbound.purchase_order_850)
