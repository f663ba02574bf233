"""ASN numbers from a per-supplier sequence: ASN-000001, ASN-000002, …

No counter is stored: the next number is one more than the highest of the supplier's
ASN numbers that follow the pattern (numbers typed by hand in another form do not take
part). Two clicks at the same moment may compute the same number; the loser meets the
ASN number's uniqueness (the service's own check, or the unique constraint when both
pass it together) and tries the next number, like the API's natural-key 409 handling
looks the holder up instead of failing.
"""

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Max
from django.db.models.functions import Cast, Substr
from django.utils.translation import gettext

from integrations.errors import DomainError
from suppliers.models import Shipment, Supplier

__all__ = ["ASN_NUMBER_DIGITS", "ASN_NUMBER_PREFIX", "asn_create_numbered", "next_asn_number"]

ASN_NUMBER_PREFIX = "ASN-"
ASN_NUMBER_DIGITS = 6
# Digits beyond 12 would not fit the cast; such numbers are not the sequence's.
_SEQUENCE_PATTERN = rf"^{ASN_NUMBER_PREFIX}[0-9]{{1,12}}$"
# Enough for every realistic burst of simultaneous clicks of one supplier.
ATTEMPTS = 5


def next_asn_number(supplier: Supplier) -> str:
    """One more than the supplier's highest sequence number (ASN-000001 for the first)."""
    top = Shipment.objects.filter(supplier=supplier, asn_number__regex=_SEQUENCE_PATTERN).aggregate(
        top=Max(Cast(Substr("asn_number", len(ASN_NUMBER_PREFIX) + 1), BigIntegerField()))
    )["top"]
    return f"{ASN_NUMBER_PREFIX}{(top or 0) + 1:0{ASN_NUMBER_DIGITS}d}"


def _taken(supplier: Supplier, number: str) -> bool:
    return Shipment.objects.filter(supplier=supplier, asn_number=number).exists()


def asn_create_numbered(
    *, supplier: Supplier, create: Callable[[str], Shipment], attempts: int = ATTEMPTS
) -> Shipment:
    """Run `create(number)` with the supplier's next ASN number; when another request has
    just taken that number, try again with the one after. Each attempt runs in its own
    savepoint, so a lost race leaves the caller's transaction usable."""
    number = ""
    for _attempt in range(attempts):
        number = next_asn_number(supplier)
        try:
            with transaction.atomic():
                return create(number)
        except IntegrityError:
            # The unique constraint: both requests passed the service's check together.
            if not _taken(supplier, number):
                raise
        except DomainError as error:
            # The service's own uniqueness check: the other request had committed.
            if error.field != "asn_number" or not _taken(supplier, number):
                raise
    raise DomainError(
        gettext("ASN number %(number)s was taken while this ASN was being created; try again.")
        % {"number": number},
        field="asn_number",
    )
