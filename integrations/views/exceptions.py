"""The exceptions inbox pages for internal users (buyers, operators, admins): the list
with filters, one case with its notes and actions (htmx fragments), and the dashboard.
Suppliers see their own receiving variances from the suppliers app instead."""

import contextlib
from collections.abc import Callable
from decimal import Decimal
from html import escape
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy, gettext_noop, ngettext
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


def _with_labels(cases: list[ExceptionCase]) -> list[ExceptionCase]:
    """Class, team and status labels looked up once per page: `get_FOO_display()` casts
    every choice's lazy label on each call, a third of the inbox's time (issue 24)."""
    classes = {value: str(label) for value, label in ExceptionClass.choices}
    teams = {value: str(label) for value, label in OwnerTeam.choices}
    statuses = {value: str(label) for value, label in ExceptionCase.Status.choices}
    for case in cases:
        case.class_label = classes.get(case.exception_class, case.exception_class)  # type: ignore[attr-defined]
        case.team_label = teams.get(case.owner_team, case.owner_team)  # type: ignore[attr-defined]
        case.status_label = statuses.get(case.status, case.status)  # type: ignore[attr-defined]
    return cases


def _quantity(value: Decimal | None) -> str:
    # What `{{ value|floatformat:"-6"|default:"—" }}` prints.
    return str(floatformat(value, "-6")) or "—" if value is not None else "—"


def _rows_html(cases: list[ExceptionCase]) -> SafeString:
    """The list's table rows as HTML, made once per page: 25 rows of 11 cells (a `{% url %}`,
    three `floatformat`s and two localised dates each) cost ~2 ms in the template engine
    (issue 24). The same filters' functions, and `escape`, what Django's autoescaping
    ends in, without its lazy-string wrapper: every value here is a plain string."""
    detail_prefix = escape(reverse("exceptions:detail", args=[0]).removesuffix("0/"))
    escalated = escape(gettext("(escalated)"))
    rows = []
    for case in cases:
        labels: dict[str, str] = vars(case)  # class_label, team_label, status_label
        assigned = case.assigned_to.email if case.assigned_to is not None else ""
        first_seen = formats.date_format(
            timezone.localtime(case.first_seen_at), "SHORT_DATE_FORMAT"
        )
        sla_due = escape(
            formats.date_format(timezone.localtime(case.sla_due_at), "SHORT_DATETIME_FORMAT")
        )
        sla_cell = (
            f'<td class="delta-neg">{sla_due} {escalated}</td>'
            if case.escalated_at
            else f"<td>{sla_due}</td>"
        )
        rows.append(
            f'<tr><td><a href="{detail_prefix}{case.pk}/">{case.pk}</a></td>'
            f"<td>{escape(labels['class_label'])}</td><td>{escape(case.subject_key)}</td>"
            f'<td class="num">{escape(_quantity(case.expected_qty))}</td>'
            f'<td class="num">{escape(_quantity(case.actual_qty))}</td>'
            f'<td class="num">{escape(_quantity(case.delta))}</td>'
            f"<td>{escape(labels['team_label'])}</td><td>{escape(assigned or '—')}</td>"
            f"<td>{escape(first_seen)}</td>{sla_cell}"
            f'<td><span class="badge">{escape(labels["status_label"])}</span></td></tr>'
        )
    return mark_safe("\n".join(rows))  # every value escaped above


