"""`tryton`: the portal's ERP connector (DESIGN §5) over Tryton's JSON-RPC.

Config (`Connector.config`), the password only by the name of its environment variable:

    {"url": "http://127.0.0.1:8069", "database": "tryton", "username": "admin",
     "password_env": "TRYTON_PASSWORD", "uom_map": {"u": "EA", "kg": "KG"},
     "number_prefix": ""}

Identifiers shared by both sides (no mapping table to keep in sync):

- portal PO number = `number_prefix` + Tryton `purchase.purchase.number`;
- portal PO line number = position (1, 2, …) of the line among the purchase's lines of
  type "line", in Tryton's own line order (lines of a confirmed purchase cannot change);
- supplier = `party.party.code` ↔ `Supplier.erp_vendor_id`; product =
  `product.product.code` ↔ `Item.sku`; warehouse = `stock.location.code` (type
  warehouse) ↔ `Warehouse.code`; unit = `product.uom.symbol` through `uom_map`;
- an ASN = a `stock.shipment.in` of the purchase's supplier whose `reference` starts with
  the ASN number (followed by carrier and tracking number).

Outbound (`send`, called by the outbox with the event envelope) states a *target
state* and makes only the difference (`effects.py`), so a resent, timed-out or
half-applied message converges instead of applying twice:

- `purchase_order.acknowledged` / `purchase_order.change_decided` (accepted): each
  line's waiting moves become one move per confirmed schedule line (its quantity and
  date; the line's confirmed quantity and date when the event has no schedule lines),
  and what the supplier will not deliver is one cancelled move in the line's
  `moves_ignored`, Tryton's own "handle shipment exception" (Tryton computes
  `purchase.line.delivery_date` from the moves). More than ordered cannot be written to a
  confirmed purchase: it is a note in the purchase comment for the buyer. The event id
  is recorded in the purchase comment (`[portal <event id>]`): a replay of an event
  already there writes nothing. The confirmed schedule is remembered per line
  (`ErpLineTarget`) for the ASN effects below.
- `asn.submitted` / `asn.updated`: a draft `stock.shipment.in` holding, per purchase
  line, moves of exactly the shipped quantity (in the PO unit), carved off the line's
  waiting moves; the rest keeps waiting on its own date. `asn.cancelled`: the moves leave
  the shipment, the line's waiting moves go back to the remembered confirmed schedule,
  and the draft shipment is cancelled.
- `invoice.approved` (`invoices.py`): a draft supplier invoice (`account.invoice`,
  type "in") whose goods lines are linked to the purchase lines; a credit note has
  negative quantities. Keyed by the event id in its comment, so a replay makes no second
  draft. The pull reads back what Tryton posted and paid (`fetch_supplier_invoices`).
- Routing (`routing.py`): a document that did not come from this Tryton, and that no
  routing rule sends, is delivered as skipped with the reason, never a dead letter.

Transport: the client re-logs in on a lost session and retries 503 / refused
connections with a short backoff; what still fails is transient for the outbox (backoff,
breaker). The last answer is kept in `ErpTransportHealth` for the operator page.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from integrations.connectors.base import BaseConnector, ConnectorError, SendResult, register
from integrations.connectors.tryton import effects, routing
from integrations.connectors.tryton.client import (
    TrytonClient,
    failure_kind,
    for_thread,
    health_seen,
)
from integrations.connectors.tryton.inbound import TrytonInbound
from integrations.connectors.tryton.invoices import INVOICE_EVENTS, TrytonInvoicing
from integrations.models import ErpLineTarget, ErpTransportHealth

DEFAULT_UOM_MAP = {"u": "EA", "kg": "KG", "g": "G", "m": "M", "l": "L"}
ACK_EVENTS = {"purchase_order.acknowledged", "purchase_order.change_decided"}
ASN_EVENTS = {"asn.submitted", "asn.updated", "asn.cancelled"}
ACCEPTED_DECISIONS = {"accepted", "auto_accepted"}
HEALTH_STATES = {"ok": "ok", "session": "session"}


@register("tryton")
class TrytonConnector(TrytonInbound, TrytonInvoicing, BaseConnector):
    REQUIRED = ("url", "database", "username", "password_env")

    @classmethod
    def config_errors(cls, config: dict[str, Any]) -> list[str]:
        return [
            f"config needs {key!r} (see integrations/connectors/tryton/connector.py)"
            for key in cls.REQUIRED
            if not config.get(key)
        ]

    # --- plumbing ------------------------------------------------------------------

    @property
    def client(self) -> TrytonClient:
        missing = self.config_errors(self.config)
        if missing:
            raise ConnectorError("; ".join(missing), permanent=True)
        client = for_thread(
            url=self.config["url"],
            database=self.config["database"],
            username=self.config["username"],
            password=self.secret("password_env"),
            timeout=float(self.connector.timeout_seconds),
        )
        client.on_health = self._health
        return client

    def _health(self, what: str, error: ConnectorError | None) -> None:
        """Keep the operator's health line: written when the state changes (and an "ok"
        at most once a minute), not once per call."""
        state = failure_kind(error) if error is not None else HEALTH_STATES.get(what, "ok")
        now = timezone.now()
        seen = health_seen.get(self.connector.pk)
        if state == "ok" and seen and seen[0] == "ok" and (now - seen[1]).total_seconds() < 60:
            return
        health_seen[self.connector.pk] = (state, now)
        health, _ = ErpTransportHealth.objects.get_or_create(connector=self.connector)
        if state == "ok":
            health.state, health.detail, health.last_ok_at = "ok", "", now
        elif state == "session":
            health.relogins += 1
            health.detail = "session expired or lost: logged in again"
        else:
            health.state = state
            health.detail = (error.message if error else "")[:300]
            health.last_failure_at = now
        health.save()

    @property
    def prefix(self) -> str:
        prefix: str = self.config.get("number_prefix", "")
        return prefix

    @property
    def uom_map(self) -> dict[str, str]:
        return {**DEFAULT_UOM_MAP, **self.config.get("uom_map", {})}

    def close(self) -> None:
        self.client.close()

    def tryton_number(self, po_number: str) -> str:
        if self.prefix and not po_number.startswith(self.prefix):
            raise ConnectorError(
                f"PO {po_number} does not start with {self.prefix!r}: it did not come from "
                "this Tryton.",
                permanent=True,
            )
        return po_number[len(self.prefix) :]

    def _purchase(self, po_number: str, fields: list[str]) -> dict[str, Any]:
        number = self.tryton_number(po_number)
        rows = self.client.search_read(
            "purchase.purchase", [("number", "=", number)], ["id", "number", *fields], limit=1
        )
        if not rows:
            raise ConnectorError(
                f"Tryton has no purchase numbered {number} (portal PO {po_number}).",
                permanent=True,
            )
        return rows[0]

    def _ordered_lines(self, line_ids: list[int], fields: list[str]) -> dict[int, dict[str, Any]]:
        """line_no → purchase.line, line_no being the position among lines of type 'line'
        in the order Tryton lists `purchase.lines`."""
        rows = self.client.read("purchase.line", line_ids, ["type", *fields])
        goods = [row for row in rows if row["type"] == "line"]
        return {position: row for position, row in enumerate(goods, 1)}

    # --- outbound ------------------------------------------------------------------

    def _routing(self, event_type: str, data: dict[str, Any]) -> routing.Decision | None:
        """None: send; a decision not to send, with its reason, otherwise."""
        if event_type in ACK_EVENTS or event_type == "purchase_order.change_proposed":
            numbers = [data["number"]]
        elif event_type in {"asn.submitted", "asn.updated"}:
            numbers = [line["po_number"] for line in data.get("lines") or []]
        elif event_type in INVOICE_EVENTS:
            numbers = [data["po_number"]]
        else:
            return None
        facts = routing.po_facts(numbers)
        for number in sorted(facts):
            item = facts[number]
            if not item.warehouse_code and data.get("ship_to"):
                item = routing.DocumentFacts(
                    item.number, item.origin, item.supplier_code, data["ship_to"]
                )
            decision = routing.decide(self.connector, item)
            if not decision.send:
                return decision
        return None

    def send(self, envelope: dict[str, Any], body: bytes) -> SendResult:
        event_type = envelope["type"]
        data = envelope["data"]
        skipped = self._routing(event_type, data)
        if skipped is not None:
            response = f"skipped: {skipped.reason}"
        elif event_type in ACK_EVENTS:
            response = self.push_acknowledgment(event_type, data, event_id=envelope["id"])
        elif event_type in {"asn.submitted", "asn.updated"}:
            response = self.push_asn(data, aggregate_id=envelope["aggregate"]["id"])
        elif event_type == "asn.cancelled":
            response = self.cancel_asn(data, aggregate_id=envelope["aggregate"]["id"])
        elif event_type in INVOICE_EVENTS:
            response = self.push_invoice(data, event_id=envelope["id"])
        elif event_type == "purchase_order.change_proposed":
            response = self.push_note(
                data["number"],
                "The supplier proposed changes; the buyer decides in the portal.",
                event_id=envelope["id"],
            )
        else:
            response = f"{event_type}: nothing to do in Tryton"
        return SendResult(
            response=response,
            request={
                "url": self.config.get("url"),
                "database": self.config.get("database"),
                "event": event_type,
            },
        )

    def push_acknowledgment(self, event_type: str, data: dict[str, Any], *, event_id: str) -> str:
        client = self.client
        purchase = self._purchase(data["number"], ["lines", "comment", "reference", "state"])
        marker = f"[portal {event_id}]"
        comment = purchase.get("comment") or ""
        if marker in comment:
            return f"purchase {purchase['number']}: event {event_id} already applied"
        notes: list[str] = []
        values: dict[str, Any] = {}
        writes = 0
        if event_type == "purchase_order.change_decided" and data.get("decision") not in (
            ACCEPTED_DECISIONS
        ):
            notes.append("Buyer rejected the supplier's proposed changes.")
        elif data.get("kind") == "reject":
            notes.append(
                f"Supplier rejected the order ({data.get('reason_code')}): "
                f"{data.get('comment', '')}"
            )
        else:
            lines = self._ordered_lines(purchase["lines"], ["quantity"])
            for ack_line in data.get("lines", []):
                line = lines.get(ack_line["line_no"])
                if line is None:
                    raise ConnectorError(
                        f"Tryton purchase {purchase['number']} has no line {ack_line['line_no']}.",
                        permanent=True,
                    )
                schedule = effects.schedule_of(ack_line, ordered=effects.decimal(line["quantity"]))
                outcome = effects.line_apply(client, line["id"], schedule)
                writes += outcome.writes
                notes += [f"Line {ack_line['line_no']}: {note}" for note in outcome.notes]
                self._remember(
                    data["number"], ack_line["line_no"], line["id"], schedule, event_id, outcome
                )
            values["reference"] = f"ACK {data['acknowledgment_id']}"
        # The marker goes last: a crash before it leaves a replay to finish the job (the
        # moves already in place are not written again).
        values["comment"] = "\n".join(filter(None, [comment, *notes, marker]))
        client.write("purchase.purchase", [purchase["id"]], values)
        return f"purchase {purchase['number']} updated ({writes} move change(s))" + (
            f"; {len(notes)} note(s)" if notes else ""
        )

    def push_note(self, po_number: str, note: str, *, event_id: str) -> str:
        """A note for the buyer in the purchase comment, once per event."""
        purchase = self._purchase(po_number, ["comment"])
        marker = f"[portal {event_id}]"
        comment = purchase.get("comment") or ""
        if marker in comment:
            return f"purchase {purchase['number']}: event {event_id} already applied"
        self.client.write(
            "purchase.purchase",
            [purchase["id"]],
            {"comment": "\n".join(filter(None, [comment, f"{note} {marker}"]))},
        )
        return f"purchase {purchase['number']}: note added"

    def _remember(
        self,
        po_number: str,
        line_no: int,
        line_id: int,
        schedule: list[effects.Slot],
        event_id: str,
        outcome: effects.LineOutcome,
    ) -> None:
        ErpLineTarget.objects.update_or_create(
            connector=self.connector,
            erp_line_id=str(line_id),
            defaults={
                "po_number": po_number,
                "line_no": line_no,
                "schedule": [slot.as_json() for slot in schedule],
                "event_id": event_id,
                "cut_move_ids": outcome.cut_ids,
            },
        )

    def own_cuts(self, line_ids: list[int]) -> set[int]:
        """The cancelled moves this connector made itself on these lines (a lower
        confirmed quantity), as opposed to moves the buyer cancelled in Tryton."""
        rows = ErpLineTarget.objects.filter(
            connector=self.connector, erp_line_id__in=[str(i) for i in line_ids]
        ).values_list("cut_move_ids", flat=True)
        return {move_id for ids in rows for move_id in ids}

    def cancel_backorder(self, po_number: str, line_nos: list[int]) -> dict[int, Decimal]:
        """After a short receipt, under the supplier's "cancel backorder" rule: what these
        lines still wait for in Tryton is cancelled and ignored. Returns line no → the
        quantity cancelled."""
        purchase = self._purchase(po_number, ["lines"])
        lines = self._ordered_lines(purchase["lines"], [])
        cancelled = {}
        for line_no in line_nos:
            if line_no not in lines:
                continue
            line_id = lines[line_no]["id"]
            quantity, move_ids = effects.cancel_waiting(self.client, line_id)
            cancelled[line_no] = quantity
            if move_ids:
                # The portal's own doing: not a cancellation by the buyer to follow.
                target, _ = ErpLineTarget.objects.get_or_create(
                    connector=self.connector,
                    erp_line_id=str(line_id),
                    defaults={"po_number": po_number, "line_no": line_no, "event_id": ""},
                )
                target.cut_move_ids = sorted({*target.cut_move_ids, *move_ids})
                target.save(update_fields=["cut_move_ids", "updated_at"])
        if any(cancelled.values()):
            # Tryton recomputes the purchase's shipment state (received) on process.
            self.client.model("purchase.purchase", "process", [purchase["id"]])
        return cancelled

    def _restore(self, line_id: int) -> None:
        """Put a line's waiting moves back to its confirmed schedule (or, with none on
        record, merge them back per date)."""
        target = ErpLineTarget.objects.filter(
            connector=self.connector, erp_line_id=str(line_id)
        ).first()
        if target is None:
            effects.merge_pending(self.client, line_id)
            return
        outcome = effects.line_apply(
            self.client, line_id, [effects.Slot.from_json(row) for row in target.schedule]
        )
        if outcome.cut_ids != target.cut_move_ids:
            target.cut_move_ids = outcome.cut_ids
            target.save(update_fields=["cut_move_ids", "updated_at"])

    def _find_shipment(self, party_id: int, asn_number: str) -> dict[str, Any] | None:
        rows = self.client.search_read(
            "stock.shipment.in",
            [
                ("supplier", "=", party_id),
                ["OR", ("reference", "=", asn_number), ("reference", "like", f"{asn_number} %")],
                ("state", "!=", "cancelled"),
            ],
            ["id", "state", "reference", "planned_date", "incoming_moves", "number"],
            order=[["id", "DESC"]],
            limit=1,
        )
        return rows[0] if rows else None

    @staticmethod
    def shipment_reference(data: dict[str, Any]) -> str:
        return " ".join(
            part
            for part in (data["asn_number"], data.get("carrier"), data.get("tracking_number"))
            if part
        )

    def push_asn(self, data: dict[str, Any], *, aggregate_id: str) -> str:
        """Create or bring up to date the draft supplier shipment of a submitted ASN:
        per purchase line, the shipment holds moves of exactly the shipped quantity."""
        client = self.client
        lines = data.get("lines") or []
        if not lines:
            raise ConnectorError(f"ASN {aggregate_id} has no lines.", permanent=True)
        purchases: dict[str, dict[str, Any]] = {}
        for number in sorted({line["po_number"] for line in lines}):
            purchases[number] = self._purchase(number, ["lines", "party", "warehouse"])
        parties = {p["party"] for p in purchases.values()}
        warehouses = {p["warehouse"] for p in purchases.values()}
        if len(parties) != 1 or len(warehouses) != 1:
            raise ConnectorError(
                f"ASN {aggregate_id} mixes purchases of different suppliers or warehouses.",
                permanent=True,
            )
        party_id, warehouse_id = parties.pop(), warehouses.pop()
        expected = effects.to_date(data.get("expected_delivery"))
        shipment = self._find_shipment(party_id, data["asn_number"])
        if shipment and shipment["state"] != "draft":
            raise ConnectorError(
                f"Tryton shipment {shipment['number']} of ASN {data['asn_number']} is already "
                f"{shipment['state']}; it cannot be changed any more.",
                permanent=True,
            )
        # What the shipment should hold: purchase line id → (quantity, preferred date).
        wanted: dict[int, tuple[Decimal, datetime.date | None, str]] = {}
        for asn_line in lines:
            purchase = purchases[asn_line["po_number"]]
            ordered = self._ordered_lines(purchase["lines"], ["product.code"])
            line = ordered.get(asn_line["po_line_no"])
            what = (
                f"ASN {data['asn_number']} line {asn_line['line_no']} "
                f"({asn_line['po_number']} line {asn_line['po_line_no']})"
            )
            if line is None or (line.get("product.") or {}).get("code") != asn_line["sku"]:
                raise ConnectorError(
                    f"{what}: Tryton purchase {purchase.get('number')} has no line "
                    f"{asn_line['po_line_no']} for {asn_line['sku']}.",
                    permanent=True,
                )
            quantity = effects.decimal(asn_line["quantity_po_uom"])
            before = wanted.get(line["id"], (Decimal(0), None, what))[0]
            wanted[line["id"]] = (
                before + quantity,
                effects.to_date(asn_line.get("schedule_line_date")),
                what,
            )
        values = {"reference": self.shipment_reference(data), "planned_date": expected}
        if shipment is None:
            # The client fills these in from the warehouse by on_change; over RPC we do.
            (warehouse,) = client.read(
                "stock.location", [warehouse_id], ["input_location", "storage_location"]
            )
            (shipment_id,) = client.create(
                "stock.shipment.in",
                [
                    {
                        "supplier": party_id,
                        "warehouse": warehouse_id,
                        "warehouse_input": warehouse["input_location"],
                        "warehouse_storage": warehouse["storage_location"],
                        **values,
                    }
                ],
            )
            held: dict[int, list[dict[str, Any]]] = {}
            changes = 1
        else:
            shipment_id = shipment["id"]
            changes = 0
            if (
                shipment["reference"] != values["reference"]
                or effects.to_date(shipment["planned_date"]) != expected
            ):
                client.write("stock.shipment.in", [shipment_id], values)
                changes += 1
            held = effects.shipped_by_line(effects.shipment_moves(client, shipment_id))
        for line_id in sorted(set(held) | set(wanted)):
            moves = held.get(line_id, [])
            quantity, prefer, what = wanted.get(line_id, (Decimal(0), None, ""))
            if sum((effects.decimal(m["quantity"]) for m in moves), Decimal(0)) == quantity:
                continue
            # Not what the ASN says: the line's moves go back to its confirmed schedule,
            # then the shipped quantity is carved off again.
            effects.free_moves(client, shipment_id, [m["id"] for m in moves])
            self._restore(line_id)
            if quantity > 0:
                taken = effects.carve(client, line_id, quantity, prefer=prefer, what=what)
                if expected:
                    client.write("stock.move", taken, {"planned_date": expected})
                client.write(
                    "stock.shipment.in", [shipment_id], {"incoming_moves": [("add", taken)]}
                )
            changes += 1
        total = sum(len(v) for v in held.values()) if not changes else len(wanted)
        return f"draft shipment {shipment_id}: {len(wanted)} line(s), {changes} change(s)" + (
            "" if changes else f" (already as the ASN says, {total} move(s))"
        )

    def cancel_asn(self, data: dict[str, Any], *, aggregate_id: str) -> str:
        """Cancel the ASN's draft shipment; its moves wait on their purchase lines again,
        back at the confirmed quantities and dates."""
        client = self.client
        _supplier_code, _, asn_number = aggregate_id.partition(":")
        asn_number = data.get("asn_number") or asn_number
        shipments = client.search_read(
            "stock.shipment.in",
            [
                ["OR", ("reference", "=", asn_number), ("reference", "like", f"{asn_number} %")],
                ("state", "!=", "cancelled"),
            ],
            ["id", "state", "incoming_moves", "number"],
        )
        if not shipments:
            return f"no Tryton shipment for ASN {asn_number}: nothing to cancel"
        for shipment in shipments:
            if shipment["state"] != "draft":
                raise ConnectorError(
                    f"Tryton shipment {shipment['number']} of ASN {asn_number} is "
                    f"{shipment['state']}; cancel it in Tryton if the goods did not arrive.",
                    permanent=True,
                )
            held = effects.shipped_by_line(effects.shipment_moves(client, shipment["id"]))
            effects.free_moves(client, shipment["id"], shipment["incoming_moves"])
            for line_id in sorted(held):
                self._restore(line_id)
            client.model("stock.shipment.in", "cancel", [shipment["id"]])
        return f"cancelled {len(shipments)} draft shipment(s)"
