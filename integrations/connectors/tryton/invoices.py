"""Supplier invoices between the portal and Tryton (issue 19, item 5).

Out (`invoice.approved`): the approved invoice, or credit note, becomes a *draft*
supplier invoice in Tryton (`account.invoice`, type "in") that accounts payable post and
pay there. Each goods line is linked to its purchase line (`origin` =
`purchase.line,<id>`), so Tryton's purchase counts it as invoiced; a credit note is the
same with negative quantities (Tryton's own form of a supplier credit note). Tax and
charge lines of the supplier's invoice have no purchase line: they are lines on the
expense account of the invoice's first goods line, with their description.

- Idempotent, keyed by the event id: the invoice is created in one call with
  `[portal <event id>]` in its comment, so a replay finds it; an invoice of the same
  supplier with the same reference (the supplier's invoice number) also counts as there,
  whichever event made it.
- Totals agree to the cent: the portal rounds each line half up in the currency's
  decimals, Tryton half to even; a difference becomes one "rounding" line, so what
  Tryton will pay is what the supplier invoiced.
- The purchase must be invoiced manually in Tryton (`invoice_method` "manual"): on
  "On Order" Tryton drafts its own invoice for the ordered quantity and the purchase
  would be invoiced twice. That, an unknown unit, a product without an expense account
  or a currency other than the purchase's are permanent errors that say what to fix.

In (`fetch_supplier_invoices`, for the pull): the portal's invoices once Tryton posted
them (due date of the payable lines) or paid them (the reconciliation date and the
payment's description, else its move number, as the remittance reference).
"""

import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from integrations.connectors.base import ConnectorError
from integrations.connectors.tryton.client import TrytonClient
from integrations.connectors.tryton.cursors import changed_since
from integrations.connectors.tryton.effects import decimal as _decimal
from integrations.connectors.tryton.effects import to_date as _date

INVOICE_EVENTS = {"invoice.approved"}
MARKER = "[portal {event_id}]"
# Every invoice the connector made carries this in its comment: the pull reads only those.
MARKER_PREFIX = "[portal "
PURCHASE_FIELDS = [
    "lines",
    "company",
    "party",
    "party.account_payable",
    "invoice_address",
    "payment_term",
    "currency",
    "currency.code",
    "currency.digits",
    "invoice_method",
]
LINE_FIELDS = [
    "product",
    "product.code",
    "product.account_category.account_expense",
    "unit",
    "unit.symbol",
    "taxes",
    "description",
]


def _permanent(message: str) -> ConnectorError:
    return ConnectorError(message, permanent=True)


