"""The review queue's proposal lines as HTML rows, made once per page in Python.

The queue rendered `_proposal_lines.html` for every proposal, and in it, for every line and
delivery, `{% blocktranslate %}`, date and money filters and model properties: 98 % of the
page was that template work (pyinstrument, issue 24). These rows carry the same texts (same
translation messages, same number and money formats) and the markup `_proposal_lines.html`
gives them, from the plain rows of `selectors.proposal_line_rows`. The PO page's history
keeps `_proposal_lines.html`.
"""

import dataclasses
import datetime
import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

from django.utils.translation import get_language, gettext

from integrations.money import format_money, format_unit_price
from suppliers.models import AcknowledgmentLine, ReasonCode
from suppliers.views.page_formats import number_text

_ACCEPT = AcknowledgmentLine.Action.ACCEPT.value
_REJECT = AcknowledgmentLine.Action.REJECT.value
# Any character `escape` replaces.
_SPECIAL = re.compile("[&<>\"']").search


@dataclass(frozen=True)
class LineTexts:
    """Translations looked up once per page, and escaped once: `get_FOO_display()` casts
    every choice's lazy label on each call (most of these rows' cost before). The messages
    are escaped before their values are put in: their placeholders hold no character
    `escape` changes, so that is the escaped text."""

    on: str
    entered: str
    actions: dict[str, str]
    reasons: dict[str, str]
    number: Callable[[Decimal], str]
    # Quantities repeat on a page (55 lines, 170 quantities, a quarter of them distinct):
    # each formatted once. Zero is never kept: -0 and 0 are one key and print differently.
    kept: dict[Decimal, str]

    @classmethod
    def current(cls) -> "LineTexts":
        """The texts of the current language, with an empty memo for this page."""
        return dataclasses.replace(_line_texts(get_language()), kept={})

    @staticmethod
    def html(text: str) -> str:
        """`escape(text)`; a text with nothing to replace as it is (most codes: a search
        is cheaper than escape's five replacements)."""
        return escape(text) if _SPECIAL(text) else text

    def quantity(self, value: Decimal) -> str:
        """`number(value)`, kept for the page."""
        found = self.kept.get(value)
        if found is None:
            found = self.number(value)
            if value:
                self.kept[value] = found
        return found


@functools.lru_cache(maxsize=16)
def _line_texts(language: str | None) -> LineTexts:
    # Once per process and language: the catalogs and format modules are read at start.
    return LineTexts(
        # The messages of the `{% blocktranslate %}` tags in _proposal_lines.html.
        on=escape(gettext("%(quantity)s %(unit)s on %(date)s")),
        entered=escape(gettext("entered %(quantity)s %(unit)s")),
        actions={value: escape(str(label)) for value, label in AcknowledgmentLine.Action.choices},
        reasons={value: escape(str(label)) for value, label in ReasonCode.choices},
        number=number_text(),
        kept={},
    )


def _on(texts: LineTexts, quantity: Decimal, unit_html: str, date: datetime.date) -> str:
    # Escaped: the message and the unit are; numbers and ISO dates need nothing.
    return texts.on % {
        "quantity": texts.quantity(quantity),
        "unit": unit_html,
        # What date_format(date, "Y-m-d") prints, without its format lookups per call.
        "date": date.isoformat(),
    }


def _delivery_html(
    delivery: dict[str, Any], line: dict[str, Any], unit_html: str, texts: LineTexts
) -> str:
    quantity, date = delivery["s_quantity"], delivery["s_date"]
    text = _on(texts, quantity, unit_html, date)
    # Bold: not the ordered quantity on the ordered date.
    if quantity != line["original_qty"] or date != line["original_date"]:
        text = f"<strong>{text}</strong>"
    entered = ""
    if delivery["s_entered_uom_id"] != line["po_line__uom_id"]:
        typed = texts.entered % {
            "quantity": texts.quantity(delivery["s_entered_quantity"]),
            "unit": texts.html(delivery["s_entered_uom_code"]),
        }
        entered = f' <span class="muted">({typed})</span>'
    return f'<li data-schedule-line="{delivery["s_sequence"]}">{text}{entered}</li>'


