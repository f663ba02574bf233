"""The buyer's inbound risk page and the list behind each of its figures.

Every figure on the page (a line count, a quantity in one unit, a value in one currency)
links to `inbound_risk_lines` with the figure's filters; both read
`selectors.risk_lines`, so a figure is always the count or sum of the rows its link shows.
"""

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from integrations.money import format_money, total_amount
from portal.access import buyer_required
from suppliers import selectors
from suppliers.selectors import GROUPS, MEASURES, InboundRisk, RiskCell, RiskFilters

PALETTE = ("#1f6feb", "#9a6700", "#8250df", "#1a7f37", "#bf3989", "#0a7ea4")


def risk_lines_url(filters: RiskFilters) -> str:
    query = {name: value for name, value in vars(filters).items() if value}
    return f"{reverse('buyer:inbound_risk_lines')}?{urlencode(query)}"


def _quantity(value: Decimal) -> str:
    return f"{value.normalize():f}"


@dataclass(frozen=True)
class Figure:
    """One figure on the page and the list it opens."""

    text: str
    url: str


@dataclass(frozen=True)
class Cell:
    lines: Figure
    quantities: list[Figure]
    values: list[Figure]
    empty: bool


def _cell(cell: RiskCell, base: RiskFilters) -> Cell:
    return Cell(
        lines=Figure(str(cell.lines), risk_lines_url(base)),
        quantities=[
            Figure(f"{_quantity(qty)} {uom}", risk_lines_url(replace(base, uom=uom)))
            for uom, qty in cell.quantity_items
        ],
        values=[
            Figure(format_money(amount, currency), risk_lines_url(replace(base, currency=currency)))
            for currency, amount in cell.value_items
        ],
        empty=not cell.lines,
    )


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str
    label: str
    url: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    x_labels: list[tuple[float, str]]
    legend: list[tuple[str, str]]
    empty: bool


def late_value_chart(risk: InboundRisk, *, width: int = 640, height: int = 220) -> BarChart:
    """Late value by week, one bar per currency (currencies are never added), each bar
    scaled to the largest of its own currency and linked to the lines behind it."""
    pad, bottom = 30, 36
    weeks = [row for row in risk.week if row.cells["late"].lines]
    currencies = sorted({c for row in weeks for c in row.cells["late"].values})
    if not weeks or not currencies:
        return BarChart(width, height, [], [], [], True)
    top = {
        currency: max(row.cells["late"].values.get(currency, Decimal(0)) for row in weeks)
        or Decimal(1)
        for currency in currencies
    }
    slot = (width - 2 * pad) / len(weeks)
    bar_width = slot * 0.8 / len(currencies)
    plot = height - pad - bottom
    bars, labels = [], []
    for index, row in enumerate(weeks):
        left = pad + index * slot + slot * 0.1
        labels.append((pad + index * slot + slot / 2, row.key))
        for offset, currency in enumerate(currencies):
            amount = row.cells["late"].values.get(currency)
            if amount is None:
                continue
            bar_height = float(amount / top[currency]) * plot
            bars.append(
                Bar(
                    x=round(left + offset * bar_width, 1),
                    y=round(pad + plot - bar_height, 1),
                    width=round(bar_width, 1),
                    height=round(bar_height, 1),
                    color=PALETTE[offset % len(PALETTE)],
                    title=gettext("%(week)s: %(amount)s late")
                    % {"week": row.key, "amount": format_money(amount, currency)},
                    label=format_money(amount, currency),
                    url=risk_lines_url(
                        RiskFilters(measure="late", week=row.key, currency=currency)
                    ),
                )
            )
    legend = [(currency, PALETTE[i % len(PALETTE)]) for i, currency in enumerate(currencies)]
    return BarChart(width, height, bars, labels, legend, False)


@buyer_required
def inbound_risk(request: HttpRequest) -> HttpResponse:
    risk = selectors.inbound_risk(today=timezone.localdate(), now=timezone.now())
    tables = [
        {
            "group": group,
            "label": label,
            "rows": [
                {
                    "key": row.key,
                    "cells": [
                        _cell(row.cells[measure], RiskFilters(measure=measure, **{group: row.key}))
                        for measure in MEASURES
                    ],
                }
                for row in risk.rows(group)
            ],
        }
        for group, label in GROUPS.items()
    ]
    totals = [
        (measure, label, _cell(risk.totals[measure], RiskFilters(measure=measure)))
        for measure, label in MEASURES.items()
    ]
    context = {
        "summary": risk,
        "tables": tables,
        "totals": totals,
        "measures": MEASURES,
        "chart": late_value_chart(risk),
    }
    return render(request, "suppliers/inbound/risk.html", context)


def _filters(request: HttpRequest) -> RiskFilters:
    def get(name: str) -> str:
        return request.GET.get(name, "").strip()[:20]

    measure = get("measure")
    return RiskFilters(
        measure=measure if measure in MEASURES else "",
        supplier=get("supplier"),
        warehouse=get("warehouse"),
        week=get("week"),
        uom=get("uom"),
        currency=get("currency").upper(),
    )


@buyer_required
def inbound_risk_lines(request: HttpRequest) -> HttpResponse:
    """The lines behind one figure of the risk page, with their quantities (each in its
    unit) and amounts, and the total per unit and per currency."""
    filters = _filters(request)
    today = timezone.localdate()
    lines = selectors.risk_lines(today=today, now=timezone.now(), filters=filters)
    quantities: dict[str, Decimal] = {}
    amounts: dict[str, list[Decimal]] = {}
    for line in lines:
        quantities[line.uom_code] = quantities.get(line.uom_code, Decimal(0)) + line.quantity
        amounts.setdefault(line.currency, []).append(line.value)
    week_from = selectors.week_start(filters.week) if filters.week else None
    context = {
        "filters": filters,
        "measure_label": MEASURES.get(filters.measure, gettext("At risk (every measure)")),
        "lines": lines,
        "quantity_totals": [f"{_quantity(q)} {uom}" for uom, q in sorted(quantities.items())],
        "value_totals": [
            format_money(total_amount(values, currency), currency)
            for currency, values in sorted(amounts.items())
        ],
        "week_range": (week_from, week_from + datetime.timedelta(days=6)) if week_from else None,
    }
    return render(request, "suppliers/inbound/risk_lines.html", context)
