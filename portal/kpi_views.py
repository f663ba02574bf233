"""The KPI page, its drill-down and the supplier scorecards (issue 20).

Who sees what: buyers, integration operators and portal admins see every supplier (and
may pick one); a supplier user sees its own supplier's KPIs and scorecard only, whatever
the query string says, and never the KPIs that belong to no supplier.
"""

import csv
import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from portal.access import Role, has_role
from suppliers.models import Supplier
from suppliers.selectors import supplier_for_user
from suppliers.selectors.kpis import KPIS, Kpi, KpiValue, Window, kpi_facts, kpi_values
from suppliers.selectors.scorecards import CARD_KPIS, month_window, supplier_scorecards

INTERNAL = (Role.BUYER, Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN)
PERIODS = (7, 28, 90)
DRILL_DOWN_LIMIT = 200
_DIVISORS = {"hours": 3600.0, "days": 86400.0, "seconds": 1.0}


def _scope(request: HttpRequest) -> tuple[Supplier | None, bool]:
    """(the supplier the page is about, whether the viewer is internal)."""
    if has_role(request.user, *INTERNAL):
        raw = request.GET.get("supplier", "")
        supplier = Supplier.objects.filter(pk=raw).first() if raw.isdigit() else None
        return supplier, True
    supplier = supplier_for_user(request.user)
    if supplier is None:
        raise PermissionDenied(gettext("KPIs are for suppliers, buyers and operators."))
    return supplier, False


def _window(request: HttpRequest) -> tuple[Window, int]:
    raw = request.GET.get("days", "")
    days = int(raw) if raw.isdigit() and int(raw) in PERIODS else 28
    return Window.last(days, now=timezone.now()), days


def _shown(kpi: Kpi, value: KpiValue | None) -> str:
    """What the page prints for a point: the median (and p90) or the percentage."""
    if value is None or value.count == 0:
        return "—"
    if kpi.kind == "ratio":
        return "—" if value.ratio is None else f"{100 * value.ratio:.1f} %"
    divisor = _DIVISORS[kpi.unit]
    median = (value.median or 0) / divisor
    p90 = (value.p90 or 0) / divisor
    return f"{median:.1f} {kpi.unit} (p90 {p90:.1f})"


def _bar(kpi: Kpi, value: KpiValue, largest: float) -> int:
    number = value.ratio if kpi.kind == "ratio" else value.median
    if not number or not largest:
        return 0
    return max(1, round(100 * number / largest))


@login_required
@require_GET
def kpis(request: HttpRequest) -> HttpResponse:
    """Every KPI over the period with its weekly series; each week links to its documents.
    Two queries per KPI, whatever the data."""
    supplier, internal = _scope(request)
    window, days = _window(request)
    supplier_id = supplier.pk if supplier is not None else None
    rows = []
    for kpi in KPIS.values():
        if not internal and not kpi.per_supplier:
            continue
        if supplier_id is not None and not kpi.per_supplier:
            continue
        overall = kpi_values(kpi, window=window, supplier_id=supplier_id).get("all")
        weekly = kpi_values(kpi, window=window, by="week", supplier_id=supplier_id)
        largest = max(
            ((v.ratio if kpi.kind == "ratio" else v.median) or 0 for v in weekly.values()),
            default=0,
        )
        rows.append(
            {
                "kpi": kpi,
                "shown": _shown(kpi, overall),
                "count": overall.count if overall else 0,
                "weeks": [
                    {
                        "week": week,
                        "shown": _shown(kpi, value),
                        "count": value.count,
                        "bar": _bar(kpi, value, largest),
                    }
                    for week, value in weekly.items()
                ],
            }
        )
    context = {
        "rows": rows,
        "days": days,
        "periods": PERIODS,
        "supplier": supplier,
        "internal": internal,
        "suppliers": Supplier.objects.order_by("name") if internal else [],
    }
    return render(request, "portal/kpis.html", context)


