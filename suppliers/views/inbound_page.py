"""The inbound schedule's content (`/buyer/inbound/`), made in Python (issue 24).

Around its rows (`inbound.py`'s `_rows_html`) the page was ~40 template nodes: the intro,
the filter form with the warehouse loop, the count, the table head, the pager with its
loops over the query: about a quarter of the page's CPU. Here it is string joins of the
same HTML. Values are escaped with `escape` (html.escape, where Django's autoescaping
ends); translated literals are printed as `{% translate %}` prints them (unescaped: a
literal's translation is safe), looked up once per process per language; the
`{% blocktranslate %}` messages get only their values escaped; numbers as template
variables print them. `templates/suppliers/inbound/schedule.html` keeps the layout's
blocks and the `results` partial the filter's htmx request asks for.
"""

import datetime
from functools import lru_cache
from html import escape
from typing import Any
from urllib.parse import quote

from django.core.paginator import Page
from django.http import HttpRequest
from django.urls import reverse
from django.utils.formats import localize
from django.utils.translation import get_language, gettext, ngettext

from integrations.views.pager import page_position, pager_links


@lru_cache(maxsize=8)
def _texts(language: str | None) -> dict[str, str]:
    """The page's fixed texts in `language` (the key of the cache: the active one), and
    its fixed links."""
    return {
        "title": gettext("Inbound schedule"),
        "intro": gettext(
            "What is expected at each warehouse by day: ASNs on their way (by expected "
            "delivery) and every confirmed delivery of a purchase order line not yet "
            "shipped, each on its own date (a line the supplier split shows once per "
            "delivery). Late and at-risk lines are highlighted."
        ),
        "risk": gettext("Risk summary"),
        "availability": gettext("Supplier availability"),
        "supplier": gettext("Supplier"),
        "all_suppliers": gettext("All suppliers"),
        "warehouse": gettext("Warehouse"),
        "all_warehouses": gettext("All warehouses"),
        "from": gettext("From"),
        "to": gettext("To"),
        "filter": gettext("Filter"),
        "export": gettext("Export CSV"),
        "pages": gettext("Pages"),
        "previous": gettext("Previous"),
        "next": gettext("Next"),
        "page_of": gettext("Page %(number)s of %(num_pages)s"),
        "empty": gettext("Nothing is expected for these filters."),
        "head": "".join(
            f"<th{css}>{text}</th>"
            for css, text in (
                ("", gettext("Warehouse")),
                ("", gettext("Date")),
                ("", gettext("Source")),
                ("", gettext("Supplier")),
                ("", gettext("Document")),
                ("", gettext("PO line")),
                ("", gettext("SKU")),
                (' class="num"', gettext("Quantity")),
                ("", gettext("Status")),
                ("", gettext("Flags")),
            )
        ),
        "risk_url": escape(reverse("buyer:inbound_risk")),
        "availability_url": escape(reverse("buyer:availability")),
        "csv_url": escape(reverse("buyer:inbound_csv")),
    }


def _date(value: datetime.date | None) -> str:
    # What `{{ value|date:'Y-m-d' }}` prints.
    return value.isoformat() if value is not None else ""


def _pager_query(request: HttpRequest) -> str:
    # What `{% for k, v in request.GET.items %}{% if k != 'page' %}{{ k }}={{ v|urlencode
    # }}&amp;{% endif %}{% endfor %}` prints.
    return "".join(
        f"{escape(key)}={escape(quote(str(value)))}&amp;"
        for key, value in request.GET.items()
        if key != "page"
    )


def results_html(request: HttpRequest, page: Page, rows_html: str, query: str) -> str:
    """The `#inbound-results` block: the count, the table and the pager (or "nothing")."""
    t = _texts(get_language())
    count = page.paginator.count
    counted = ngettext("%(counter)s line expected", "%(counter)s lines expected", count) % {
        "counter": localize(count)
    }
    export = t["csv_url"] + (f"?{escape(query)}" if query else "")
    head = (
        '\n<div id="inbound-results">\n'
        f'  <p class="muted">{counted} · <a href="{export}">{t["export"]}</a></p>\n  '
    )
    if not page.object_list:
        return f'{head}\n  <p class="empty">{t["empty"]}</p>\n  \n</div>\n'
    pager_query = _pager_query(request) if page.has_other_pages() else ""
    previous, following = pager_links(
        page,
        href=f"?{pager_query}page=",
        previous=f"← {t['previous']}",
        following=f"{t['next']} →",
    )
    page_of = page_position(page, t["page_of"])
    return (
        f'{head}\n  <table class="table" id="inbound">\n'
        f"    <thead><tr>{t['head']}</tr></thead>\n"
        "    <tbody>\n    "
        f"{rows_html}\n\n"
        "    </tbody>\n  </table>\n"
        f'  <nav class="pager" aria-label="{t["pages"]}">\n'
        f"    {previous}\n"
        f"    <span>{page_of}</span>\n"
        f"    {following}\n"
        "  </nav>\n  \n</div>\n"
    )


def content_html(
    request: HttpRequest,
    *,
    filters: dict[str, Any],
    supplier_options: str,
    warehouses: list[tuple[str, str]],
    results: str,
) -> str:
    """The page's content block around `results_html`."""
    t = _texts(get_language())
    selected = filters["warehouse_code"]
    warehouse_options = "".join(
        f'<option value="{escape(code)}"{" selected" if code == selected else ""}>'
        f"{escape(code)} {escape(name)}</option>"
        for code, name in warehouses
    )
    return (
        f"\n<h1>{t['title']}</h1>\n"
        f'<p class="muted">{t["intro"]} <a href="{t["risk_url"]}">{t["risk"]}</a> · '
        f'<a href="{t["availability_url"]}">{t["availability"]}</a></p>\n'
        f'<form class="filters" method="get" hx-get="{escape(request.path)}" '
        'hx-target="#inbound-results" hx-swap="outerHTML" hx-push-url="true" '
        'hx-trigger="change, submit">\n'
        f"  <label>{t['supplier']}\n"
        f'    <select name="supplier"><option value="">{t["all_suppliers"]}</option>'
        f"{supplier_options}</select>\n"
        "  </label>\n"
        f"  <label>{t['warehouse']}\n"
        f'    <select name="warehouse"><option value="">{t["all_warehouses"]}</option>'
        f"{warehouse_options}</select>\n"
        "  </label>\n"
        f'  <label>{t["from"]} <input type="date" name="from" '
        f'value="{_date(filters["date_from"])}"></label>\n'
        f'  <label>{t["to"]} <input type="date" name="to" '
        f'value="{_date(filters["date_to"])}"></label>\n'
        f'  <button type="submit">{t["filter"]}</button>\n'
        "</form>\n"
        f"{results}\n"
    )
