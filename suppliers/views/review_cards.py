"""The review queue's cards, made in Python once per page from plain rows.

A card is a proposal's header (PO link, supplier, revision, status, who proposed it when),
its comment, its lines (review_rows.py), the supplier's auto-accept rule and either the
decision form or the decision. It was a template partial rendered per proposal: per card a
form, four `{% url %}`, three `{% blocktranslate %}` and the rule, 37 % of the queue's CPU
(issue 24). Here the URLs are reversed once per page with a stand-in and filled per card,
the translations looked up once per page, and every value escaped with `escape` (what
Django's autoescaping ends in). The queue and the decision's htmx answer both print these
cards: this module is the one source of the card's markup.
"""

import datetime
import functools
from dataclasses import dataclass
from html import escape
from typing import Any, NamedTuple
from urllib.parse import quote

from django.conf import settings
from django.forms import Form
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, formats, timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from suppliers import selectors
from suppliers.models import Acknowledgment, AutoAcceptRule
from suppliers.views.review_rows import LineTexts, lines_html

# A number no proposal has, reversed into the decision URLs and replaced per card.
_PK_STAND_IN = 987654321012
_PENDING = Acknowledgment.Status.PENDING_REVIEW.value


def _segment(value: str) -> str:
    # How reverse() quotes an argument into its path.
    return quote(value, safe=RFC3986_SUBDELIMS + "/~:@")


def _split(url: str, stand_in: str) -> tuple[str, str]:
    prefix, _, suffix = url.partition(stand_in)
    return escape(prefix), escape(suffix)


def _person(full_name: str | None, email: str | None) -> str | None:
    # What str(user) prints; None when there is no one.
    if email is None:
        return None
    return full_name or email


def _describe(row: dict[str, Any], prefix: str = "") -> str:
    # The model's own words for a rule, from its row.
    rule = AutoAcceptRule(
        is_enabled=row[prefix + "is_enabled"],
        max_date_shift_days=row[prefix + "max_date_shift_days"],
        max_qty_change_pct=row[prefix + "max_qty_change_pct"],
    )
    return rule.describe()


def _rule_text(row: dict[str, Any]) -> str | None:
    """The supplier's auto-accept rule as the model describes it; None without a rule."""
    prefix = "purchase_order__supplier__auto_accept_rule__"
    if row[prefix + "id"] is None:
        return None
    return _describe(row, prefix)


class RuleSupplier(NamedTuple):
    code: str
    name: str


class RuleRow(NamedTuple):
    """A rule of the queue's rules table: what the template prints of it."""

    supplier: RuleSupplier
    describe: str


def auto_accept_rules() -> list[RuleRow]:
    """Every supplier's auto-accept rule, for the table under the queue."""
    return [
        RuleRow(RuleSupplier(row["supplier__code"], row["supplier__name"]), _describe(row))
        for row in selectors.auto_accept_rule_rows()
    ]


@dataclass(frozen=True)
class _Page:
    """What every card of one page shares: URLs, translations, the form's fixed parts."""

    po_url: tuple[str, str]
    accept_url: tuple[str, str]
    reject_url: tuple[str, str]
    csrf_input: str
    supplier_input: str
    po: str
    revision: str
    proposed_by: str
    system: str
    is_now: str
    statuses: dict[str, str]
    lines_head: str
    rule_label: str
    rule_none: str
    comment_label: str
    accept: str
    reject: str
    lines: LineTexts
    when_format: str


