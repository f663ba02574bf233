"""The SLO page: each workflow's objective, error budget left and burn rates (issue 20)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.access import Role, role_required
from portal.slos import FAST_BURN, open_slo_cases, slo_statuses


@require_GET
@role_required(Role.BUYER, Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN)
def slos(request: HttpRequest) -> HttpResponse:
    cases = {case.document_ref: case for case in open_slo_cases()}
    rows: list[dict[str, Any]] = []
    for status in slo_statuses():
        left = status.budget_left
        rows.append(
            {
                "status": status,
                "budget_percent": None if left is None else round(100 * left, 1),
                "bar": 0 if left is None else max(0, min(100, round(100 * left))),
                "case": cases.get(status.slo.key),
            }
        )
    return render(request, "portal/slos.html", {"rows": rows, "fast_burn": FAST_BURN})