@login_required
@require_GET
def kpi_detail(request: HttpRequest, key: str) -> HttpResponse:
    """The documents behind one KPI: the whole period, or one week (`?week=YYYY-MM-DD`)."""
    kpi = KPIS.get(key)
    if kpi is None:
        raise Http404("No such KPI.")
    supplier, internal = _scope(request)
    if not kpi.per_supplier and (not internal or supplier is not None):
        raise Http404("This KPI belongs to no supplier.")
    window, days = _window(request)
    week = request.GET.get("week", "")
    if week:
        try:
            monday = datetime.date.fromisoformat(week)
        except ValueError:
            raise Http404("Not a week.") from None
        start = datetime.datetime.combine(monday, datetime.time(), tzinfo=datetime.UTC)
        window = Window(since=start, until=start + datetime.timedelta(days=7))
    facts = kpi_facts(
        kpi,
        window=window,
        supplier_id=supplier.pk if supplier is not None else None,
        group=request.GET.get("group", ""),
    )
    fields = ["document", "at", "group"] + (["num", "den"] if kpi.kind == "ratio" else ["value"])
    documents = list(facts.order_by("at").values(*fields)[:DRILL_DOWN_LIMIT])
    divisor = _DIVISORS.get(kpi.unit, 1.0)
    for row in documents:
        if kpi.kind == "duration":
            row["shown"] = f"{(row['value'] or 0) / divisor:.1f} {kpi.unit}"
        else:
            row["shown"] = f"{row['num']} of {row['den']}"
    context = {
        "kpi": kpi,
        "documents": documents,
        "week": week,
        "days": days,
        "supplier": supplier,
        "limit": DRILL_DOWN_LIMIT,
    }
    return render(request, "portal/kpi_detail.html", context)


def _month(request: HttpRequest) -> datetime.date | None:
    raw = request.GET.get("month", "")
    try:
        return datetime.date.fromisoformat(f"{raw}-01") if raw else None
    except ValueError:
        raise Http404("Give the month as YYYY-MM.") from None


@login_required
@require_GET
def scorecards(request: HttpRequest) -> HttpResponse:
    """Buyers see every active supplier ranked with the trend; a supplier its own card."""
    supplier, internal = _scope(request)
    month = _month(request)
    window = month_window(month) if month else _window(request)[0]
    cards = supplier_scorecards(
        window=window, supplier_id=None if internal else supplier.pk if supplier else None
    )
    context = {
        "cards": cards,
        "kpis": [KPIS[key] for key in CARD_KPIS],
        "internal": internal,
        "window": window,
        "month": month.strftime("%Y-%m") if month else "",
        "this_month": timezone.now().strftime("%Y-%m"),
    }
    return render(request, "portal/scorecards.html", context)


@login_required
@require_GET
def scorecards_csv(request: HttpRequest) -> HttpResponse:
    """The month's scorecards as CSV (`?month=YYYY-MM`, default this month)."""
    supplier, internal = _scope(request)
    month = _month(request) or timezone.now().date().replace(day=1)
    cards = supplier_scorecards(
        window=month_window(month),
        supplier_id=None if internal else supplier.pk if supplier else None,
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"scorecards-{month:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    header = ["rank", "supplier code", "supplier"]
    for key in CARD_KPIS:
        header += [f"{KPIS[key].label} ({_unit(key)})", f"{KPIS[key].label} previous", "trend"]
    writer.writerow(header)
    for card in cards:
        row: list[object] = [card.rank, card.supplier.code, card.supplier.name]
        for key in CARD_KPIS:
            row += [_blank(card.measure(key)), _blank(card.previous_measure(key)), card.trend(key)]
        writer.writerow(row)
    return response


def _unit(key: str) -> str:
    kpi = KPIS[key]
    return "%" if kpi.kind == "ratio" else f"median {kpi.unit}"


def _blank(value: float | None) -> object:
    return "" if value is None else value
