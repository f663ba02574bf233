"""Onboarding history for the demo seed (`seed_demo` calls `seed_onboarding_demo`).

Demo suppliers are created active by the seed, without having gone through onboarding;
this gives them a believable invited → active history (so the onboarding cycle-time KPI
has data) and puts suppliers still onboarding mid-checklist through the real services.
Idempotent: suppliers that already have an invitation date are left alone.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from integrations.models import Channel
from suppliers import services
from suppliers.models import Supplier, SupplierMembership

# Days from invitation to approval, assigned in supplier-code order (cycled): the seeded
# small demo's 12 active suppliers average 8.83 days, median 8.5.
CYCLE_DAYS = (5, 7, 9, 11, 6, 8, 10, 12, 7, 9, 8, 14)

DEMO_PROFILE = {
    "address_line1": "200 Industrial Pkwy",
    "city": "Columbus",
    "region": "OH",
    "postal_code": "43215",
    "country": "US",
    "tax_id": "31-0000000",
    "bank_account_name": "Operating account",
    "bank_account_number": "4400112233",
    "bank_routing": "044000037",
}


@transaction.atomic
def seed_onboarding_demo(*, admin, now: datetime.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    services.document_types_ensure_defaults()
    counts = {"active_history": 0, "mid_onboarding": 0}
    active = Supplier.objects.filter(
        status=Supplier.Status.ACTIVE, invited_at__isnull=True
    ).order_by("code")
    for index, supplier in enumerate(active):
        invited_at = now - datetime.timedelta(days=60 + 3 * index)
        supplier.invited_at = invited_at
        supplier.onboarding_submitted_at = invited_at + datetime.timedelta(
            days=CYCLE_DAYS[index % len(CYCLE_DAYS)] - 1
        )
        supplier.activated_at = invited_at + datetime.timedelta(
            days=CYCLE_DAYS[index % len(CYCLE_DAYS)]
        )
        supplier.save(update_fields=["invited_at", "onboarding_submitted_at", "activated_at"])
        counts["active_history"] += 1
    onboarding = Supplier.objects.filter(
        status__in=(Supplier.Status.INVITED, Supplier.Status.ONBOARDING), invited_at__isnull=True
    ).order_by("code")
    for supplier in onboarding:
        supplier.invited_at = now - datetime.timedelta(days=3)
        supplier.save(update_fields=["invited_at"])
        # As if its first person had accepted the invitation.
        services.onboarding_start(actor=admin, supplier=supplier, channel=Channel.SYSTEM)
        member = (
            SupplierMembership.objects.filter(supplier=supplier, role=SupplierMembership.Role.ADMIN)
            .select_related("user")
            .first()
        )
        actor = member.user if member else admin
        # Half-way: the profile is done and one contact added; the rest is the demo's to do.
        services.supplier_profile_save(
            actor=actor,
            supplier=supplier,
            data={
                **DEMO_PROFILE,
                "legal_name": f"{supplier.name} Inc.",
                "remit_to": f"{supplier.name}, PO Box 100, Columbus OH 43215",
            },
        )
        services.supplier_contact_add(
            actor=actor,
            supplier=supplier,
            role="orders",
            name="Order desk",
            email=f"orders@{supplier.code.lower()}.example",
        )
        counts["mid_onboarding"] += 1
    return counts
