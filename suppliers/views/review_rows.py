"""The review queue's proposal lines as text, prepared once per page in Python.

The queue rendered `_proposal_lines.html` for every proposal, and in it, for every line and
delivery, `{% blocktranslate %}`, date and money filters and model properties: 98 % of the
page was that template work (pyinstrument, issue 24). These rows carry the same texts (same
translation messages, same number and money formats), so `_review_lines.html` is one plain
loop. The PO page's history keeps `_proposal_lines.html`.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from integrations.money import format_money, format_unit_price
from suppliers.models import Acknowledgment, AcknowledgmentLine, ReasonCode


@dataclass(frozen=True)
class DeliveryText:
    sequence: int
    text: str
    changed: bool  # shown in bold: not the ordered quantity on the ordered date
    entered: str  # "entered 2 CS" when the supplier typed another unit, else ""


@dataclass(frozen=True)
class ProposalRow:
    action: str
    action_label: str
    line_no: int
    sku: str
    unit: str
    qty_changed: bool
    original_qty: str
    proposed_qty: str
    original_delivery: str
    rejected: bool
    deliveries: list[DeliveryText]
    price_changed: bool
    original_price: str
    proposed_price: str
    impact_class: str
    value_impact: str
    reason: str
    comment: str


def _number(value: Decimal) -> str:
    # What `{{ value.normalize }}` prints.
    return str(formats.localize(value.normalize()))


@dataclass(frozen=True)
class _Texts:
    """Translations looked up once per page: `get_FOO_display()` casts every choice's lazy
    label on each call (most of these rows' cost before)."""

    on: str
    entered: str
    actions: dict[str, str]
    reasons: dict[str, str]

    @classmethod
    def current(cls) -> "_Texts":
        return cls(
            # The messages of the `{% blocktranslate %}` tags in _proposal_lines.html.
            on=gettext("%(quantity)s %(unit)s on %(date)s"),
            entered=gettext("entered %(quantity)s %(unit)s"),
            actions={value: str(label) for value, label in AcknowledgmentLine.Action.choices},
            reasons={value: str(label) for value, label in ReasonCode.choices},
        )


def _on(texts: _Texts, quantity: Decimal, unit: str, date: datetime.date) -> str:
    return texts.on % {
        "quantity": _number(quantity),
        "unit": unit,
        # What date_format(date, "Y-m-d") prints, without its format lookups per call.
        "date": date.isoformat(),
    }


def _row(line: AcknowledgmentLine, currency: str, texts: _Texts) -> ProposalRow:
    po_line = line.po_line
    unit = po_line.uom.code
    deliveries = [
        DeliveryText(
            sequence=s.sequence,
            text=_on(texts, s.quantity, unit, s.date),
            changed=s.quantity != line.original_qty or s.date != line.original_date,
            entered=texts.entered
            % {"quantity": _number(s.entered_quantity), "unit": s.entered_uom.code}
            if s.entered_uom_id != po_line.uom_id
            else "",
        )
        for s in line.schedule_lines.all()
    ]
    impact = line.value_impact
    return ProposalRow(
        action=line.action,
        action_label=texts.actions.get(line.action, line.action),
        line_no=po_line.line_no,
        sku=po_line.item.sku,
        unit=unit,
        qty_changed=not (
            line.action == AcknowledgmentLine.Action.ACCEPT
            or line.proposed_qty == line.original_qty
        ),
        original_qty=_number(line.original_qty),
        proposed_qty=_number(line.proposed_qty),
        original_delivery=_on(texts, line.original_qty, unit, line.original_date),
        rejected=line.action == AcknowledgmentLine.Action.REJECT,
        deliveries=deliveries,
        price_changed=line.proposed_price != line.original_price,
        original_price=format_unit_price(line.original_price, currency),
        proposed_price=format_unit_price(line.proposed_price, currency),
        impact_class=" delta-neg" if impact < 0 else " delta-pos" if impact > 0 else "",
        value_impact=format_money(impact, currency),
        reason=texts.reasons.get(line.reason_code, line.reason_code),
        comment=line.comment,
    )


def _delivery_html(delivery: DeliveryText) -> str:
    text = escape(delivery.text)
    entered = (
        f' <span class="muted">({escape(delivery.entered)})</span>' if delivery.entered else ""
    )
    return (
        f'<li data-schedule-line="{delivery.sequence}">'
        f"{f'<strong>{text}</strong>' if delivery.changed else text}{entered}</li>"
    )


def _row_html(row: ProposalRow) -> str:
    """One line's `<tr>` (the markup `_proposal_lines.html` gives it). A loop over 55 lines
    of nine cells and their deliveries cost ~5 ms in the template engine (issue 24).
    `escape` is what Django's autoescaping ends in, without its lazy-string wrapper: every
    value here is a plain string."""
    unit = escape(row.unit)
    if row.qty_changed:
        quantity = (
            f'<span class="was">{escape(row.original_qty)}</span> → '
            f"<strong>{escape(row.proposed_qty)}</strong> {unit}"
        )
    else:
        quantity = f"{escape(row.proposed_qty)} {unit}"
    if row.rejected:
        deliveries = "—"
    else:
        items = "".join(_delivery_html(delivery) for delivery in row.deliveries)
        deliveries = f'<ul class="schedule-list">{items}</ul>'
    if row.price_changed:
        price = (
            f'<span class="was">{escape(row.original_price)}</span> → '
            f"<strong>{escape(row.proposed_price)}</strong>"
        )
    else:
        price = escape(row.proposed_price)
    comment = f'<br><span class="muted">{escape(row.comment)}</span>' if row.comment else ""
    return (
        f'<tr class="ack-line action-{escape(row.action)}" data-line="{row.line_no}">'
        f'<td class="num">{row.line_no}</td><td><strong>{escape(row.sku)}</strong></td>'
        f'<td><span class="badge">{escape(row.action_label)}</span></td>'
        f'<td class="num">{quantity}</td>'
        f'<td class="original-delivery">{escape(row.original_delivery)}</td>'
        f'<td class="proposed-deliveries">{deliveries}</td><td class="num">{price}</td>'
        f'<td class="num{row.impact_class}">{escape(row.value_impact)}</td>'
        f"<td>{escape(row.reason)}{comment}</td></tr>"
    )


def prepare_review_rows(acknowledgments: list[Acknowledgment]) -> list[Acknowledgment]:
    """Give each proposal its `review_rows` (its lines prefetched, as the selectors do) and
    those rows as HTML (`review_lines_html`, what `_review_lines.html` prints)."""
    texts = _Texts.current()
    for acknowledgment in acknowledgments:
        currency = acknowledgment.purchase_order.currency
        rows = [_row(line, currency, texts) for line in acknowledgment.lines.all()]
        acknowledgment.review_rows = rows  # type: ignore[attr-defined]
        # Every value escaped in _row_html.
        acknowledgment.review_lines_html = mark_safe(  # type: ignore[attr-defined]
            "\n".join(_row_html(row) for row in rows)
        )
    return acknowledgments
