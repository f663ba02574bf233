from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        # The portal's notifications hear what the services announce (portal.notifications).
        from integrations.services.notices import filter_recipients, subscribe
        from portal.notifications import on_notice, wanting_email_now

        subscribe(on_notice)
        # The services' own detailed e-mails follow each person's delivery preference.
        filter_recipients(wanting_email_now)
        # Every change to what a signed-in request's user row holds (user, groups, supplier
        # membership, supplier) replaces the generation of the rows kept per process.
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

        from portal.auth_cache import changed, saving
        from suppliers.models import Supplier, SupplierMembership

        user_model = get_user_model()
        for model in (user_model, Group, SupplierMembership, Supplier):
            for signal in (post_save, post_delete):
                signal.connect(
                    changed, sender=model, dispatch_uid=f"auth_cache.{model._meta.label}"
                )
        m2m_changed.connect(
            changed, sender=user_model.groups.through, dispatch_uid="auth_cache.user_groups"
        )
        # A supplier saved with the values it had keeps the generation (`saving`).
        pre_save.connect(saving, sender=Supplier, dispatch_uid="auth_cache.supplier_saving")
