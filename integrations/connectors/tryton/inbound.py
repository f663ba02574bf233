"""Inbound reads from Tryton as plain dicts (the `suppliers` app maps them to its models;
this package imports no domain app).

Incremental: `fetch_purchases` and `fetch_receipts` take `since` (Tryton's own
`write_date`, or `create_date` for rows never written) and report the newest stamp they
saw, so the caller can keep a cursor. A purchase counts as changed when the purchase, one
of its lines or one of its stock moves changed (a buyer cancelling moves in Tryton does
not touch the purchase row).
"""

import datetime
from typing import Any

from integrations.connectors.tryton.client import TrytonClient
from integrations.connectors.tryton.cursors import changed_since
from integrations.connectors.tryton.effects import decimal as _decimal
from integrations.connectors.tryton.effects import to_date as _date

PURCHASE_STATES = ("confirmed", "processing", "done", "cancelled")


class TrytonInbound:
    """Mixed into `TrytonConnector`: the reads of the pull tasks."""

    last_stamp: datetime.datetime | None = None

    @property
    def client(self) -> TrytonClient:
        raise NotImplementedError

    @property
    def prefix(self) -> str:
        raise NotImplementedError

    @property
    def uom_map(self) -> dict[str, str]:
        raise NotImplementedError

    def _ordered_lines(self, line_ids: list[int], fields: list[str]) -> dict[int, dict[str, Any]]:
        raise NotImplementedError

    def own_cuts(self, line_ids: list[int]) -> set[int]:
        raise NotImplementedError

    def _stamp(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            stamp = row.get("write_date") or row.get("create_date")
            if stamp and (self.last_stamp is None or stamp > self.last_stamp):
                self.last_stamp = stamp

    def _changed_purchase_ids(self, since: datetime.datetime) -> list[int]:
        """Purchases whose row, lines or moves changed since `since`."""
        client = self.client
        changed = ["OR", ("write_date", ">", since), ("create_date", ">", since)]
        fields = ["id", "write_date", "create_date"]
        rows = client.search_read("purchase.purchase", [changed], fields)
        self._stamp(rows)
        ids = {row["id"] for row in rows}
        lines = client.search_read("purchase.line", [changed], [*fields, "purchase"])
        self._stamp(lines)
        ids.update(row["purchase"] for row in lines)
        moves = client.search_read(
            "stock.move", [changed, ("origin", "like", "purchase.line,%")], [*fields, "origin"]
        )
        self._stamp(moves)
        line_ids = sorted({int(m["origin"].split(",")[1]) for m in moves if m.get("origin")})
        ids.update(row["purchase"] for row in client.read("purchase.line", line_ids, ["purchase"]))
        return sorted(ids)

    def map_uom(self, symbol: str) -> str | None:
        return self.uom_map.get(symbol)

    def fetch_purchases(
        self,
        *,
        states: tuple[str, ...] = PURCHASE_STATES,
        since: datetime.datetime | None = None,
        also_ids: list[int] | None = None,
    ) -> list[dict[str, Any]]:
        """Confirmed (and later) purchases as canonical dicts, oldest first: all of them,
        or those changed since `since` plus `also_ids` (refused last time)."""
        client = self.client
        domain: list[Any] = [("state", "in", list(states))]
        if since is not None:
            changed = sorted({*self._changed_purchase_ids(since), *(also_ids or [])})
            if not changed:
                return []
            domain.append(("id", "in", changed))
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
                "write_date",
                "create_date",
            ],
            order=[["id", "ASC"]],
        )
        self._stamp(purchases)
        line_ids = [i for p in purchases for i in p["lines"]]
        line_rows = {
            row["id"]: row
            for row in client.read(
                "purchase.line",
                line_ids,
                [
                    "type",
                    "product.code",
                    "quantity",
                    "unit.symbol",
                    "unit_price",
                    "delivery_date",
                    "moves",
                    "moves_ignored",
                ],
            )
        }
        move_rows = {
            row["id"]: row
            for row in client.read(
                "stock.move",
                [m for row in line_rows.values() for m in row.get("moves") or []],
                ["quantity", "state", "planned_date", "shipment"],
            )
        }
        own_cuts = self.own_cuts(list(line_rows))
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
                            **_move_summary(line, move_rows, own_cuts),
                        }
                        for position, line in enumerate(goods, 1)
                    ],
                }
            )
        return result

    def fetch_receipts(
        self, *, since: datetime.datetime | None = None, also_ids: list[int] | None = None
    ) -> list[dict[str, Any]]:
        """Supplier shipments received (or done) in Tryton, with what arrived per purchase
        line, as canonical dicts."""
        client = self.client
        domain: list[Any] = [("state", "in", ["received", "done"]), ("reference", "!=", None)]
        if since is not None:
            domain.append(changed_since(since, also_ids))
        shipments = client.search_read(
            "stock.shipment.in",
            domain,
            [
                "write_date",
                "create_date",
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
        self._stamp(shipments)
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


def _move_summary(
    line: dict[str, Any], moves: dict[int, dict[str, Any]], own_cuts: set[int]
) -> dict[str, Any]:
    """What Tryton's moves say of one purchase line: received, still waiting, and
    cancelled by the buyer in Tryton (the connector's own cuts of a lower confirmed
    quantity, and backorders it cancelled after a short receipt, are not the buyer's)."""
    own = [moves[m] for m in line.get("moves") or [] if m in moves]

    def total(rows: list[dict[str, Any]]) -> Any:
        return sum((_decimal(r["quantity"]) for r in rows), _decimal(0))

    return {
        "received_qty": total([m for m in own if m["state"] == "done"]),
        "cancelled_qty": total(
            [m for m in own if m["state"] == "cancelled" and m["id"] not in own_cuts]
        ),
        "open_qty": total([m for m in own if m["state"] not in ("done", "cancelled")]),
        "has_moves": bool(own),
        # The dates Tryton now expects what is still waiting (not yet on a shipment).
        "waiting_dates": sorted(
            {
                _date(m["planned_date"])
                for m in own
                if m["state"] == "draft" and not m.get("shipment") and m.get("planned_date")
            }
        ),
    }
