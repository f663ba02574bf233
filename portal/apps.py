from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # The portal's notifications hear what the services announce (portal.notifications).
        from integrations.services.notices import subscribe
        from portal.notifications import on_notice

        subscribe(on_notice)
