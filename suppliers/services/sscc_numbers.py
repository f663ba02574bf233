"""SSCCs numbered by the portal from the supplier's GS1 company prefix (issue 21).

A supplier that prints its labels from the portal gives its GS1 company prefix once; every
package of an ASN saved with "number the labels" then gets the next serial reference. GS1
forbids reusing an SSCC (for at least a year), so the serial is a stored counter on the
supplier, advanced under a row lock, never derived from the packages that exist now: a
package dropped from an edited or cancelled ASN takes its number with it.
"""

from django.utils.translation import gettext

from integrations.errors import DomainError
from suppliers.models import ShipmentPackage, Supplier
from suppliers.services.sscc import SSCC_LENGTH, sscc_compose

__all__ = ["sscc_allocate"]


def sscc_allocate(supplier: Supplier, count: int) -> list[str]:
    """`count` new SSCCs from the supplier's prefix, in order. Labels typed by hand that
    happen to fall on a serial of the sequence are skipped, so no SSCC is on two packages.
    Call inside the transaction that stores them: the counter row stays locked until then."""
    if count <= 0:
        return []
    locked = Supplier.objects.select_for_update().get(pk=supplier.pk)
    prefix = locked.gs1_company_prefix
    if not prefix:
        raise DomainError(
            gettext(
                "Supplier %(code)s has no GS1 company prefix, so the portal "
                "cannot number SSCC labels: type the SSCCs of your own "
                "labels, or ask the buyer's admin to record your GS1 company "
                "prefix."
            )
            % {"code": locked.code},
            field="sscc",
        )
    last_possible = 10 ** (SSCC_LENGTH - 2 - len(prefix)) - 1
    serial = locked.sscc_last_serial
    numbered: list[str] = []
    while len(numbered) < count:
        wanted = count - len(numbered)
        if serial + wanted > last_possible:
            raise DomainError(
                gettext(
                    "The serial references of GS1 prefix %(prefix)s are used up "
                    "(%(last_possible)s labels); a longer-lived prefix is needed."
                )
                % {"prefix": prefix, "last_possible": format(last_possible, ",")},
                field="sscc",
            )
        candidates = [sscc_compose(prefix, serial + step) for step in range(1, wanted + 1)]
        serial += wanted
        taken = set(
            ShipmentPackage.objects.filter(sscc__in=candidates).values_list("sscc", flat=True)
        )
        numbered.extend(code for code in candidates if code not in taken)
    # A save, not update(): its post_save signal tells the per-process caches of the
    # signed-in user's row (portal.auth_cache), which hold the supplier, that it changed.
    locked.sscc_last_serial = serial
    locked.save(update_fields=["sscc_last_serial"])
    return numbered