@internal_required
def exception_list(request: HtmxHttpRequest) -> HttpResponse:
    filters = _filters(request)
    queryset = selectors.exception_cases(**filters)
    page = Paginator(queryset, settings.PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _with_labels(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "rows_html": _rows_html(page.object_list),
        "filters": filters,
        "query": query.urlencode(),
        "classes": ExceptionClass.choices,
        "teams": OwnerTeam.choices,
        "statuses": [
            ("active", gettext("Open or acknowledged")),
            ("closed", gettext("Closed")),
            ("all", gettext("All")),
            *ExceptionCase.Status.choices,
        ],
        "age_buckets": _age_buckets(),
    }
    template = "integrations/exceptions/list.html"
    if request.htmx and request.htmx.target == "exception-results":
        template += "#results"
    return render(request, template, context)


# The labels of selectors.AGE_BUCKETS, for the catalog (makemessages reads them here).
_AGE_LABELS = (
    gettext_noop("< 1 day"),
    gettext_noop("1–3 days"),
    gettext_noop("3–7 days"),
    gettext_noop("> 7 days"),
)


def _age_buckets() -> list[tuple[str, str, int, int | None]]:
    return [(key, gettext(label), low, high) for key, label, low, high in selectors.AGE_BUCKETS]


# Who said what for each class: the case's expected figure comes from the first source,
# its actual figure from the second (reconciliation: ERP vs WMS; receiving: the ASN vs
# what was counted in). Classes not listed compare an expected and an actual figure.
_SOURCES: dict[str, tuple[Any, Any]] = {
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
    ExceptionClass.RECEIVING_VARIANCE: ("ASN", gettext_lazy("Received")),
}
# Detail keys a class's figures already say (reconciliation's erp/wms), and labels for the
# keys whose name alone would mislead or repeat another label.
_SAID_BY_FIGURES = {"erp", "wms"}
# Detail keys that hold a quantity in the case's unit (shown with it).
_QUANTITY_KEYS = {"expected", "short", "over", "damaged", "allowance"}
_DETAIL_LABELS = {
    "expected": gettext_lazy("Expected after receipts and adjustments"),
    "line_no": gettext_lazy("ASN line"),
    "asn": "ASN",
    "as_of": gettext_lazy("Feed as of"),
    "age_hours": gettext_lazy("Feed age (hours)"),
    "document": gettext_lazy("Document"),
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
    first, second = _SOURCES.get(
        case.exception_class, (gettext_lazy("Expected"), gettext_lazy("Actual"))
    )
    unit = f" {case.uom_code}" if case.uom_code else ""

    def said(label: str, value: Decimal | None) -> str:
        if value is None:
            return gettext("%(source)s none") % {"source": label}
        return f"{label} {_qty(value)}{unit}"

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
        (gettext("About"), case.title),
        (
            gettext("Subject"),
            f"{case.subject_key} ({case.document_type})"
            if case.document_type
            else case.subject_key,
        ),
    ]
    for label, value in (
        ("SKU", case.sku),
        (gettext("Warehouse"), case.warehouse_code),
        (gettext("Supplier"), case.supplier_code),
    ):
        if value:
            facts.append((label, value))
    if case.expected_qty is not None or case.actual_qty is not None or case.delta is not None:
        facts.append((gettext("Difference"), _difference(case)))
    for key, value in (case.detail or {}).items():
        if key in _SAID_BY_FIGURES:
            continue
        label = str(_DETAIL_LABELS.get(key, key.replace("_", " ").capitalize()))
        if key == "document" and (link := document_link(case)):
            facts.append((label, link[0]))
            continue
        if isinstance(value, str):
            with contextlib.suppress(ArithmeticError, ValueError):  # a number: no padding
                value = _qty(Decimal(value))
                if key in _QUANTITY_KEYS and case.uom_code:
                    value = f"{value} {case.uom_code}"
        facts.append((label, "—" if value in (None, "") else str(value)))

    def when(moment: Any) -> str:
        # The locale's short date and the time to the minute, in the user's time zone.
        local = timezone.localtime(moment)
        return f"{formats.date_format(local, 'SHORT_DATE_FORMAT')} {local:%H:%M}"

    sla = when(case.sla_due_at)
    if case.escalated_at:
        sla += " " + gettext("(escalated %(when)s)") % {"when": when(case.escalated_at)}
    times = case.seen_count
    facts += [
        (gettext("Severity"), case.get_severity_display()),
        (gettext("Owner team"), case.get_owner_team_display()),
        (gettext("First seen"), when(case.first_seen_at)),
        (
            gettext("Last seen"),
            ngettext("%(when)s (%(count)d time)", "%(when)s (%(count)d times)", times)
            % {"when": when(case.last_seen_at), "count": times},
        ),
        (gettext("SLA due"), sla),
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
                raise DomainError(gettext("Choose someone from the list."), field="assignee")
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
            "age_buckets": _age_buckets(),
            "resolution": selectors.resolution_times(),
        },
    )
