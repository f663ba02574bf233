"""The buyer's review queue as plain rows: the proposals (with their PO, supplier, auto-accept
rule and people), and their lines with the lines' deliveries, one `.values()` query each.

The queue's cards are made in Python from these rows (suppliers/views/review_cards.py);
building the prefetched proposals, lines, schedule lines, items and units as model
instances was a third of the page's CPU (issue 24). Which proposals wait is the filter and
order of `pending_change_proposals`, so the queue and its htmx answer count alike.

On PostgreSQL each query is compiled by the ORM once per process, with stand-in values each
call replaces by its own: building and compiling a query cost 0.5–1 ms of Python per
statement here, the statement itself a tenth of that. SQLite (the demo, the tests' second
run) runs the ORM: its driver hands back decimals and dates as text to a raw cursor.
"""

import functools
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, overload

from django.db import connection
from django.db.models import Count, F, QuerySet
from django.http import Http404

from integrations.prepared_sql import prepared_cursor
from suppliers.models import Acknowledgment, AcknowledgmentLine, AutoAcceptRule

# What a card shows of a proposal. The auto-accept rule is a reverse one-to-one: its id is
# None when the supplier has none.
PROPOSAL_FIELDS = (
    "id",
    "revision",
    "status",
    "comment",
    "submitted_at",
    "decision_comment",
    "resulting_revision",
    "purchase_order__number",
    "purchase_order__currency",
    "purchase_order__supplier__code",
    "purchase_order__supplier__name",
    "purchase_order__supplier__auto_accept_rule__id",
    "purchase_order__supplier__auto_accept_rule__is_enabled",
    "purchase_order__supplier__auto_accept_rule__max_date_shift_days",
    "purchase_order__supplier__auto_accept_rule__max_qty_change_pct",
    "submitted_by__full_name",
    "submitted_by__email",
    "decided_by__full_name",
    "decided_by__email",
)
# A line and one of its deliveries per row (the `s_` columns are None for a line without
# any): one query for both kinds.
LINE_FIELDS = (
    "id",
    "acknowledgment_id",
    "action",
    "reason_code",
    "comment",
    "original_qty",
    "original_date",
    "original_price",
    "proposed_qty",
    "proposed_price",
    "po_line__line_no",
    "po_line__uom_id",
    "po_line__uom__code",
    "po_line__item__sku",
)
DELIVERY_FIELDS = {
    "s_sequence": F("schedule_lines__sequence"),
    "s_quantity": F("schedule_lines__quantity"),
    "s_date": F("schedule_lines__date"),
    "s_entered_quantity": F("schedule_lines__entered_quantity"),
    "s_entered_uom_id": F("schedule_lines__entered_uom_id"),
    "s_entered_uom_code": F("schedule_lines__entered_uom__code"),
}
RULE_FIELDS = (
    "supplier__code",
    "supplier__name",
    "is_enabled",
    "max_date_shift_days",
    "max_qty_change_pct",
)

# Stand-ins the SQL is compiled with, replaced by each call's values.
_SUPPLIER_CODE = "\x01supplier-code\x01"
_ACKNOWLEDGMENT_ID = -918_273_645


def _pending(supplier_code: str) -> QuerySet[Acknowledgment]:
    queryset = Acknowledgment.objects.filter(status=Acknowledgment.Status.PENDING_REVIEW)
    if supplier_code:
        queryset = queryset.filter(purchase_order__supplier__code=supplier_code)
    return queryset


def _page_queryset(supplier_code: str) -> QuerySet[Acknowledgment, dict[str, Any]]:
    return _pending(supplier_code).order_by("submitted_at", "id").values(*PROPOSAL_FIELDS)


def _count_queryset(supplier_code: str) -> QuerySet[Acknowledgment, dict[str, Any]]:
    # One row (or none) grouped by the filtered status: a COUNT whose SQL can be kept.
    return _pending(supplier_code).order_by().values("status").annotate(n=Count("id"))


def _lines_queryset(acknowledgment_ids: list[int]) -> QuerySet[AcknowledgmentLine, Any]:
    return (
        AcknowledgmentLine.objects.filter(acknowledgment_id__in=acknowledgment_ids)
        .order_by("acknowledgment_id", "po_line__line_no", "id", "schedule_lines__sequence")
        .values(*LINE_FIELDS, **DELIVERY_FIELDS)
    )


