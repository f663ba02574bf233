"""The demo seed's onboarding history: active suppliers get an invited → active cycle,
suppliers still onboarding are left half-way through the checklist."""

import pytest
from django.utils import timezone

from suppliers import selectors
from suppliers.demo.onboarding import seed_onboarding_demo
from suppliers.models import Supplier
from tests.suppliers.factories import SupplierFactory

pytestmark = pytest.mark.django_db


def test_twelve_active_suppliers_give_the_documented_cycle_time(portal_admin):
    for n in range(12):
        SupplierFactory(code=f"S{n:02d}")
    late = SupplierFactory(code="LATE", status=Supplier.Status.ONBOARDING)

    counts = seed_onboarding_demo(admin=portal_admin)
    again = seed_onboarding_demo(admin=portal_admin)

    assert counts == {"active_history": 12, "mid_onboarding": 1}
    assert again == {"active_history": 0, "mid_onboarding": 0}
    cycle = selectors.onboarding_cycle_time()
    assert (cycle.suppliers, cycle.average_days, cycle.median_days) == (12, 8.83, 8.5)
    checklist = selectors.onboarding_checklist(supplier=late, today=timezone.localdate())
    assert (checklist.done, checklist.percent) == (1, 25)
