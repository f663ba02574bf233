"""The exceptions inbox's content (`/exceptions/`), made in Python (issue 24).

Around its rows (`exceptions.py`'s `_rows_html`) the page was ~50 template nodes: links,
the reconciliation button's form, the filter form, the count, the table head and the
pager: about a fifth of the page's CPU. Here it is string joins of the same HTML. Values
are escaped with `escape` (html.escape, where Django's autoescaping ends); translated
literals are printed as `{% translate %}` prints them (unescaped: a literal's translation
is safe), looked up once per process per language; the `{% blocktranslate %}` messages
get only their values escaped. `templates/integrations/exceptions/list.html` keeps the
layout's blocks and the `results` partial the filter's htmx request asks for.
"""

from collections.abc import Mapping
from functools import lru_cache
from html import escape
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.paginator import Page
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import get_language, gettext, ngettext

from integrations.views.pager import page_position, pager_links


@lru_cache(maxsize=8)
def _texts(language: str | None) -> dict[str, str]:
    """The page's fixed texts in `language` (the key of the cache: the active one), and
    its fixed links."""
    return {
        "title": gettext("Exceptions"),
        "dashboard": gettext("Dashboard"),
        "inventory": gettext("Inventory dashboard"),
        "runs": gettext("Reconciliation runs"),
        "run_now": gettext("Run reconciliation now"),
        "run_hint": gettext("Compares the latest ERP and WMS snapshots of every warehouse."),
        "status": gettext("Status"),
        "class": gettext("Class"),
        "any_class": gettext("Any class"),
        "team": gettext("Team"),
        "any_team": gettext("Any team"),
        "age": gettext("Age"),
        "any_age": gettext("Any age"),
        "warehouse": gettext("Warehouse"),
        "past_sla": gettext("Past SLA"),
        "search": gettext("Search"),
        "search_hint": gettext("SKU, ASN, subject"),
        "filter": gettext("Filter"),
        "pages": gettext("Pages"),
        "previous": gettext("← Previous"),
        "next": gettext("Next →"),
        "page_of": gettext("Page %(number)s of %(pages)s"),
        "empty": gettext("No exceptions match these filters."),
        "head": "<th>#</th>"
        + "".join(
            f"<th{css}>{text}</th>"
            for css, text in (
                ("", gettext("Class")),
                ("", gettext("Subject")),
                (' class="num"', gettext("Expected")),
                (' class="num"', gettext("Actual")),
                (' class="num"', gettext("Delta")),
                ("", gettext("Team")),
                ("", gettext("Assigned")),
                ("", gettext("First seen")),
                ("", gettext("SLA due")),
                ("", gettext("Status")),
            )
        ),
        "dashboard_url": escape(reverse("exceptions:dashboard")),
        "inventory_url": escape(reverse("inventory:dashboard")),
        "runs_url": escape(reverse("inventory:run_list")),
        "run_start_url": escape(reverse("inventory:run_start")),
    }


def results_html(page: Page[Any], rows_html: str, query: str) -> str:
    """The `#exception-results` block: the count, the table and the pager (or "none")."""
    t = _texts(get_language())
    count = page.paginator.count
    counted = ngettext("%(shown)s exception", "%(shown)s exceptions", count) % {
        "shown": escape(str(intcomma(count)))
    }
    head = f'\n<div id="exception-results">\n  <p class="muted">{counted}</p>\n  '
    if not page.object_list:
        return f'{head}\n  <p class="empty">{t["empty"]}</p>\n  \n</div>\n'
    previous, following = pager_links(
        page, href=f"?{escape(query)}&amp;page=", previous=t["previous"], following=t["next"]
    )
    page_of = page_position(page, t["page_of"], pages_key="pages")
    return (
        f'{head}\n  <table class="table">\n'
        f"    <thead><tr>{t['head']}</tr></thead>\n"
        "    <tbody>\n    "
        f"{rows_html}\n"
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
    csrf_token: str,
    filters: dict[str, Any],
    options: Mapping[str, str],
    results: str,
) -> str:
    """The page's content block around `results_html`; `options` are the four lists'
    `<option>`s (`exceptions.py`'s `_filter_options`)."""
    t = _texts(get_language())
    run_start = t["run_start_url"]
    checked = " checked" if filters["overdue"] else ""
    return (
        f"\n<h1>{t['title']}</h1>\n"
        '<p class="actions">\n'
        f'  <a href="{t["dashboard_url"]}">{t["dashboard"]}</a> ·\n'
        f'  <a href="{t["inventory_url"]}">{t["inventory"]}</a> ·\n'
        f'  <a href="{t["runs_url"]}">{t["runs"]}</a>\n'
        "</p>\n"
        '<section class="card" id="reconcile-panel">\n'
        f'  <form method="post" action="{run_start}" hx-post="{run_start}" '
        'hx-target="#reconcile-panel" hx-swap="innerHTML">\n'
        '    <input type="hidden" name="csrfmiddlewaretoken" '
        f'value="{escape(csrf_token)}">\n'
        f'    <button type="submit">{t["run_now"]}</button>\n'
        f'    <span class="muted">{t["run_hint"]}</span>\n'
        "  </form>\n"
        "</section>\n"
        f'<form class="filters" method="get" hx-get="{escape(request.path)}" '
        'hx-target="#exception-results" hx-swap="outerHTML" hx-push-url="true" '
        'hx-trigger="change, submit, keyup changed delay:400ms from:input[name=q]">\n'
        f"  <label>{t['status']}\n"
        f'    <select name="status">{options["status_options"]}</select>\n'
        "  </label>\n"
        f"  <label>{t['class']}\n"
        f'    <select name="class"><option value="">{t["any_class"]}</option>'
        f"{options['class_options']}</select>\n"
        "  </label>\n"
        f"  <label>{t['team']}\n"
        f'    <select name="team"><option value="">{t["any_team"]}</option>'
        f"{options['team_options']}</select>\n"
        "  </label>\n"
        f"  <label>{t['age']}\n"
        f'    <select name="age"><option value="">{t["any_age"]}</option>'
        f"{options['age_options']}</select>\n"
        "  </label>\n"
        f'  <label>{t["warehouse"]} <input name="warehouse" '
        f'value="{escape(filters["warehouse"])}" size="6"></label>\n'
        f'  <label><input type="checkbox" name="overdue" value="1"{checked}> '
        f"{t['past_sla']}</label>\n"
        f'  <label>{t["search"]} <input type="search" name="q" value="{escape(filters["q"])}" '
        f'placeholder="{t["search_hint"]}"></label>\n'
        f'  <button type="submit">{t["filter"]}</button>\n'
        "</form>\n"
        f"{results}\n"
    )
