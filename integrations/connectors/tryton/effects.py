"""Target-state effects on Tryton's stock moves: read what is there, write only the
difference, so a resent or half-applied message converges instead of cutting twice.

A confirmed purchase line of quantity L owns stock moves (origin `purchase.line,<id>`):

- *fixed*: not cancelled and no longer free (in a supplier shipment, assigned, done);
- *pending*: draft, in no shipment: what the supplier still has to ship, one move per
  confirmed delivery (schedule line) with its quantity and planned date;
- *cut*: cancelled and listed in the line's `moves_ignored`: what the supplier will not
  deliver (Tryton's own "handle shipment exception" way of saying so).

Tryton recreates a move for whatever the line's moves (of every state) do not cover and
warns when they cover more, so the moves always add up to L: pending + fixed + cut = L.
`line_apply` makes pending match the confirmed schedule (less what is fixed) and cut
hold the rest; with the target already in place it writes nothing.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from integrations.connectors.base import ConnectorError
from integrations.connectors.tryton.client import TrytonClient

MOVE_FIELDS = ["id", "quantity", "planned_date", "state", "shipment"]


def decimal(value: Any) -> Decimal:
    # Tryton quantities are floats; repr() gives the shortest exact decimal form.
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def to_date(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Slot:
    """One confirmed delivery: this quantity on this date (None: keep Tryton's date)."""

    quantity: Decimal
    date: datetime.date | None

    def as_json(self) -> dict[str, Any]:
        return {
            "quantity": format(self.quantity.normalize(), "f"),
            "date": self.date.isoformat() if self.date else None,
        }

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> "Slot":
        return cls(decimal(row["quantity"]), to_date(row.get("date")))


def schedule_of(ack_line: dict[str, Any], *, ordered: Decimal) -> list[Slot]:
    """The confirmed deliveries of one acknowledged line: its schedule lines, or its
    confirmed quantity and date (the ordered quantity when it names none)."""
    if ack_line.get("action") == "reject":
        return []
    rows = ack_line.get("schedule_lines") or []
    if rows:
        return [Slot(decimal(row["quantity"]), to_date(row.get("date"))) for row in rows]
    quantity = ack_line.get("quantity")
    return [
        Slot(decimal(quantity) if quantity is not None else ordered, to_date(ack_line.get("date")))
    ]


def _by_date(slot: Slot) -> tuple[datetime.date, ...]:
    return (slot.date or datetime.date.max,)


def _subtract(schedule: list[Slot], quantity: Decimal) -> list[Slot]:
    """What is left to ship once `quantity` is fixed (shipped, received): the earliest
    deliveries are taken first."""
    left = []
    for slot in sorted(schedule, key=_by_date):
        take = min(quantity, slot.quantity)
        quantity -= take
        if slot.quantity - take > 0:
            left.append(Slot(slot.quantity - take, slot.date))
    return left


@dataclass
class LineState:
    line_id: int
    quantity: Decimal
    pending: list[dict[str, Any]]
    fixed: list[dict[str, Any]]
    cut: list[dict[str, Any]]
    other_cancelled: list[dict[str, Any]]

    @property
    def template(self) -> dict[str, Any] | None:
        return next(iter(self.pending + self.fixed + self.cut + self.other_cancelled), None)


def line_state(client: TrytonClient, line_id: int) -> LineState:
    (line,) = client.read("purchase.line", [line_id], ["quantity", "moves_ignored"])
    ignored = set(line["moves_ignored"])
    moves = client.search_read(
        "stock.move",
        [("origin", "=", f"purchase.line,{line_id}")],
        MOVE_FIELDS,
        order=[["planned_date", "ASC"], ["id", "ASC"]],
    )
    state = LineState(line_id, decimal(line["quantity"]), [], [], [], [])
    for move in moves:
        if move["state"] == "cancelled":
            (state.cut if move["id"] in ignored else state.other_cancelled).append(move)
        elif move["state"] == "draft" and not move["shipment"]:
            state.pending.append(move)
        else:
            state.fixed.append(move)
    return state


def _total(moves: list[dict[str, Any]]) -> Decimal:
    return sum((decimal(m["quantity"]) for m in moves), Decimal(0))


@dataclass
class LineOutcome:
    writes: int
    notes: list[str]
    cut_ids: list[int]


def line_apply(client: TrytonClient, line_id: int, schedule: list[Slot]) -> LineOutcome:
    """Bring one purchase line's moves to the confirmed `schedule`; returns how many
    Tryton writes it took (0: it was already there) and notes for the buyer."""
    state = line_state(client, line_id)
    notes = []
    room = state.quantity - _total(state.other_cancelled)
    wanted = sum((slot.quantity for slot in schedule), Decimal(0))
    if wanted > room:
        notes.append(
            f"the supplier confirmed {wanted.normalize():f} instead of "
            f"{room.normalize():f}; raise the purchase line quantity in Tryton if you agree."
        )
        schedule = _cap(schedule, room)
    fixed = _total(state.fixed)
    pending_target = _subtract(schedule, fixed)
    cut_target = room - fixed - sum((s.quantity for s in pending_target), Decimal(0))
    cut_target = max(cut_target, Decimal(0))
    writes = 0
    template = state.template
    cut_ids = [m["id"] for m in state.cut]
    if template is None:
        return LineOutcome(0, notes, cut_ids)
    # Pending moves, earliest first, take the confirmed deliveries, earliest first.
    pending = list(state.pending)
    for index, slot in enumerate(sorted(pending_target, key=_by_date)):
        values: dict[str, Any] = {}
        if index < len(pending):
            move = pending[index]
            if decimal(move["quantity"]) != slot.quantity:
                values["quantity"] = float(slot.quantity)
            if slot.date and to_date(move["planned_date"]) != slot.date:
                values["planned_date"] = slot.date
            if values:
                client.write("stock.move", [move["id"]], values)
                writes += 1
        else:
            client.model(
                "stock.move",
                "copy",
                [template["id"]],
                {
                    "quantity": float(slot.quantity),
                    "planned_date": slot.date or to_date(template["planned_date"]),
                    "shipment": None,
                    "effective_date": None,
                },
            )
            writes += 1
    extra = [m["id"] for m in pending[len(pending_target) :]]
    if extra:
        client.model("stock.move", "delete", extra)
        writes += 1
    if _total(state.cut) != cut_target:
        if state.cut:
            client.model("stock.move", "delete", cut_ids)
            writes += 1
        cut_ids = []
        if cut_target > 0:
            (cut_id,) = client.model(
                "stock.move",
                "copy",
                [template["id"]],
                {"quantity": float(cut_target), "shipment": None, "effective_date": None},
            )
            client.model("stock.move", "cancel", [cut_id])
            client.write("purchase.line", [line_id], {"moves_ignored": [("add", [cut_id])]})
            cut_ids = [cut_id]
            writes += 1
    return LineOutcome(writes, notes, cut_ids)


def _cap(schedule: list[Slot], room: Decimal) -> list[Slot]:
    capped = []
    for slot in sorted(schedule, key=_by_date):
        take = min(slot.quantity, room)
        room -= take
        if take > 0:
            capped.append(Slot(take, slot.date))
    return capped


# --- shipments ------------------------------------------------------------------------


def shipment_moves(client: TrytonClient, shipment_id: int) -> list[dict[str, Any]]:
    return client.search_read(
        "stock.move",
        [("shipment", "=", f"stock.shipment.in,{shipment_id}")],
        ["id", "quantity", "planned_date", "state", "origin"],
        order=[["id", "ASC"]],
    )


def line_of(move: dict[str, Any]) -> int | None:
    origin = move.get("origin") or ""
    if not origin.startswith("purchase.line,"):
        return None
    return int(origin.split(",")[1])


def shipped_by_line(moves: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = {}
    for move in moves:
        line_id = line_of(move)
        if line_id is not None:
            grouped.setdefault(line_id, []).append(move)
    return grouped


def free_moves(client: TrytonClient, shipment_id: int, move_ids: list[int]) -> None:
    """Take moves out of a draft shipment: they wait on their purchase again."""
    if move_ids:
        client.write(
            "stock.shipment.in", [shipment_id], {"incoming_moves": [("remove", sorted(move_ids))]}
        )


def carve(
    client: TrytonClient,
    line_id: int,
    quantity: Decimal,
    *,
    prefer: datetime.date | None,
    what: str,
) -> list[int]:
    """Take `quantity` off the line's pending moves (the delivery dated `prefer` first,
    then the earliest), splitting a move when it holds more; returns the move ids that
    carry exactly `quantity`, ready to join a shipment."""
    pending = line_state(client, line_id).pending
    pending.sort(
        key=lambda m: (
            to_date(m["planned_date"]) != prefer,
            to_date(m["planned_date"]) or datetime.date.max,
            m["id"],
        )
    )
    if _total(pending) < quantity:
        raise ConnectorError(
            f"{what}: only {_total(pending).normalize():f} left to receive on the Tryton "
            f"purchase line, the ASN ships {quantity.normalize():f}.",
            permanent=True,
        )
    taken: list[int] = []
    need = quantity
    for move in pending:
        if need <= 0:
            break
        held = decimal(move["quantity"])
        if held <= need:
            taken.append(move["id"])
            need -= held
            continue
        client.write("stock.move", [move["id"]], {"quantity": float(held - need)})
        (copy_id,) = client.model(
            "stock.move",
            "copy",
            [move["id"]],
            {"quantity": float(need), "shipment": None, "effective_date": None},
        )
        taken.append(copy_id)
        need = Decimal(0)
    return taken


def merge_pending(client: TrytonClient, line_id: int) -> None:
    """With no confirmed schedule on record, moves freed from a shipment go back into the
    line's waiting move of the same date (one move per date, as before the ASN)."""
    state = line_state(client, line_id)
    by_date: dict[Any, list[dict[str, Any]]] = {}
    for move in state.pending:
        by_date.setdefault(to_date(move["planned_date"]), []).append(move)
    for moves in by_date.values():
        if len(moves) > 1:
            keep, rest = moves[0], moves[1:]
            client.write("stock.move", [keep["id"]], {"quantity": float(_total(moves))})
            client.model("stock.move", "delete", [m["id"] for m in rest])


def cancel_waiting(client: TrytonClient, line_id: int) -> tuple[Decimal, list[int]]:
    """Cancel what a line still waits for and ignore it (Tryton's backorder after a short
    receipt): the purchase can then finish. Returns the quantity and the moves."""
    pending = line_state(client, line_id).pending
    if not pending:
        return Decimal(0), []
    ids = [m["id"] for m in pending]
    client.model("stock.move", "cancel", ids)
    client.write("purchase.line", [line_id], {"moves_ignored": [("add", ids)]})
    return _total(pending), ids
