from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    name = "suppliers"

    def ready(self) -> None:
        # The EDI channel (integrations) reaches suppliers' partners and mappers only
        # through what is registered here (DESIGN §2: integrations imports no domain app).
        # Imported in ready(): models must be loaded before the EDI mappers import them.
        from suppliers.edi.registration import register

        register()