@functools.lru_cache(maxsize=16)
def _texts(language: str | None) -> dict[str, Any]:
    """The cards' translated texts and formats, looked up once per process and language:
    they depend on nothing else (the catalogs and format modules are read at start)."""
    heads = (
        ("num", "#"),
        ("", gettext("Item")),
        ("", gettext("Answer")),
        ("num", gettext("Quantity")),
        ("", gettext("Ordered delivery")),
        ("", gettext("Proposed deliveries")),
        ("num", gettext("Unit price")),
        ("num", gettext("Value impact")),
        ("", gettext("Reason")),
    )
    return {
        # The messages of the card's `{% blocktranslate %}` tags: only the values escaped.
        "po": gettext("PO %(number)s"),
        "revision": gettext("revision %(revision)s"),
        "proposed_by": gettext("proposed by %(who)s on %(when)s"),
        "system": gettext("system"),
        "is_now": gettext("PO %(number)s is now revision %(revision)s"),
        "statuses": {value: str(label) for value, label in Acknowledgment.Status.choices},
        "lines_head": "".join(
            f'<th class="{css}">{escape(text)}</th>' if css else f"<th>{escape(text)}</th>"
            for css, text in heads
        ),
        "rule_label": escape(gettext("Auto-accept rule:")),
        "rule_none": escape(gettext("none")),
        "comment_label": escape(gettext("Comment for the supplier")),
        "accept": escape(gettext("Accept changes")),
        "reject": escape(gettext("Reject proposal")),
        "when_format": str(formats.get_format("SHORT_DATETIME_FORMAT")),
    }


@functools.lru_cache(maxsize=16)
def _urls(urlconf: str, script_prefix: str) -> tuple[tuple[str, str], ...]:
    """The PO, accept and reject URLs split at their stand-in, once per process and URL
    configuration and script prefix (`reverse` was a third of `_page`)."""
    stand_in = str(_PK_STAND_IN)
    return (
        _split(reverse("buyer:po_detail", args=["__po__"], urlconf=urlconf), "__po__"),
        _split(reverse("buyer:proposal_accept", args=[_PK_STAND_IN], urlconf=urlconf), stand_in),
        _split(reverse("buyer:proposal_reject", args=[_PK_STAND_IN], urlconf=urlconf), stand_in),
    )


def _page(request: HttpRequest, supplier_code: str, *, decidable: bool) -> _Page:
    po_url, accept_url, reject_url = _urls(
        get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    )
    return _Page(
        po_url=po_url,
        accept_url=accept_url,
        reject_url=reject_url,
        # The token only when a form is shown, as {% csrf_token %} asks for it.
        csrf_input=(
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(get_token(request))}">'
            if decidable
            else ""
        ),
        supplier_input=(
            f'<input type="hidden" name="supplier" value="{escape(supplier_code)}">'
            if supplier_code
            else ""
        ),
        lines=LineTexts.current(),
        **_texts(get_language()),
    )


# Django date format characters with a `strftime` twin that prints the same for years
# 1000-9999, and the characters printed as they are.
_STRFTIME = {"Y": "%Y", "m": "%m", "d": "%d", "H": "%H", "i": "%M"}
_LITERAL = frozenset(" .-/:,")


@functools.lru_cache(maxsize=32)
def _strftime_of(django_format: str) -> str | None:
    # None when the format uses anything else: then Django's dateformat does the work.
    if not all(char in _STRFTIME or char in _LITERAL for char in django_format):
        return None
    return "".join(_STRFTIME.get(char, char) for char in django_format)


def _when(page: _Page, moment: datetime.datetime) -> str:
    # What `|date:"SHORT_DATETIME_FORMAT"` prints: in the current time zone, the format
    # looked up once per page; the portal's formats (Y-m-d H:i, d.m.Y H:i) by `strftime`
    # (a `DateFormat` per date was a tenth of the cards' cost).
    local = timezone.localtime(moment)
    pattern = _strftime_of(page.when_format)
    if pattern is None or not 1000 <= local.year <= 9999:
        return dateformat.format(local, page.when_format)
    return local.strftime(pattern)


def _form_html(page: _Page, pk: int, form: Form | None) -> str:
    accept = f"{page.accept_url[0]}{pk}{page.accept_url[1]}"
    reject = f"{page.reject_url[0]}{pk}{page.reject_url[1]}"
    errors = form is not None and bool(form.errors)
    comment = ""
    if form is not None and form.is_bound:
        value = form["comment"].value()
        comment = escape(str(value)) if value else ""
    return (
        f'\n  <form class="decision-form" method="post" action="{accept}" '
        f'hx-target="#proposal-{pk}" hx-swap="outerHTML" hx-disabled-elt="find button">\n'
        f"    {page.csrf_input}\n"
        f"    {page.supplier_input}\n"
        # The form's own error lists, as the template printed them.
        f"    {form.non_field_errors() if errors and form is not None else ''}\n"
        f'    <div class="field"><label for="comment-{pk}">{page.comment_label}</label>'
        f'<textarea id="comment-{pk}" name="comment" rows="2">{comment}</textarea>'
        f"{form['comment'].errors if errors and form is not None else ''}</div>\n"
        f'    <button type="submit" hx-post="{accept}">{page.accept}</button>\n'
        f'    <button type="submit" class="danger" formaction="{reject}" '
        f'hx-post="{reject}">{page.reject}</button>\n'
        "  </form>\n  "
    )


