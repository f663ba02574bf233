"""The PO list pages' content (`/orders/` and `/buyer/orders/`), made in Python (issue 24).

The page was ~60 template nodes around its rows (the filters, the inbox counters, the
count, the table head, the pager), ~1 ms of the ~2 ms a page may cost; here it is string
joins of the same HTML. Every value is escaped with `escape` (html.escape, where Django's
autoescaping ends); translated texts are printed as `{% translate %}` prints a literal's
translation (unescaped), looked up once per process per language; numbers go through
`localize` as template variables do. `templates/suppliers/po_list.html` holds only the
layout's blocks. The same bytes as the template made: compared on both lists, both
languages, htmx and full pages, every filter and pager position.
"""

from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any
from urllib.parse import quote

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import localize
from django.utils.translation import get_language, gettext, ngettext

from integrations.views.pager import page_position, pager_links
from suppliers.selectors import INBOX_QUEUES
from suppliers.views.page_formats import in_sentence


@lru_cache(maxsize=8)
def _texts(language: str | None) -> dict[str, str]:
    """The page's fixed texts in `language` (the key of the cache: the active one)."""
    return {
        "title": gettext("Purchase orders"),
        "status": gettext("Status"),
        "any_status": gettext("Any status"),
        "supplier": gettext("Supplier"),
        "all_suppliers": gettext("All suppliers"),
        "search": gettext("Search"),
        "search_hint": gettext("PO number or SKU"),
        "filter": gettext("Filter"),
        "export": gettext("Export lines (CSV)"),
        "ship_these": gettext("Ship these POs"),
        "ship_hint": gettext(
            "Tick confirmed purchase orders of one ship-to: one draft ASN with what is due first."
        ),
        "ship": gettext("Ship"),
        "po": gettext("PO"),
        "ship_to": gettext("Ship to"),
        "issued": gettext("Issued"),
        "ack_due": gettext("Ack due"),
        "lines": gettext("Lines"),
        "total": gettext("Total"),
        "revision": gettext("Rev."),
        "pages": gettext("Pages"),
        "previous": gettext("Previous"),
        "next": gettext("Next"),
        "empty": gettext("No purchase orders match these filters."),
        "show_all": gettext("Show all"),
        "open_to_ship_note": gettext("(confirmed and partially shipped)"),
        "overdue_note": gettext("only purchase orders past their acknowledgment due time"),
        "counters": gettext("Purchase orders to act on"),
        "to_acknowledge": gettext("To acknowledge"),
        "change_proposed": gettext("Change proposed"),
        "overdue": gettext("Overdue acknowledgment"),
        "open_to_ship": gettext("Open to ship"),
    }


def texts() -> dict[str, str]:
    return _texts(get_language())


@dataclass(frozen=True)
class ListPage:
    """What the content of one list page shows. `page` is Django's paginator page (its
    numbers), `rows_html` the table rows already made."""

    path: str
    query_string: str  # request.GET.urlencode()
    htmx: bool
    show_supplier: bool
    supplier_name: str | None
    counters: dict[str, int] | None
    queue: str
    status: str
    q: str
    supplier_code: str
    statuses: tuple[tuple[str, str], ...]
    supplier_options: str
    page: Any
    count: int
    has_rows: bool
    rows_html: str
    csv_url: str
    ship_many_url: str
    csrf_input: str


def _counters(page: ListPage, t: dict[str, str], *, oob: bool) -> str:
    """The inbox counters (was suppliers/acknowledgments/_inbox_counters.html)."""
    counters = page.counters or {}
    cards = []
    for queue in INBOX_QUEUES:
        css = "card"
        if queue == "overdue" and counters.get("overdue"):
            css += " card-warn"
        if page.queue == queue:
            css += " current"
        cards.append(
            f'  <a class="{css}" href="?queue={queue}"><span class="count" data-counter="{queue}">'
            f'{escape(localize(counters.get(queue, "")))}</span><span class="label">{t[queue]}'
            "</span></a>\n"
        )
    swap = ' hx-swap-oob="true"' if oob else ""
    return (
        f'<div class="cards inbox-counters" id="inbox-counters" aria-label="{t["counters"]}"'
        f"{swap}>\n{''.join(cards)}</div>\n"
    )


def _queue_note(page: ListPage, t: dict[str, str]) -> str:
    name = escape(in_sentence(INBOX_QUEUES.get(page.queue, "")))
    note = gettext("Showing the %(queue_name)s queue") % {"queue_name": name}
    if page.queue == "open_to_ship":
        note += f" {t['open_to_ship_note']}"
    elif page.queue == "overdue":
        note += f": {t['overdue_note']}"
    return (
        f'<p class="muted" id="inbox-queue">{note}. <a href="{escape(page.path)}">'
        f"{t['show_all']}</a></p>"
    )


@lru_cache(maxsize=64)
def _status_options(statuses: tuple[tuple[str, str], ...], selected: str) -> str:
    # Labels are strings in the request's language (part of the key).
    return "".join(
        f'<option value="{escape(value)}"{" selected" if value == selected else ""}>'
        f"{escape(label)}</option>"
        for value, label in statuses
    )


