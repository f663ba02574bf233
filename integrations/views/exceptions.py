"""The exceptions inbox pages for internal users (buyers, operators, admins): the list
with filters, one case with its notes and actions (htmx fragments), and the dashboard.
Suppliers see their own receiving variances from the suppliers app instead."""

import contextlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from integrations import selectors
from integrations.errors import DomainError
from integrations.models import ExceptionCase, ExceptionClass, OwnerTeam
from integrations.services import (
    exception_acknowledge,
    exception_add_note,
    exception_assign,
    exception_resolve,
)
from portal.access import INTERNAL_ROLES, HtmxHttpRequest, User, actor_user, role_required

internal_required = role_required(*INTERNAL_ROLES)


def _filters(request: HttpRequest) -> dict[str, Any]:
    get = request.GET
    status = get.get("status", "active")
    if status not in {"active", "closed", "all", *ExceptionCase.Status.values}:
        status = "active"
    return {
        "status": status,
        "exception_class": get.get("class", "")
        if get.get("class") in ExceptionClass.values
        else "",
        "team": get.get("team", "") if get.get("team") in OwnerTeam.values else "",
        "warehouse": get.get("warehouse", "").strip()[:20],
        "supplier": get.get("supplier", "").strip()[:20],
        "age": get.get("age", "")
        if get.get("age") in {b[0] for b in selectors.AGE_BUCKETS}
        else "",
        "overdue": get.get("overdue") == "1",
        "q": get.get("q", "").strip()[:60],
    }


@internal_required
def exception_list(request: HtmxHttpRequest) -> HttpResponse:
    filters = _filters(request)
    queryset = selectors.exception_cases(**filters)
    page = Paginator(queryset, settings.PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "classes": ExceptionClass.choices,
        "teams": OwnerTeam.choices,
        "statuses": [
            ("active", "Open or acknowledged"),
            ("closed", "Closed"),
            ("all", "All"),
            *ExceptionCase.Status.choices,
        ],
        "age_buckets": selectors.AGE_BUCKETS,
    }
    template = "integrations/exceptions/list.html"
    if request.htmx and request.htmx.target == "exception-results":
        template += "#results"
    return render(request, template, context)


# Who said what for each class: the case's expected figure comes from the first source,
# its actual figure from the second (reconciliation: ERP vs WMS; receiving: the ASN vs
# what was counted in). Classes not listed compare an expected and an actual figure.
_SOURCES: dict[str, tuple[str, str]] = {
    **{
        kind: ("ERP", "WMS")
        for kind in (
            ExceptionClass.MISSING_IN_ERP,
            ExceptionClass.MISSING_IN_WMS,
            ExceptionClass.QUANTITY_MISMATCH,
            ExceptionClass.UOM_MISMATCH,
            ExceptionClass.IN_FLIGHT,
            ExceptionClass.NEGATIVE_STOCK,
        )
    },
    ExceptionClass.RECEIVING_VARIANCE: ("ASN", "Received"),
}
# Detail keys a class's figures already say (reconciliation's erp/wms), and labels for the
# keys whose name alone would mislead or repeat another label.
_SAID_BY_FIGURES = {"erp", "wms"}
# Detail keys that hold a quantity in the case's unit (shown with it).
_QUANTITY_KEYS = {"expected", "short", "over", "damaged", "allowance"}
_DETAIL_LABELS = {
    "expected": "Expected after receipts and adjustments",
    "line_no": "ASN line",
    "asn": "ASN",
    "as_of": "Feed as of",
    "age_hours": "Feed age (hours)",
    "document": "Document",
}


def document_link(case: ExceptionCase) -> tuple[str, str] | None:
    """The page of the document a case names in `detail["document"]` ("asn:ACME:ASN-1",
    "receipt:R-1"), as (text, url), where it has one: reconciliation's in-flight cases say
    which ASN or receipt explains the difference, and the team should reach it in one
    click. Reversed by URL name, so integrations still imports no app."""
    document = str((case.detail or {}).get("document") or "")
    kind, _, ref = document.partition(":")
    if kind == "asn" and ":" in ref:
        supplier_code, _, asn_number = ref.partition(":")
        url = reverse("buyer:asn_detail", args=[supplier_code, asn_number])
        return f"ASN {ref}", url
    # Receipts have no page of their own yet: their reference stays plain text.
    return None


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _difference(case: ExceptionCase) -> str:
    """The figures said plainly: "ERP 185 EA, WMS 208 EA (+23)"."""
    first, second = _SOURCES.get(case.exception_class, ("Expected", "Actual"))
    unit = f" {case.uom_code}" if case.uom_code else ""

    def said(label: str, value: Decimal | None) -> str:
        return f"{label} {_qty(value)}{unit}" if value is not None else f"{label} none"

    text = f"{said(first, case.expected_qty)}, {said(second, case.actual_qty)}"
    if case.expected_qty is not None and case.actual_qty is not None:
        delta = case.actual_qty - case.expected_qty
        text += f" ({'+' if delta > 0 else ''}{_qty(delta)})"
    elif case.delta is not None:
        text += f" ({'+' if case.delta > 0 else ''}{_qty(case.delta)})"
    return text


