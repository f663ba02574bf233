from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "suppliers"

    def ready(self) -> None:
        # The EDI channel (integrations) reaches suppliers' partners and mappers only
        # through what is registered here (DESIGN §2: integrations imports no domain app).
        # Imported in ready(): models must be loaded before the EDI mappers import them.
        from suppliers.edi.registration import register
        from suppliers.erp.registration import register as register_erp_routing

        register()
        register_erp_routing()
        # Reconciliation learns of goods on open ASNs through this provider (inventory
        # may not import suppliers: docs/architecture.md §6).
        from inventory.services.in_flight import inbound_provider_register
        from suppliers.services.inbound_evidence import open_asn_evidence

        inbound_provider_register(open_asn_evidence)
        # Live positions and ATP learn of dated supplier inbound the same way.
        from inventory.selectors.atp import scheduled_inbound_provider_register
        from suppliers.services.scheduled_inbound import scheduled_inbound_rows

        scheduled_inbound_provider_register(scheduled_inbound_rows)