def _filters(page: ListPage, t: dict[str, str]) -> str:
    path = escape(page.path)
    supplier = (
        f'\n  <label>{t["supplier"]}\n    <select name="supplier">\n'
        f'      <option value="">{t["all_suppliers"]}</option>\n'
        f"      {page.supplier_options}\n    </select>\n  </label>\n  "
        if page.show_supplier
        else ""
    )
    queue = f'<input type="hidden" name="queue" value="{escape(page.queue)}">' if page.queue else ""
    return (
        f'<form class="filters" method="get" hx-get="{path}" hx-target="#po-results" '
        'hx-swap="outerHTML" hx-push-url="true" hx-trigger="change, submit, keyup changed '
        'delay:400ms from:input[name=q]">\n'
        f'  <label>{t["status"]}\n    <select name="status">\n'
        f'      <option value="">{t["any_status"]}</option>\n'
        f"      {_status_options(page.statuses, page.status)}\n    </select>\n  </label>\n"
        f"  {supplier}\n"
        f'  <label>{t["search"]} <input type="search" name="q" value="{escape(page.q)}" '
        f'placeholder="{t["search_hint"]}"></label>\n'
        f"  {queue}\n"
        f'  <button type="submit">{t["filter"]}</button>\n</form>\n'
    )


@lru_cache(maxsize=16)
def _table_head(language: str | None, show_supplier: bool) -> str:
    t = _texts(language)
    return (
        "<thead><tr>"
        + ("" if show_supplier else f"<th>{t['ship']}</th>")
        + f"<th>{t['po']}</th>"
        + (f"<th>{t['supplier']}</th>" if show_supplier else "")
        + f"<th>{t['status']}</th><th>{t['ship_to']}</th><th>{t['issued']}</th>"
        f'<th>{t["ack_due"]}</th><th class="num">{t["lines"]}</th>'
        f'<th class="num">{t["total"]}</th><th class="num">{t["revision"]}</th></tr></thead>'
    )


def _pager_query(page: ListPage) -> str:
    parts = []
    if page.queue:
        parts.append(f"queue={escape(page.queue)}&amp;")
    if page.status:
        parts.append(f"status={escape(page.status)}&amp;")
    if page.supplier_code:
        parts.append(f"supplier={escape(quote(page.supplier_code, safe='/'))}&amp;")
    if page.q:
        parts.append(f"q={escape(quote(page.q, safe='/'))}&amp;")
    return "".join(parts)


def _pager(page: ListPage, t: dict[str, str]) -> str:
    numbers = page.page
    previous, following = pager_links(
        numbers,
        href=f"?{_pager_query(page)}page=",
        previous=f"← {t['previous']}",
        following=f"{t['next']} →",
        number=localize,
    )
    position = page_position(numbers, gettext("Page %(number)s of %(num_pages)s"))
    return (
        f'  <nav class="pager" aria-label="{t["pages"]}">\n'
        f"    {previous}\n    <span>{position}</span>\n    {following}\n  </nav>\n"
    )


def results_html(page: ListPage) -> str:
    """The `#po-results` part: what an htmx filter or pager request swaps in."""
    t = texts()
    oob = _counters(page, t, oob=True) if page.counters and page.htmx else ""
    count = ngettext(
        "%(count_text)s purchase order", "%(count_text)s purchase orders", page.count
    ) % {"count_text": escape(intcomma(page.count)), "counter": escape(localize(page.count))}
    parts = [
        f'\n<div id="po-results">\n  {oob}\n'
        f'  <p class="muted">{count} · <a href="{escape(page.csv_url)}?'
        f'{escape(page.query_string)}" download>{t["export"]}</a></p>\n  '
    ]
    if page.has_rows:
        parts.append("\n  ")
        if not page.show_supplier:
            parts.append(
                f'<form method="post" action="{escape(page.ship_many_url)}" id="ship-pos">'
                f"{page.csrf_input}\n"
                f'  <p class="actions"><button type="submit">{t["ship_these"]}</button> '
                f'<small class="muted">{t["ship_hint"]}</small></p>'
            )
        parts.append(
            '\n  <table class="table">\n'
            f"    {_table_head(get_language(), page.show_supplier)}\n"
            f"    <tbody>\n    {page.rows_html}\n    </tbody>\n  </table>\n  "
            f"{'' if page.show_supplier else '</form>'}\n"
        )
        parts.append(_pager(page, t))
        parts.append("  ")
    else:
        parts.append(f'\n  <p class="empty">{t["empty"]}</p>\n  ')
    parts.append("\n</div>\n")
    return "".join(parts)


def content_html(page: ListPage) -> str:
    """The page's content block: heading, counters, filters and results."""
    t = texts()
    small = (
        f" <small>{escape(page.supplier_name)}</small>" if page.supplier_name is not None else ""
    )
    inbox = ""
    if page.counters:
        inbox = _counters(page, t, oob=False) + "\n"
        if page.queue:
            inbox += _queue_note(page, t)
    return f"\n<h1>{t['title']}{small}</h1>\n{inbox}\n{_filters(page, t)}{results_html(page)}\n"
