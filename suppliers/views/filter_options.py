"""The supplier filter's options of the buyer's list pages, built in Python.

Every active supplier is an option (250 in the large demo): a template loop with an
`{% if %}` per option cost ~4 ms of each page's rendering (issue 24); one
`format_html_join` costs a tenth of it and escapes the same, and is done once per process
for the same suppliers (issue 24, third pass: the join was still ~1 ms a page).
"""

from functools import lru_cache

from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from suppliers.selectors.purchase_order_counts import filter_supplier_rows

_SELECTED = mark_safe(" selected")
_NOT_SELECTED = mark_safe("")


def supplier_options(selected: str, rows: tuple[tuple[str, str], ...] | None = None) -> SafeString:
    """`<option value="CODE"[ selected]>CODE Name</option>` for every filterable supplier
    (`rows`: the suppliers' (code, name) when the caller read them already)."""
    # Tuples: 250 model instances cost more than the join; kept under a version (issue
    # 24), read again after any supplier write.
    return _options(filter_supplier_rows() if rows is None else rows, selected)


@lru_cache(maxsize=64)
def _options(rows: tuple[tuple[str, str], ...], selected: str) -> SafeString:
    # Keyed by the rows just read, so always what the database holds now; the same
    # suppliers are rendered once per process per selected code instead of on every page.
    return format_html_join(
        "",
        '<option value="{}"{}>{} {}</option>',
        (
            (code, _SELECTED if code == selected else _NOT_SELECTED, code, name)
            for code, name in rows
        ),
    )