def _rules_queryset() -> QuerySet[AutoAcceptRule, dict[str, Any]]:
    return AutoAcceptRule.objects.order_by("supplier__code").values(*RULE_FIELDS)


def _compile(queryset: QuerySet[Any, Any]) -> tuple[str, tuple[Any, ...], tuple[str, ...]]:
    query = queryset.query
    sql, params = query.sql_with_params()
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    return sql, tuple(params), names


@functools.cache
def _compiled(kind: str, filtered: bool) -> tuple[str, tuple[Any, ...], tuple[str, ...]]:
    """The SQL of one of this module's queries, compiled once per process (PostgreSQL)."""
    code = _SUPPLIER_CODE if filtered else ""
    if kind == "page":
        return _compile(_page_queryset(code))
    if kind == "count":
        return _compile(_count_queryset(code))
    if kind == "rules":
        return _compile(_rules_queryset())
    # The lines of a list of proposals: `IN (%s)` of one stand-in becomes `= ANY(%s)` of
    # an array, so one SQL serves every page size.
    sql, params, names = _compile(_lines_queryset([_ACKNOWLEDGMENT_ID]))
    in_one = '"acknowledgment_id" IN (%s)'
    if sql.count(in_one) != 1 or params.count(_ACKNOWLEDGMENT_ID) != 1:
        raise RuntimeError(f"the review lines' SQL changed: {sql!r}")
    return sql.replace(in_one, '"acknowledgment_id" = ANY(%s)'), params, names


def _fetch(
    kind: str, filtered: bool, values: dict[Any, Any], tail: str = "", extra: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    sql, params, names = _compiled(kind, filtered)
    with prepared_cursor() as cursor:
        cursor.execute(sql + tail, [values.get(p, p) for p in params] + list(extra))
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _compiled_here() -> bool:
    return connection.vendor == "postgresql"


class PendingProposalRows:
    """The proposals waiting for a buyer, oldest first, as rows: what `Paginator` pages
    (`count()` and slices), each slice one query."""

    def __init__(self, supplier_code: str = "") -> None:
        self.supplier_code = supplier_code

    def count(self) -> int:
        if not _compiled_here():
            return _pending(self.supplier_code).count()
        rows = _fetch("count", bool(self.supplier_code), {_SUPPLIER_CODE: self.supplier_code})
        return rows[0]["n"] if rows else 0

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        if index.step is not None or stop is None or start < 0 or stop < start:
            raise ValueError("only plain slices of the queue")
        if not _compiled_here():
            return list(_page_queryset(self.supplier_code)[start:stop])
        return _fetch(
            "page",
            bool(self.supplier_code),
            {_SUPPLIER_CODE: self.supplier_code},
            " LIMIT %s OFFSET %s",
            (stop - start, start),
        )


def pending_proposal_rows(*, supplier_code: str = "") -> PendingProposalRows:
    """The proposals waiting for a buyer, oldest first, as rows (the queue pages them)."""
    return PendingProposalRows(supplier_code)


def change_proposal_row_for_buyer(*, pk: int) -> dict[str, Any]:
    """One change proposal as a row, decided or not (the decision's htmx answer)."""
    row = (
        Acknowledgment.objects.filter(pk=pk, kind=Acknowledgment.Kind.CHANGE)
        .values(*PROPOSAL_FIELDS)
        .first()
    )
    if row is None:
        raise Http404("No change proposal matches the given query.")
    return row


def proposal_line_rows(
    acknowledgment_ids: list[int],
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    """The lines of these proposals by proposal, in PO line order, and their deliveries by
    line, in sequence order: one query whatever the number of proposals."""
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    deliveries: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not acknowledgment_ids:
        return lines, deliveries
    if _compiled_here():
        rows = _fetch("lines", False, {_ACKNOWLEDGMENT_ID: acknowledgment_ids})
    else:
        rows = list(_lines_queryset(acknowledgment_ids))
    previous = None
    for row in rows:
        line_id = row["id"]
        if line_id != previous:
            lines[row["acknowledgment_id"]].append(row)
            previous = line_id
        if row["s_sequence"] is not None:
            deliveries[line_id].append(row)
    return lines, deliveries


def auto_accept_rule_rows() -> list[dict[str, Any]]:
    """Every supplier's auto-accept rule, by supplier code, as rows."""
    if _compiled_here():
        return _fetch("rules", False, {})
    return list(_rules_queryset())
