"""Only what belongs to Tryton goes to Tryton.

A PO that did not come from the ERP (seeded, imported from a file, another system) has
no purchase in Tryton: sending its acknowledgment or ASN there can only fail. Each
outbound message is routed by the connector's `ErpRoutingRule`s (origin, supplier,
warehouse; first match by position decides); with no rule matching, a document goes to
the ERP only when it came from it. A message routed away is delivered as "skipped" with
the reason, never a dead letter.

The origin of a PO is the domain's to say (`integrations` imports no domain app): the
suppliers app registers a lookup at start-up (`suppliers/erp/registration.py`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from integrations.models import Connector, ErpRoutingRule


@dataclass(frozen=True)
class DocumentFacts:
    """What routing needs to know of one PO."""

    number: str
    origin: str  # ErpRoutingRule.Origin: "erp" or "other"
    supplier_code: str
    warehouse_code: str


PoLookup = Callable[[list[str]], dict[str, DocumentFacts]]
_po_lookup: list[PoLookup] = []


def register_po_lookup(lookup: PoLookup) -> None:
    _po_lookup[:] = [lookup]


def po_facts(numbers: Iterable[str]) -> dict[str, DocumentFacts]:
    """Facts of the POs the portal knows; a number it does not know is of origin
    "other". Without a registered lookup every PO counts as the ERP's (the old rule)."""
    wanted = sorted(set(numbers))
    if not _po_lookup:
        return {n: DocumentFacts(n, ErpRoutingRule.Origin.ERP, "", "") for n in wanted}
    known = _po_lookup[0](wanted)
    return {
        n: known.get(n) or DocumentFacts(n, ErpRoutingRule.Origin.OTHER, "", "") for n in wanted
    }


@dataclass(frozen=True)
class Decision:
    send: bool
    reason: str


def decide(connector: Connector, facts: DocumentFacts) -> Decision:
    for rule in connector.routing_rules.all():
        if rule.matches(
            origin=facts.origin,
            supplier_code=facts.supplier_code,
            warehouse_code=facts.warehouse_code,
        ):
            return Decision(
                rule.action == ErpRoutingRule.Action.SEND,
                f"PO {facts.number}: routing rule {rule}",
            )
    if facts.origin == ErpRoutingRule.Origin.ERP:
        return Decision(True, f"PO {facts.number} came from this ERP")
    return Decision(
        False, f"PO {facts.number} did not come from this ERP (no routing rule sends it)"
    )


def describe(connector: Connector) -> list[str]:
    """The connector's routing in words, for the catalog."""
    lines = [str(rule) for rule in connector.routing_rules.all()]
    lines.append("otherwise: documents that came from this ERP → send; others → skip")
    return lines
