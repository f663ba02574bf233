"""Supplier scorecards (issue 20): each supplier's acknowledgment time, on-time in-full,
ASN accuracy, receiving variance and invoice first-pass match over a period, ranked, with
the previous period beside it for the trend. Built from the KPI facts (`selectors.kpis`)
grouped by supplier, so a scorecard of every supplier costs the same few queries as one
supplier's.
"""

import datetime
from dataclasses import dataclass

from suppliers.models import Supplier
from suppliers.selectors.kpis import KPIS, KpiValue, Window, kpi_values

# Invoice first-pass match is last so the monthly CSV's earlier columns keep their place.
CARD_KPIS = ("ack_time", "otif", "asn_accuracy", "receiving_variance", "invoice_first_pass")


@dataclass(frozen=True)
class Scorecard:
    supplier: Supplier
    rank: int
    current: dict[str, KpiValue | None]
    previous: dict[str, KpiValue | None]

    def measure(self, key: str) -> float | None:
        """The number the card shows: hours/days for durations (median), 0–100 for ratios."""
        return _measure(key, self.current.get(key))

    def previous_measure(self, key: str) -> float | None:
        return _measure(key, self.previous.get(key))

    @property
    def cells(self) -> list[str]:
        """One text per card KPI: the value, the previous period's and the trend."""
        texts = []
        for key in CARD_KPIS:
            now, before = self.measure(key), self.previous_measure(key)
            unit = "%" if KPIS[key].kind == "ratio" else f" {KPIS[key].unit}"
            text = "—" if now is None else f"{now}{unit}"
            if before is not None:
                text += f" ({self.trend(key)}; was {before}{unit})"
            texts.append(text)
        return texts

    def trend(self, key: str) -> str:
        """ "better", "worse", "same" or "" (not measured in one of the periods)."""
        now, before = self.measure(key), self.previous_measure(key)
        if now is None or before is None:
            return ""
        if abs(now - before) < 1e-9:
            return "same"
        lower_is_better = KPIS[key].kind == "duration"
        return "better" if (now < before) == lower_is_better else "worse"


def _measure(key: str, value: KpiValue | None) -> float | None:
    if value is None:
        return None
    kpi = KPIS[key]
    if kpi.kind == "ratio":
        return None if value.ratio is None else round(100 * value.ratio, 1)
    if value.median is None:
        return None
    divisor = {"hours": 3600, "days": 86400}.get(kpi.unit, 1)
    return round(value.median / divisor, 1)


def _previous(window: Window) -> Window:
    length = window.until - window.since
    return Window(since=window.since - length, until=window.since)


def month_window(month: datetime.date) -> Window:
    """The calendar month holding `month`, in UTC."""
    start = datetime.datetime(month.year, month.month, 1, tzinfo=datetime.UTC)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return Window(since=start, until=following)


def supplier_scorecards(*, window: Window, supplier_id: int | None = None) -> list[Scorecard]:
    """Scorecards ranked best first (OTIF, then ASN accuracy, high first; then
    acknowledgment time, short first); `supplier_id` limits them to one supplier (a
    supplier's own card keeps its rank among all). 1 + 2 × 5 queries."""
    previous = _previous(window)
    current_values = {key: kpi_values(KPIS[key], window=window, by="supplier") for key in CARD_KPIS}
    previous_values = {
        key: kpi_values(KPIS[key], window=previous, by="supplier") for key in CARD_KPIS
    }
    suppliers = list(Supplier.objects.filter(status=Supplier.Status.ACTIVE).order_by("name"))
    cards = [
        Scorecard(
            supplier=supplier,
            rank=0,
            current={key: current_values[key].get(supplier.pk) for key in CARD_KPIS},
            previous={key: previous_values[key].get(supplier.pk) for key in CARD_KPIS},
        )
        for supplier in suppliers
    ]

    def order(card: Scorecard) -> tuple[float, float, float, str]:
        otif, accuracy, ack = (
            card.measure("otif"),
            card.measure("asn_accuracy"),
            card.measure("ack_time"),
        )
        return (
            -(otif if otif is not None else -1),
            -(accuracy if accuracy is not None else -1),
            ack if ack is not None else float("inf"),
            card.supplier.name,
        )

    ranked = [
        Scorecard(card.supplier, rank, card.current, card.previous)
        for rank, card in enumerate(sorted(cards, key=order), start=1)
    ]
    if supplier_id is not None:
        ranked = [card for card in ranked if card.supplier.pk == supplier_id]
    return ranked
