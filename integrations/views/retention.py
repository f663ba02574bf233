"""Operator page of the daily retention purge: per rule, how long rows are kept, how big
its tables are now, and what the last purge removed (integrations/services/retention.py)."""

import datetime
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, ngettext

from integrations import selectors
from integrations.services.retention import RULES
from portal.access import operator_required


@dataclass(frozen=True)
class RuleRow:
    name: str
    kept_for: str  # "90 days", "24 hours", "forever"
    tables: list[selectors.TableSize]
    # Rows the last purge removed under this rule (None: no purge has run yet).
    removed: int | None


def _kept_for_label(kept_for: datetime.timedelta | None) -> str:
    if kept_for is None:
        return gettext("forever")
    if kept_for.days and not kept_for.seconds:
        days = kept_for.days
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    hours = int(kept_for.total_seconds() // 3600)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


@operator_required
def retention(request: HttpRequest) -> HttpResponse:
    sizes = selectors.table_sizes(model for rule in RULES for model in rule.tables)
    run = selectors.last_purge()
    rows = [
        RuleRow(
            name=rule.name,
            kept_for=_kept_for_label(rule.kept_for()),
            tables=[sizes[model] for model in rule.tables],
            removed=run.rows.get(rule.name, 0) if run else None,
        )
        for rule in RULES
    ]
    return render(
        request,
        "integrations/retention.html",
        {
            "rules": rows,
            "last_purge": run,
            "estimated": any(t.estimated for row in rows for t in row.tables),
        },
    )