class TrytonInvoicing:
    """Mixed into `TrytonConnector`: supplier invoices out, their payment back."""

    last_stamp: datetime.datetime | None = None

    @property
    def client(self) -> TrytonClient:
        raise NotImplementedError

    @property
    def uom_map(self) -> dict[str, str]:
        raise NotImplementedError

    def _purchase(self, po_number: str, fields: list[str]) -> dict[str, Any]:
        raise NotImplementedError

    def _ordered_lines(self, line_ids: list[int], fields: list[str]) -> dict[int, dict[str, Any]]:
        raise NotImplementedError

    def _stamp(self, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    # --- out ---------------------------------------------------------------------------

    def push_invoice(self, data: dict[str, Any], *, event_id: str) -> str:
        """The approved invoice (or credit note) `data` (the event's) as a draft supplier
        invoice in Tryton, once."""
        client = self.client
        what = f"{_label(data)} {data['invoice_number']}"
        purchase = self._purchase(data["po_number"], PURCHASE_FIELDS)
        marker = MARKER.format(event_id=event_id)
        existing = client.search_read(
            "account.invoice",
            [
                ("type", "=", "in"),
                [
                    "OR",
                    ("comment", "like", f"%{marker}%"),
                    [
                        ("party", "=", purchase["party"]),
                        ("reference", "=", data["invoice_number"]),
                        ("state", "!=", "cancelled"),
                    ],
                ],
            ],
            ["id", "state"],
            limit=1,
        )
        if existing:
            row = existing[0]
            return f"{what}: already in Tryton (invoice id {row['id']}, {row['state']})"
        values = self._invoice_values(data, purchase, what=what)
        values["comment"] = "\n".join(
            [
                f"{_label(data).capitalize()} {data['invoice_number']} approved in the portal.",
                marker,
            ]
        )
        (invoice_id,) = client.create("account.invoice", [values])
        (created,) = client.read("account.invoice", [invoice_id], ["total_amount"])
        return (
            f"{what}: draft supplier invoice id {invoice_id} in Tryton, "
            f"total {created['total_amount']} {data['currency']}"
        )

    def _invoice_values(
        self, data: dict[str, Any], purchase: dict[str, Any], *, what: str
    ) -> dict[str, Any]:
        client = self.client
        currency = (purchase.get("currency.") or {}).get("code")
        if currency != data["currency"]:
            raise _permanent(
                f"{what} is in {data['currency']}, Tryton purchase {data['po_number']} in "
                f"{currency}: invoice in the PO's currency."
            )
        if purchase["invoice_method"] != "manual":
            raise _permanent(
                f"Tryton purchase {data['po_number']} is invoiced {purchase['invoice_method']!r}: "
                "Tryton drafts its own supplier invoice for it. Set its Invoice Method to "
                "Manual (Purchase › Configuration for new purchases) so the portal's "
                "approved invoice is the only one."
            )
        payable = (purchase.get("party.") or {}).get("account_payable") or client.read(
            "account.configuration", [1], ["default_account_payable"]
        )[0].get("default_account_payable")
        if not payable:
            raise _permanent(
                f"{what}: the supplier has no payable account in Tryton and the accounting "
                "configuration names no default one."
            )
        journals = client.search_read(
            "account.journal", [("type", "=", "expense")], ["id"], limit=1
        )
        if not journals:
            raise _permanent(f"{what}: Tryton has no journal of type Expense.")
        places = int((purchase.get("currency.") or {}).get("digits") or 2)
        common = {"company": purchase["company"], "currency": purchase["currency"]}
        lines = self._invoice_lines(data, purchase, common, places=places, what=what)
        return {
            **common,
            "type": "in",
            "party": purchase["party"],
            "invoice_address": purchase["invoice_address"],
            "payment_term": purchase["payment_term"],
            "journal": journals[0]["id"],
            "account": payable,
            "invoice_date": _date(data["invoice_date"]),
            "reference": data["invoice_number"],
            "description": f"{_label(data).capitalize()} {data['invoice_number']} for "
            f"{data['po_number']}"
            + (f" (credits {data['credited_invoice']})" if data.get("credited_invoice") else ""),
            "lines": [("create", lines)],
        }

    def _invoice_lines(
        self,
        data: dict[str, Any],
        purchase: dict[str, Any],
        common: dict[str, Any],
        *,
        places: int,
        what: str,
    ) -> list[dict[str, Any]]:
        ordered = self._ordered_lines(purchase["lines"], LINE_FIELDS)
        units: dict[str, int] = {}
        lines: list[dict[str, Any]] = []
        rounding = Decimal(0)
        expense: int | None = None
        others: list[dict[str, Any]] = []
        for row in data["lines"]:
            quantity, price = _decimal(row["quantity"]), _decimal(row["unit_price"])
            # What Tryton will make of the line, against the portal's own amount.
            exact = (quantity * price).quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN)
            rounding += _decimal(row["amount"]) - exact
            if row["kind"] != "goods" or row.get("po_line_no") is None:
                others.append(row)
                continue
            line = ordered.get(row["po_line_no"])
            if line is None:
                raise _permanent(
                    f"{what}: Tryton purchase {data['po_number']} has no line {row['po_line_no']}."
                )
            product = line.get("product.") or {}
            account = (product.get("account_category.") or {}).get("account_expense")
            if not account:
                raise _permanent(
                    f"{what}: product {product.get('code')} has no expense account in Tryton "
                    "(set one on its accounting category)."
                )
            expense = expense or account
            lines.append(
                {
                    **common,
                    "type": "line",
                    "product": line["product"],
                    "unit": self._unit(row["uom"], line, units, what=what),
                    "quantity": float(quantity),
                    "unit_price": price,
                    "account": account,
                    "description": line.get("description") or product.get("code") or "",
                    "origin": f"purchase.line,{line['id']}",
                    "taxes": [("add", line.get("taxes") or [])],
                }
            )
        if expense is None:
            raise _permanent(f"{what} has no goods line on a PO line: nothing to link in Tryton.")
        for row in others:
            lines.append(
                {
                    **common,
                    "type": "line",
                    "quantity": float(_decimal(row["quantity"])),
                    "unit_price": _decimal(row["unit_price"]),
                    "account": expense,
                    "description": f"{row['kind'].capitalize()} (supplier's line {row['line_no']})",
                }
            )
        if rounding:
            lines.append(
                {
                    **common,
                    "type": "line",
                    "quantity": 1.0,
                    "unit_price": rounding,
                    "account": expense,
                    "description": "Rounding to the supplier's invoice total",
                }
            )
        return lines

    def _unit(
        self, portal_uom: str, line: dict[str, Any], cache: dict[str, int], *, what: str
    ) -> int:
        """The Tryton unit of a portal unit code (through `uom_map`); Tryton converts an
        invoice line in another unit of the same category (a pack) to the purchase's."""
        by_portal = {portal: symbol for symbol, portal in self.uom_map.items()}
        symbol = by_portal.get(portal_uom, portal_uom)
        if (line.get("unit.") or {}).get("symbol") == symbol:
            unit: int = line["unit"]
            return unit
        if symbol not in cache:
            rows = self.client.search_read(
                "product.uom", [("symbol", "=", symbol)], ["id"], limit=1
            )
            if not rows:
                raise _permanent(
                    f"{what}: unit {portal_uom} has no Tryton unit (symbol {symbol!r}); map it "
                    "in the connector's uom_map."
                )
            cache[symbol] = rows[0]["id"]
        return cache[symbol]

    # --- in ----------------------------------------------------------------------------

    def fetch_supplier_invoices(
        self, *, since: datetime.datetime | None = None, also_ids: list[int] | None = None
    ) -> list[dict[str, Any]]:
        """The portal's supplier invoices that Tryton posted or paid (changed since
        `since`, plus `also_ids`), as canonical dicts, oldest first."""
        client = self.client
        domain: list[Any] = [
            ("type", "=", "in"),
            ("state", "in", ["posted", "paid"]),
            ("comment", "like", f"%{MARKER_PREFIX}%"),
        ]
        if since is not None:
            domain.append(changed_since(since, also_ids))
        invoices = client.search_read(
            "account.invoice",
            domain,
            [
                "id",
                "number",
                "reference",
                "state",
                "party.code",
                "currency.code",
                "total_amount",
                "reconciled",
                "lines_to_pay",
                "reconciliation_lines",
                "write_date",
                "create_date",
            ],
            order=[["id", "ASC"]],
        )
        self._stamp(invoices)
        move_lines = {
            row["id"]: row
            for row in client.read(
                "account.move.line",
                sorted(
                    {i for inv in invoices for i in inv["lines_to_pay"]}
                    | {i for inv in invoices for i in inv["reconciliation_lines"]}
                ),
                ["maturity_date", "date", "move_description_used", "move.number"],
            )
        }
        result = []
        for invoice in invoices:
            due = [
                move_lines[i]["maturity_date"] for i in invoice["lines_to_pay"] if i in move_lines
            ]
            payments = [move_lines[i] for i in invoice["reconciliation_lines"] if i in move_lines]
            payments.sort(key=lambda row: (_date(row["date"]) or datetime.date.min, row["id"]))
            last = payments[-1] if payments else None
            result.append(
                {
                    "erp_id": str(invoice["id"]),
                    "number": invoice["number"] or "",
                    "reference": invoice["reference"] or "",
                    "state": invoice["state"],
                    "supplier": (invoice.get("party.") or {}).get("code") or "",
                    "currency": (invoice.get("currency.") or {}).get("code") or "",
                    "total_amount": _decimal(invoice["total_amount"]),
                    "due_on": min((d for d in map(_date, due) if d), default=None),
                    "paid_on": _date(invoice.get("reconciled"))
                    or (_date(last["date"]) if last else None),
                    "remittance_reference": _remittance(last) if last else "",
                }
            )
        return result


def _label(data: dict[str, Any]) -> str:
    return "credit note" if data.get("kind") == "credit_note" else "invoice"


def _remittance(move_line: dict[str, Any]) -> str:
    """What the supplier finds on its statement: the payment's description (Invoice ›
    Pay), else Tryton's move number."""
    description = (move_line.get("move_description_used") or "").strip()
    if description:
        return description
    number = (move_line.get("move.") or {}).get("number") or move_line["id"]
    return f"Tryton payment {number}"
