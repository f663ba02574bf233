"""Each warehouse's live positions follow one source family, its source of record for
movements (issue 22): `Warehouse.positions_source` ("wms", "erp", or automatic: the WMS
when the warehouse has a WMS connector, else the ERP; `Warehouse.positions_family`).

The WMS and the ERP both report a physical receipt once the ERP's stock moves are pulled
for a warehouse that also has a WMS feed; summing both would count it twice. So a
movement of the other family is validated, sequenced and recorded in the ledger like
any other (its stream, idempotency and flags unchanged: `applied` means "its stream got
there"), but it changes no live position: it is the corroborating record reconciliation
reads.

Whether a movement counts is derived at read time, never stored on the ledger row: an
effect counts when the movement's family is the family of the warehouse whose figure it
changes. So a transfer out of A counts at A (available) when A follows its family, and
its in-transit at the destination B when B follows it; the transfer in at B (available
and in-transit at B) when B follows its family. In transit at B is thus made and taken
off by B's own family's events: a transfer whose out only the other family reports
leaves B's in-transit below zero when B's transfer in arrives, as figures may be.

Changing the setting (`warehouse_positions_source_set`; the warehouse admin calls it,
also when a changed WMS connector moves an automatic warehouse to the other family)
recomputes the warehouse's positions from the applied ledger
(`movement_positions.positions_rebuild`) in the same transaction.
"""

from django.db import transaction
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_update
from inventory.models import Warehouse
from inventory.services.movement_positions import positions_rebuild
from portal.access import Actor


def _snapshot(warehouse: Warehouse) -> dict[str, str]:
    return {"positions_source": warehouse.positions_source}


@transaction.atomic
def warehouse_positions_source_set(
    *,
    actor: Actor,
    warehouse: Warehouse,
    positions_source: str,
    family_before: str | None = None,
    channel: str = Channel.PORTAL,
) -> int:
    """Set the warehouse's source of record for movements (audited) and, when the family
    its positions follow is no longer `family_before` (by default the stored one),
    recompute every position of the warehouse from the applied ledger. Returns how many
    positions were rewritten (0 when the family stays)."""
    if positions_source not in Warehouse.PositionsSource.values:
        raise DomainError(
            gettext(
                "%(value)s is not a positions source: leave it empty (automatic) or "
                "choose wms or erp."
            )
            % {"value": repr(positions_source)},
            field="positions_source",
        )
    current = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
    before = current.positions_family if family_before is None else family_before
    audit_update(
        actor=actor,
        channel=channel,
        obj=current,
        values={"positions_source": positions_source},
        snapshot=_snapshot,
    )
    warehouse.positions_source = positions_source
    if current.positions_family == before:
        return 0
    return positions_rebuild(warehouse_id=current.pk)
