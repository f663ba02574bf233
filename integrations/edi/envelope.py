"""Wrapping our outbound sets (850, 997) in an interchange with our own control numbers."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from integrations.edi.control import control_number_next
from integrations.edi.registry import PartnerProfile
from integrations.x12 import (
    Delimiters,
    FunctionalGroup,
    Interchange,
    Segment,
    TransactionSet,
    write,
)

# What we send: '*' elements, '>' components, '~' terminators, one segment per line.
OUTBOUND_DELIMITERS = Delimiters(element="*", component=">", segment="~", repetition="^")


def render_outbound(
    *,
    profile: PartnerProfile,
    functional_id: str,
    sets: Sequence[tuple[str, list[Segment]]],
    leading: Sequence[Segment] = (),
) -> tuple[str, str, str]:
    """(text, ISA13, GS06) of one interchange to `profile` holding one group of `sets`
    (set id, body segments). Control numbers come from our counters."""
    now = timezone.localtime()
    isa13 = control_number_next(scope=f"ISA:{profile.our_qualifier}:{profile.our_id}")
    groups = []
    gs06 = 0
    if sets:
        gs06 = control_number_next(scope=f"GS:{profile.our_gs_id}")
        transaction_sets = []
        for set_id, segments in sets:
            st02 = control_number_next(scope=f"ST:{profile.our_gs_id}")
            transaction_sets.append(
                TransactionSet.create(
                    set_id=set_id, control_number=f"{st02:04d}", segments=segments
                )
            )
        groups.append(
            FunctionalGroup.create(
                functional_id=functional_id,
                sender=profile.our_gs_id,
                receiver=profile.partner_gs_id,
                date=now.strftime("%Y%m%d"),
                time=now.strftime("%H%M"),
                control_number=gs06,
                version=profile.outbound_version,
                transaction_sets=transaction_sets,
            )
        )
    interchange = Interchange.create(
        sender_qualifier=profile.our_qualifier,
        sender_id=profile.our_id,
        receiver_qualifier=profile.partner_qualifier,
        receiver_id=profile.partner_id,
        date=now.strftime("%y%m%d"),
        time=now.strftime("%H%M"),
        control_number=f"{isa13:09d}",
        version=profile.isa_version,
        groups=groups,
        usage=profile.usage,
        delimiters=OUTBOUND_DELIMITERS,
    )
    return write(interchange, leading=leading), f"{isa13:09d}", str(gs06) if sets else ""