def _decision_html(page: _Page, row: dict[str, Any], status: str) -> str:
    decided_by = _person(row["decided_by__full_name"], row["decided_by__email"])
    text = escape(status)
    if decided_by:
        text += f" ({escape(decided_by)})"
    if row["resulting_revision"]:
        text += ": " + page.is_now % {
            "number": escape(row["purchase_order__number"]),
            "revision": row["resulting_revision"],
        }
    text += "."
    if row["decision_comment"]:
        text += f" “{escape(row['decision_comment'])}”"
    return f'\n  <p class="decision">{text}</p>\n  '


def _card_html(
    page: _Page,
    row: dict[str, Any],
    lines: list[dict[str, Any]],
    deliveries: dict[int, list[dict[str, Any]]],
    form: Form | None,
) -> str:
    pk = row["id"]
    number = row["purchase_order__number"]
    status = row["status"]
    pending = status == _PENDING
    status_label = page.statuses.get(status, status)
    who = _person(row["submitted_by__full_name"], row["submitted_by__email"]) or page.system
    when = _when(page, row["submitted_at"])
    proposed = page.proposed_by % {"who": escape(who), "when": escape(when)}
    comment = f'<p class="comment">“{escape(row["comment"])}”</p>' if row["comment"] else ""
    rule = _rule_text(row)
    rule_html = escape(rule) if rule else page.rule_none
    po_href = f"{page.po_url[0]}{escape(_segment(number))}{page.po_url[1]}"
    tail = _form_html(page, pk, form) if pending else _decision_html(page, row, status_label)
    return (
        f'\n<article class="review-card{"" if pending else " decided"}" id="proposal-{pk}" '
        f'data-po="{escape(number)}"{" data-waiting" if pending else ""}>\n'
        "  <header>\n"
        f'    <h2><a href="{po_href}">{page.po % {"number": escape(number)}}</a> · '
        f"{escape(row['purchase_order__supplier__code'])} "
        f"{escape(row['purchase_order__supplier__name'])} "
        f"<small>{page.revision % {'revision': row['revision']}}</small></h2>\n"
        f'    <span class="badge ack-status-{escape(status)}">{escape(status_label)}</span>\n'
        f'    <span class="muted">{proposed}</span>\n'
        "  </header>\n"
        f"  {comment}\n"
        '  \n<table class="table proposal-lines">\n'
        f"  <thead><tr>{page.lines_head}</tr></thead>\n"
        "  <tbody>\n"
        f"    {lines_html(lines, deliveries, row['purchase_order__currency'], page.lines)}\n"
        "  </tbody>\n</table>\n\n"
        f'  <p class="muted">{page.rule_label} {rule_html}.</p>\n'
        f"  {tail}\n"
        "</article>\n"
    )


def review_cards_html(
    request: HttpRequest,
    proposals: list[dict[str, Any]],
    *,
    supplier_code: str,
    form: Form | None = None,
) -> SafeString:
    """The cards of these proposal rows (`selectors.pending_proposal_rows` or
    `change_proposal_row_for_buyer`): their lines and deliveries in two queries, the rest
    per page. `form` is the decision form a card shows (bound after a failed decision);
    none on the queue. `supplier_code` is the queue's filter, sent back with a decision."""
    lines, deliveries = selectors.proposal_line_rows([row["id"] for row in proposals])
    decidable = any(row["status"] == _PENDING for row in proposals)
    page = _page(request, supplier_code, decidable=decidable)
    # Every value escaped above; the messages and the form's error lists are Django's own.
    return mark_safe(
        "".join(
            _card_html(page, row, lines.get(row["id"], []), deliveries, form) for row in proposals
        )
    )
