"""The daily check of supplier availability feeds: a supplier item whose last post is
older than the supplier's freshness window has a stale-availability exception (owner:
purchasing) in the shared inbox, auto-resolved once a fresh post arrives."""

import datetime

from celery import shared_task
from django.utils import timezone

from integrations.models import ExceptionCase, ExceptionClass
from integrations.services import Subject, exception_auto_resolve, exception_open_or_update
from suppliers.models import SupplierAvailability
from suppliers.services.inbound_positions import inbound_positions_refresh
from suppliers.services.inbound_rows import inbound_rows_repair


def _subject(availability: SupplierAvailability) -> Subject:
    supplier_item = availability.supplier_item
    return Subject.document(
        document_type="availability",
        document_ref=f"{supplier_item.supplier.code}:{supplier_item.supplier_sku}",
        supplier_code=supplier_item.supplier.code,
        sku=supplier_item.item.sku,
    )


def stale_availability_check(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Open (or refresh) a case per stale feed, resolve the cases of fresh ones.
    Returns {"stale": n, "resolved": m}."""
    now = now or timezone.now()
    rows = SupplierAvailability.objects.filter(
        supplier_item__is_active=True, supplier_item__supplier__status="active"
    ).select_related("supplier_item__supplier", "supplier_item__item")
    stale = resolved = 0
    open_keys = set(
        ExceptionCase.objects.filter(
            exception_class=ExceptionClass.STALE_AVAILABILITY, status__in=ExceptionCase.ACTIVE
        ).values_list("subject_key", flat=True)
    )
    for availability in rows.iterator(chunk_size=500):
        subject = _subject(availability)
        supplier = availability.supplier_item.supplier
        if availability.is_stale(now=now, freshness_hours=supplier.availability_freshness_hours):
            age_hours = int((now - availability.as_of).total_seconds() // 3600)
            exception_open_or_update(
                actor=None,
                exception_class=ExceptionClass.STALE_AVAILABILITY,
                subject=subject,
                title=(
                    f"{supplier.code} has not updated availability of "
                    f"{availability.supplier_item.supplier_sku} for {age_hours} h "
                    f"(window {supplier.availability_freshness_hours} h)"
                ),
                detail={"as_of": availability.as_of.isoformat(), "age_hours": age_hours},
                now=now,
            )
            stale += 1
        elif subject.subject_key in open_keys:
            exception_auto_resolve(
                actor=None,
                exception_class=ExceptionClass.STALE_AVAILABILITY,
                subject_key=subject.subject_key,
                reason="The supplier posted fresh availability.",
            )
            resolved += 1
    return {"stale": stale, "resolved": resolved}


@shared_task(name="suppliers.check_stale_availability")
def check_stale_availability() -> dict[str, int]:
    return stale_availability_check()


@shared_task(name="suppliers.refresh_inbound_positions")
def refresh_inbound_positions() -> int:
    return inbound_positions_refresh()


@shared_task(name="suppliers.repair_inbound_rows")
def repair_inbound_rows() -> int:
    # A backstop: the services keep the inbound schedule's rows current; this rewrites
    # the purchase orders a write outside them left different from the definition.
    return len(inbound_rows_repair())