def exception_facts(case: ExceptionCase) -> list[tuple[str, str]]:
    """The case as label → value pairs in reading order, each label once."""
    facts: list[tuple[str, str]] = [
        ("About", case.title),
        (
            "Subject",
            f"{case.subject_key} ({case.document_type})"
            if case.document_type
            else case.subject_key,
        ),
    ]
    for label, value in (
        ("SKU", case.sku),
        ("Warehouse", case.warehouse_code),
        ("Supplier", case.supplier_code),
    ):
        if value:
            facts.append((label, value))
    if case.expected_qty is not None or case.actual_qty is not None or case.delta is not None:
        facts.append(("Difference", _difference(case)))
    for key, value in (case.detail or {}).items():
        if key in _SAID_BY_FIGURES:
            continue
        label = _DETAIL_LABELS.get(key, key.replace("_", " ").capitalize())
        if key == "document" and (link := document_link(case)):
            facts.append((label, link[0]))
            continue
        if isinstance(value, str):
            with contextlib.suppress(ArithmeticError, ValueError):  # a number: no padding
                value = _qty(Decimal(value))
                if key in _QUANTITY_KEYS and case.uom_code:
                    value = f"{value} {case.uom_code}"
        facts.append((label, "—" if value in (None, "") else str(value)))
    when = "%Y-%m-%d %H:%M"
    sla = timezone.localtime(case.sla_due_at).strftime(when)
    if case.escalated_at:
        sla += f" (escalated {timezone.localtime(case.escalated_at).strftime(when)})"
    times = case.seen_count
    facts += [
        ("Severity", case.get_severity_display()),
        ("Owner team", case.get_owner_team_display()),
        ("First seen", timezone.localtime(case.first_seen_at).strftime(when)),
        (
            "Last seen",
            f"{timezone.localtime(case.last_seen_at).strftime(when)} "
            f"({times} time{'s' if times != 1 else ''})",
        ),
        ("SLA due", sla),
    ]
    seen: set[str] = set()
    unique = []
    for label, value in facts:
        if label.lower() not in seen:
            seen.add(label.lower())
            unique.append((label, value))
    return unique


def _detail_context(case: ExceptionCase, error: DomainError | None = None) -> dict[str, Any]:
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[role.value for role in INTERNAL_ROLES])
        .distinct()
        .order_by("email")
    )
    return {
        "case": case,
        "facts": exception_facts(case),
        "document_link": document_link(case),
        "notes": list(case.notes.select_related("author")),
        "internal_users": users,
        "error": error,
    }


@internal_required
def exception_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.get_exception_case(case_id=case_id)
    return render(request, "integrations/exceptions/detail.html", _detail_context(case))


def _act(
    request: HtmxHttpRequest, case_id: int, action: Callable[[ExceptionCase], object]
) -> HttpResponse:
    case = selectors.get_exception_case(case_id=case_id)
    error = None
    try:
        action(case)
    except DomainError as caught:
        error = caught
    case = selectors.get_exception_case(case_id=case_id)
    if request.htmx:
        return render(
            request, "integrations/exceptions/detail.html#work", _detail_context(case, error)
        )
    if error is not None:
        return render(
            request, "integrations/exceptions/detail.html", _detail_context(case, error), status=422
        )
    return redirect("exceptions:detail", case_id=case.pk)


@require_POST
@internal_required
def exception_acknowledge_view(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    return _act(request, case_id, lambda case: exception_acknowledge(actor=request.user, case=case))


@require_POST
@internal_required
def exception_assign_view(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    def assign(case: ExceptionCase) -> None:
        raw = request.POST.get("assignee", "")
        assignee: User | None
        if raw == "me":
            assignee = actor_user(request.user)
        elif raw:
            # Only the lookup here; who may own a case is the service's rule.
            assignee = get_user_model().objects.filter(pk=raw if raw.isdigit() else 0).first()
            if assignee is None:
                raise DomainError("Choose someone from the list.", field="assignee")
        else:
            assignee = None
        exception_assign(actor=request.user, case=case, assignee=assignee)

    return _act(request, case_id, assign)


@require_POST
@internal_required
def exception_note_view(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    return _act(
        request,
        case_id,
        lambda case: exception_add_note(
            actor=request.user, case=case, body=request.POST.get("body", "")
        ),
    )


@require_POST
@internal_required
def exception_resolve_view(request: HtmxHttpRequest, case_id: int) -> HttpResponse:
    return _act(
        request,
        case_id,
        lambda case: exception_resolve(
            actor=request.user, case=case, reason=request.POST.get("reason", "")
        ),
    )


@internal_required
def exception_dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "integrations/exceptions/dashboard.html",
        {
            "by_class": selectors.open_by_class_and_age(),
            "age_buckets": selectors.AGE_BUCKETS,
            "resolution": selectors.resolution_times(),
        },
    )