def _line_html(
    line: dict[str, Any], deliveries: list[dict[str, Any]], currency: str, texts: LineTexts
) -> str:
    """One line's `<tr>`. A loop over 55 lines of nine cells and their deliveries cost ~5 ms
    in the template engine (issue 24). `escape` is what Django's autoescaping ends in,
    without its lazy-string wrapper: every value here is a plain string. Numbers are
    digits, a sign and the locale's separators: nothing to escape in them."""
    html = texts.html
    action = line["action"]
    unit_html = html(line["po_line__uom__code"])
    original_qty, proposed_qty = line["original_qty"], line["proposed_qty"]
    original_price, proposed_price = line["original_price"], line["proposed_price"]
    number = texts.quantity
    if action == _ACCEPT or proposed_qty == original_qty:
        quantity = f"{number(proposed_qty)} {unit_html}"
    else:
        quantity = (
            f'<span class="was">{number(original_qty)}</span> → '
            f"<strong>{number(proposed_qty)}</strong> {unit_html}"
        )
    if action == _REJECT:
        schedule = "—"
    else:
        items = "".join(_delivery_html(d, line, unit_html, texts) for d in deliveries)
        schedule = f'<ul class="schedule-list">{items}</ul>'
    price = html(format_unit_price(proposed_price, currency))
    if proposed_price != original_price:
        price = (
            f'<span class="was">{html(format_unit_price(original_price, currency))}</span> → '
            f"<strong>{price}</strong>"
        )
    impact = proposed_qty * proposed_price - original_qty * original_price
    impact_class = " delta-neg" if impact < 0 else " delta-pos" if impact > 0 else ""
    comment = line["comment"]
    comment_html = f'<br><span class="muted">{escape(comment)}</span>' if comment else ""
    reason_code = line["reason_code"]
    reason = texts.reasons.get(reason_code) or html(reason_code)
    line_no = line["po_line__line_no"]
    original = _on(texts, original_qty, unit_html, line["original_date"])
    return (
        f'<tr class="ack-line action-{html(action)}" data-line="{line_no}">'
        f'<td class="num">{line_no}</td>'
        f"<td><strong>{html(line['po_line__item__sku'])}</strong></td>"
        f'<td><span class="badge">{texts.actions.get(action) or html(action)}</span></td>'
        f'<td class="num">{quantity}</td>'
        f'<td class="original-delivery">{original}</td>'
        f'<td class="proposed-deliveries">{schedule}</td><td class="num">{price}</td>'
        f'<td class="num{impact_class}">{html(format_money(impact, currency))}</td>'
        f"<td>{reason}{comment_html}</td></tr>"
    )


# A pending proposal's lines are the same on every page that shows it: its rows' HTML is
# kept per process, keyed by every value it is made of (the rows, the currency, the
# language), so a changed value is a new key, never a stale text.
_MADE: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_MADE_MAX = 2048
_MADE_LOCK = threading.Lock()


def lines_html(
    lines: list[dict[str, Any]],
    deliveries: dict[int, list[dict[str, Any]]],
    currency: str,
    texts: LineTexts,
) -> str:
    """A proposal's lines as `<tr>`s, every value escaped."""
    key = (
        get_language(),
        currency,
        tuple(tuple(line.values()) for line in lines),
        tuple(tuple(d.values()) for line in lines for d in deliveries.get(line["id"], ())),
    )
    with _MADE_LOCK:
        made = _MADE.get(key)
        if made is not None:
            _MADE.move_to_end(key)
            return made
    made = "\n".join(
        _line_html(line, deliveries.get(line["id"], []), currency, texts) for line in lines
    )
    with _MADE_LOCK:
        _MADE[key] = made
        while len(_MADE) > _MADE_MAX:
            _MADE.popitem(last=False)
    return made
