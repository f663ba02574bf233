"""The review queue's content (`/buyer/reviews/`), made in Python (issue 24).

The template around the cards (the supplier filter, the plural "N waiting", the pager, the
rules table) was a fifth of the queue's CPU; here it is string joins of the same HTML, as
`po_list_html.py` does for the PO lists. Every value is escaped with `escape` (html.escape,
where Django's autoescaping ends); translated texts are printed as `{% translate %}` prints
a literal's translation (unescaped), looked up once per process per language; numbers go
through `localize` as template variables do. `templates/suppliers/acknowledgments/
review_queue.html` holds only the layout's blocks. The same bytes as the template made:
compared in both languages, full pages and htmx requests, filters, every pager position,
an empty queue and the decision's htmx answer.
"""

from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any
from urllib.parse import quote

from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

from integrations.views.pager import page_position, pager_links
from suppliers.views.review_cards import RuleRow


@lru_cache(maxsize=8)
def _texts(language: str | None) -> dict[str, str]:
    """The page's fixed texts in `language` (the key of the cache: the active one)."""
    return {
        "title": gettext("Change proposals to review"),
        "supplier": gettext("Supplier"),
        "all_suppliers": gettext("All suppliers"),
        "filter": gettext("Filter"),
        "empty": gettext("No change proposals are waiting for review."),
        "pages": gettext("Pages"),
        "previous": gettext("Previous"),
        "next": gettext("Next"),
        "rules": gettext("Auto-accept rules"),
        "rules_note": gettext(
            "Proposals inside a supplier's rule are accepted without review and shown as "
            "auto-accepted. Configure them in the admin (Suppliers › Auto-accept rules)."
        ),
        "rule": gettext("Rule"),
        "no_rules": gettext("No supplier has an auto-accept rule: every proposal comes here."),
    }


def _t() -> dict[str, str]:
    return _texts(get_language())


@dataclass(frozen=True)
class QueuePage:
    """What one page of the queue shows. `page` is Django's paginator page (its numbers),
    `cards_html` the cards already made (review_cards.py)."""

    page: Any
    cards_html: str
    waiting: int
    supplier_code: str
    supplier_options: str
    rules: list[RuleRow]


def waiting_html(waiting: int, *, oob: bool) -> str:
    """The "N proposals waiting" line; out of band in the decision's htmx answer."""
    # The messages of the template's `{% blocktranslate count %}`: the count localized
    # and escaped as the tag does.
    message = ngettext(
        '<span class="count" data-counter="waiting">%(counter)s</span> proposal waiting, '
        "oldest first.",
        '<span class="count" data-counter="waiting">%(counter)s</span> proposals waiting, '
        "oldest first.",
        waiting,
    ) % {"counter": escape(localize(waiting))}
    swap = ' hx-swap-oob="true"' if oob else ""
    return f'<p class="muted" id="review-waiting"{swap}>{message}</p>'


def _filters(queue: QueuePage, t: dict[str, str]) -> str:
    return (
        '<form class="filters" method="get">\n'
        f"  <label>{t['supplier']}\n"
        '    <select name="supplier" data-autosubmit>\n'
        f'      <option value="">{t["all_suppliers"]}</option>\n'
        f"      {queue.supplier_options}\n"
        "    </select>\n  </label>\n"
        f'  <noscript><button type="submit">{t["filter"]}</button></noscript>\n'
        "</form>\n"
    )


def _pager(queue: QueuePage, t: dict[str, str]) -> str:
    numbers = queue.page
    if numbers.paginator.num_pages <= 1:
        return ""
    query = (
        f"supplier={escape(quote(queue.supplier_code, safe='/'))}&amp;"
        if queue.supplier_code
        else ""
    )
    # A page number in the locale's format is digits and separators: nothing to escape.
    previous, following = pager_links(
        numbers,
        href=f"?{query}page=",
        previous=f"← {t['previous']}",
        following=f"{t['next']} →",
        number=localize,
    )
    position = page_position(numbers, gettext("Page %(number)s of %(num_pages)s"))
    return (
        f'\n<nav class="pager" aria-label="{t["pages"]}">\n'
        f"  {previous}\n  <span>{position}</span>\n  {following}\n</nav>\n"
    )


def _rules(queue: QueuePage, t: dict[str, str]) -> str:
    if not queue.rules:
        return f'\n<p class="empty">{t["no_rules"]}</p>\n'
    rows = "".join(
        f"<tr><td>{escape(rule.supplier.code)} {escape(rule.supplier.name)}</td>"
        f"<td>{escape(rule.describe)}</td></tr>"
        for rule in queue.rules
    )
    return (
        '\n<table class="table" id="auto-accept-rules">\n'
        f"  <thead><tr><th>{t['supplier']}</th><th>{t['rule']}</th></tr></thead>\n"
        f"  <tbody>{rows}</tbody>\n</table>\n"
    )


def content_html(queue: QueuePage) -> SafeString:
    """The page's content block: heading, filter, waiting count, cards, pager, rules."""
    t = _t()
    empty = f'\n<p class="empty">{t["empty"]}</p>\n'
    cards = queue.cards_html if queue.page.object_list else empty
    # Every value escaped above; the translations and the cards are HTML already.
    return mark_safe(
        f"\n<h1>{t['title']}</h1>\n"
        f"{_filters(queue, t)}"
        f"{waiting_html(queue.waiting, oob=False)}\n"
        f"{cards}\n"
        f"{_pager(queue, t)}\n"
        f"<h2>{t['rules']}</h2>\n"
        f'<p class="muted">{t["rules_note"]}</p>\n'
        f"{_rules(queue, t)}\n"
    )


def decided_html(card_html: str, waiting: int) -> str:
    """The decision's htmx answer: the card and, out of band, the count still waiting."""
    return card_html + waiting_html(waiting, oob=True)
