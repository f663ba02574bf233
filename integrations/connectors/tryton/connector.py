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

Outbound (`send`, called by the outbox with the event envelope):

- `purchase_order.acknowledged` / `purchase_order.change_decided` (accepted): the
  confirmed delivery date goes to the `planned_date` of the line's pending incoming
  `stock.move`s — Tryton computes `purchase.line.delivery_date` from them once the
  purchase is processing (its own `delivery_date_store` is read-only by then). A lower
  confirmed quantity shrinks the pending move and the rest is cancelled and added to the
  line's `moves_ignored`, which is what Tryton's "handle shipment exception" does, so the
  purchase does not recreate it; a higher quantity cannot be written to a confirmed
  Tryton purchase and is noted in the purchase comment for the buyer. The purchase's
  `reference` (the supplier's reference) becomes "ACK <id>".
- `asn.submitted` / `asn.updated`: a draft `stock.shipment.in` with the pending incoming
  moves of the ASN's purchase lines, each set to the shipped quantity (in the PO unit)
  and the expected delivery date. `asn.cancelled`: the moves go back to the purchase and
  the draft shipment is cancelled.

Inbound (`fetch_purchases`, `fetch_receipts`, `fetch_stock`) returns plain dicts; the
`suppliers` app maps them to its models (this package imports no domain app).
"""

import datetime
from decimal import Decimal
from typing import Any

from integrations.connectors.base import BaseConnector, ConnectorError, SendResult, register
from integrations.connectors.tryton.client import TrytonClient, for_thread

DEFAULT_UOM_MAP = {"u": "EA", "kg": "KG", "g": "G", "m": "M", "l": "L"}
PURCHASE_STATES = ("confirmed", "processing", "done", "cancelled")
ACK_EVENTS = {"purchase_order.acknowledged", "purchase_order.change_decided"}
ASN_EVENTS = {"asn.submitted", "asn.updated", "asn.cancelled"}
ACCEPTED_DECISIONS = {"accepted", "auto_accepted"}
PENDING_MOVE_STATES = ["draft"]


def _decimal(value: Any) -> Decimal:
    # Tryton quantities are floats; repr() gives the shortest exact decimal form.
    return value if isinstance(value, Decimal) else Decimal(repr(value))


def _date(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


@register("tryton")
class TrytonConnector(BaseConnector):
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
        return for_thread(
            url=self.config["url"],
            database=self.config["database"],
            username=self.config["username"],
            password=self.secret("password_env"),
            timeout=float(self.connector.timeout_seconds),
        )

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

    def _pending_moves(
        self, line_id: int, *, shipment_id: int | None = None
    ) -> list[dict[str, Any]]:
        domain: list[Any] = [
            ("origin", "=", f"purchase.line,{line_id}"),
            ("state", "in", PENDING_MOVE_STATES),
        ]
        if shipment_id is None:
            domain.append(("shipment", "=", None))
        else:
            domain.append(
                [
                    "OR",
                    ("shipment", "=", None),
                    ("shipment", "=", f"stock.shipment.in,{shipment_id}"),
                ]
            )
        return self.client.search_read(
            "stock.move",
            domain,
            ["id", "quantity", "planned_date", "shipment"],
            order=[["id", "ASC"]],
        )

    # --- outbound ------------------------------------------------------------------

    def send(self, envelope: dict[str, Any], body: bytes) -> SendResult:
        event_type = envelope["type"]
        data = envelope["data"]
        if event_type in ACK_EVENTS:
            response = self.push_acknowledgment(event_type, data, event_id=envelope["id"])
        elif event_type in {"asn.submitted", "asn.updated"}:
            response = self.push_asn(data, aggregate_id=envelope["aggregate"]["id"])
        elif event_type == "asn.cancelled":
            response = self.cancel_asn(data, aggregate_id=envelope["aggregate"]["id"])
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
        notes: list[str] = []
        if event_type == "purchase_order.change_decided" and data.get("decision") not in (
            ACCEPTED_DECISIONS
        ):
            notes.append(f"Buyer rejected the supplier's proposed changes. {marker}")
        elif data.get("kind") == "reject":
            notes.append(
                f"Supplier rejected the order ({data.get('reason_code')}): "
                f"{data.get('comment', '')} {marker}"
            )
        else:
            lines = self._ordered_lines(purchase["lines"], ["quantity", "unit.symbol"])
            for ack_line in data.get("lines", []):
                line = lines.get(ack_line["line_no"])
                if line is None:
                    raise ConnectorError(
                        f"Tryton purchase {purchase['number']} has no line {ack_line['line_no']}.",
                        permanent=True,
                    )
                notes += self._confirm_line(line, ack_line)
            client.write(
                "purchase.purchase",
                [purchase["id"]],
                {"reference": f"ACK {data['acknowledgment_id']}"},
            )
        if notes and marker not in (purchase.get("comment") or ""):
            comment = "\n".join(filter(None, [purchase.get("comment") or "", *notes]))
            client.write("purchase.purchase", [purchase["id"]], {"comment": comment})
        return f"purchase {purchase['number']} updated" + (
            f"; {len(notes)} note(s)" if notes else ""
        )

    def _confirm_line(self, line: dict[str, Any], ack_line: dict[str, Any]) -> list[str]:
        """Write one confirmed line back: the date onto its pending moves, a lower quantity
        as a shrunk move plus a cancelled, ignored remainder."""
        client = self.client
        moves = self._pending_moves(line["id"])
        confirmed = ack_line.get("quantity")
        confirmed = Decimal(str(confirmed)) if confirmed is not None else None
        if ack_line.get("action") == "reject":
            confirmed = Decimal(0)
        date = _date(ack_line.get("date"))
        if date and moves:
            client.write("stock.move", [m["id"] for m in moves], {"planned_date": date})
        ordered = _decimal(line["quantity"])
        if confirmed is None or confirmed == ordered or not moves:
            return []
        if confirmed > ordered:
            return [
                f"Line {ack_line['line_no']}: supplier confirmed {confirmed} instead of "
                f"{ordered}; raise the purchase line quantity in Tryton if you agree."
            ]
        # Shrink the pending moves by the difference, newest first.
        cut = ordered - confirmed
        for move in reversed(moves):
            if cut <= 0:
                break
            quantity = _decimal(move["quantity"])
            take = min(cut, quantity)
            if take == quantity:
                client.model("stock.move", "cancel", [move["id"]])
                ignored = move["id"]
            else:
                client.write("stock.move", [move["id"]], {"quantity": float(quantity - take)})
                (ignored,) = client.model(
                    "stock.move", "copy", [move["id"]], {"quantity": float(take), "shipment": None}
                )
                client.model("stock.move", "cancel", [ignored])
            client.write("purchase.line", [line["id"]], {"moves_ignored": [("add", [ignored])]})
            cut -= take
        return []

    def _find_shipment(self, party_id: int, asn_number: str) -> dict[str, Any] | None:
        rows = self.client.search_read(
            "stock.shipment.in",
            [
                ("supplier", "=", party_id),
                ["OR", ("reference", "=", asn_number), ("reference", "like", f"{asn_number} %")],
                ("state", "!=", "cancelled"),
            ],
            ["id", "state", "reference", "incoming_moves", "number"],
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
        """Create or bring up to date the draft supplier shipment of a submitted ASN."""
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
        expected = _date(data.get("expected_delivery"))
        shipment = self._find_shipment(party_id, data["asn_number"])
        if shipment and shipment["state"] != "draft":
            raise ConnectorError(
                f"Tryton shipment {shipment['number']} of ASN {data['asn_number']} is already "
                f"{shipment['state']}; it cannot be changed any more.",
                permanent=True,
            )
        values = {
            "reference": self.shipment_reference(data),
            "planned_date": expected,
        }
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
        else:
            shipment_id = shipment["id"]
            client.write("stock.shipment.in", [shipment_id], values)
        # Match each ASN line to a pending move of its purchase line.
        wanted: dict[int, dict[str, Any]] = {}
        for asn_line in lines:
            purchase = purchases[asn_line["po_number"]]
            ordered = self._ordered_lines(purchase["lines"], ["product.code"])
            line = ordered.get(asn_line["po_line_no"])
            if line is None or (line.get("product.") or {}).get("code") != asn_line["sku"]:
                raise ConnectorError(
                    f"ASN {data['asn_number']} line {asn_line['line_no']}: Tryton purchase "
                    f"{purchase.get('number', asn_line['po_number'])} has no line "
                    f"{asn_line['po_line_no']} for {asn_line['sku']}.",
                    permanent=True,
                )
            moves = self._pending_moves(line["id"], shipment_id=shipment_id)
            if not moves:
                raise ConnectorError(
                    f"ASN {data['asn_number']} line {asn_line['line_no']}: nothing left to "
                    f"receive on Tryton purchase line of {asn_line['po_number']} line "
                    f"{asn_line['po_line_no']}.",
                    permanent=True,
                )
            move = next((m for m in moves if m["shipment"]), moves[0])
            wanted[move["id"]] = {
                "quantity": float(Decimal(str(asn_line["quantity_po_uom"]))),
                "planned_date": expected,
            }
        current = set(shipment["incoming_moves"]) if shipment else set()
        stale = sorted(current - set(wanted))
        operations: list[Any] = []
        if stale:
            operations.append(("remove", stale))
        for move_id, move_values in wanted.items():
            client.write("stock.move", [move_id], move_values)
        new = sorted(set(wanted) - current)
        if new:
            operations.append(("add", new))
        if operations:
            client.write("stock.shipment.in", [shipment_id], {"incoming_moves": operations})
        return f"draft shipment {shipment_id} with {len(wanted)} move(s)"

    def cancel_asn(self, data: dict[str, Any], *, aggregate_id: str) -> str:
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
            if shipment["incoming_moves"]:
                # The moves go back to the purchase, still waiting to be received.
                client.write(
                    "stock.shipment.in",
                    [shipment["id"]],
                    {"incoming_moves": [("remove", shipment["incoming_moves"])]},
                )
            client.model("stock.shipment.in", "cancel", [shipment["id"]])
        return f"cancelled {len(shipments)} draft shipment(s)"

    # --- inbound -------------------------------------------------------------------

    def map_uom(self, symbol: str) -> str | None:
        return self.uom_map.get(symbol)

    def fetch_purchases(
        self, *, states: tuple[str, ...] = PURCHASE_STATES, since: datetime.datetime | None = None
    ) -> list[dict[str, Any]]:
        """Confirmed (and later) purchases as canonical dicts, oldest first."""
        client = self.client
        domain: list[Any] = [("state", "in", list(states))]
        if since is not None:
            domain.append(["OR", ("write_date", ">=", since), ("create_date", ">=", since)])
        purchases = client.search_read(
            "purchase.purchase",
            domain,
            [
                "id",
                "number",
                "state",
                "reference",
                "purchase_date",
                "party.code",
                "party.name",
                "warehouse.code",
                "currency.code",
                "lines",
            ],
            order=[["id", "ASC"]],
        )
        line_ids = [i for p in purchases for i in p["lines"]]
        line_rows = {
            row["id"]: row
            for row in client.read(
                "purchase.line",
                line_ids,
                ["type", "product.code", "quantity", "unit.symbol", "unit_price", "delivery_date"],
            )
        }
        result = []
        for purchase in purchases:
            goods = [line_rows[i] for i in purchase["lines"] if line_rows[i]["type"] == "line"]
            result.append(
                {
                    "erp_id": str(purchase["id"]),
                    "number": self.prefix + (purchase["number"] or ""),
                    "state": purchase["state"],
                    "reference": purchase.get("reference") or "",
                    "purchase_date": _date(purchase.get("purchase_date")),
                    "supplier": (purchase.get("party.") or {}).get("code") or "",
                    "supplier_name": (purchase.get("party.") or {}).get("name") or "",
                    "warehouse": (purchase.get("warehouse.") or {}).get("code") or "",
                    "currency": (purchase.get("currency.") or {}).get("code") or "",
                    "lines": [
                        {
                            "line_no": position,
                            "erp_line_id": str(line["id"]),
                            "product": (line.get("product.") or {}).get("code") or "",
                            "quantity": _decimal(line["quantity"]),
                            "unit": (line.get("unit.") or {}).get("symbol") or "",
                            "uom": self.map_uom((line.get("unit.") or {}).get("symbol") or ""),
                            "unit_price": _decimal(line["unit_price"] or 0),
                            "delivery_date": _date(line.get("delivery_date")),
                        }
                        for position, line in enumerate(goods, 1)
                    ],
                }
            )
        return result

    def fetch_receipts(self, *, since: datetime.datetime | None = None) -> list[dict[str, Any]]:
        """Supplier shipments received (or done) in Tryton, with what arrived per purchase
        line, as canonical dicts."""
        client = self.client
        domain: list[Any] = [("state", "in", ["received", "done"]), ("reference", "!=", None)]
        if since is not None:
            domain.append(("write_date", ">=", since))
        shipments = client.search_read(
            "stock.shipment.in",
            domain,
            [
                "id",
                "number",
                "reference",
                "state",
                "effective_date",
                "supplier.code",
                "incoming_moves",
            ],
            order=[["id", "ASC"]],
        )
        moves = {
            row["id"]: row
            for row in client.read(
                "stock.move",
                [i for s in shipments for i in s["incoming_moves"]],
                ["origin", "quantity", "unit.symbol", "product.code", "state"],
            )
        }
        # Purchase line id → (portal PO number, line number).
        line_ids = sorted(
            {
                int(m["origin"].split(",")[1])
                for m in moves.values()
                if (m.get("origin") or "").startswith("purchase.line,")
            }
        )
        purchase_of = {
            row["id"]: row["purchase"]
            for row in client.read("purchase.line", line_ids, ["purchase"])
        }
        purchases = client.read(
            "purchase.purchase", sorted(set(purchase_of.values())), ["number", "lines"]
        )
        position: dict[int, tuple[str, int]] = {}
        for purchase in purchases:
            for line_no, line in self._ordered_lines(purchase["lines"], []).items():
                position[line["id"]] = (self.prefix + purchase["number"], line_no)
        result = []
        for shipment in shipments:
            lines = []
            for move_id in shipment["incoming_moves"]:
                move = moves[move_id]
                origin = move.get("origin") or ""
                if move["state"] != "done" or not origin.startswith("purchase.line,"):
                    continue
                po_number, line_no = position[int(origin.split(",")[1])]
                symbol = (move.get("unit.") or {}).get("symbol") or ""
                lines.append(
                    {
                        "po_number": po_number,
                        "po_line_no": line_no,
                        "product": (move.get("product.") or {}).get("code") or "",
                        "quantity": _decimal(move["quantity"]),
                        "unit": symbol,
                        "uom": self.map_uom(symbol),
                    }
                )
            result.append(
                {
                    "erp_id": str(shipment["id"]),
                    "number": shipment["number"],
                    "asn_number": (shipment["reference"] or "").split(" ")[0],
                    "state": shipment["state"],
                    "received_on": _date(shipment.get("effective_date")),
                    "supplier": (shipment.get("supplier.") or {}).get("code") or "",
                    "lines": lines,
                }
            )
        return result

    def fetch_stock(
        self,
        *,
        warehouses: list[str],
        products: list[str] | None = None,
        on: datetime.date | None = None,
    ) -> list[dict[str, Any]]:
        """On-hand quantity per product × warehouse (the warehouse's storage, Tryton's own
        `product.product.quantity` computed with the `locations` context)."""
        client = self.client
        rows = client.search_read(
            "stock.location",
            [("type", "=", "warehouse"), ("code", "in", warehouses)],
            ["id", "code"],
        )
        product_domain: list[Any] = [("type", "=", "goods")]
        if products is not None:
            product_domain.append(("code", "in", products))
        result = []
        for warehouse in rows:
            context = {"locations": [warehouse["id"]], "with_childs": True}
            if on is not None:
                context["stock_date_end"] = on
            for product in client.search_read(
                "product.product",
                product_domain,
                ["code", "quantity", "forecast_quantity", "default_uom.symbol"],
                context=context,
            ):
                symbol = (product.get("default_uom.") or {}).get("symbol") or ""
                result.append(
                    {
                        "warehouse": warehouse["code"],
                        "product": product["code"],
                        "quantity": _decimal(product["quantity"]),
                        "forecast_quantity": _decimal(product["forecast_quantity"]),
                        "unit": symbol,
                        "uom": self.map_uom(symbol),
                    }
                )
        return result
