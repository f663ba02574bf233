"""The exceptions inbox pages for internal users (buyers, operators, admins): the list
with filters, one case with its notes and actions (htmx fragments), and the dashboard.
Suppliers see their own receiving variances from the suppliers app instead."""

import contextlib
import datetime
import functools
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import (
    get_language,
    gettext,
    gettext_lazy,
    gettext_noop,
    ngettext,
)
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
from integrations.views import exception_list_page
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


# What a list row shows of a case: read as plain rows, not model instances (issue 24).
_ROW_FIELDS = (
    "id",
    "exception_class",
    "subject_key",
    "expected_qty",
    "actual_qty",
    "delta",
    "owner_team",
    "assigned_to__email",
    "first_seen_at",
    "sla_due_at",
    "escalated_at",
    "status",
)


def _quantity(value: Decimal | None) -> str:
    # What `{{ value|floatformat:"-6"|default:"—" }}` prints.
    return str(floatformat(value, "-6")) or "—" if value is not None else "—"


_MICRO = Decimal("0.000001")


def _quantity_text() -> Callable[[Decimal | None], str]:
    """`_quantity` for one page, the locale's separator looked up once (`floatformat` looks
    it up per number). floatformat:"-6" prints a whole number without decimals, any other
    with six (rounded half up, no "-" on a zero), with the locale's decimal separator;
    with thousand separators on, floatformat itself."""
    if settings.USE_THOUSAND_SEPARATOR:
        return _quantity
    separator = str(formats.get_format("DECIMAL_SEPARATOR"))

    def text(value: Decimal | None) -> str:
        if value is None:
            return "—"
        if not value.is_finite():
            return _quantity(value)
        if value == value.to_integral_value():
            return str(int(value))
        rounded = value.quantize(_MICRO, ROUND_HALF_UP)
        plain = f"{rounded:f}"
        if not rounded:
            plain = plain.removeprefix("-")
        return plain if separator == "." else plain.replace(".", separator)

    return text


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


def _date_text(django_format: str) -> Callable[[datetime.datetime], str]:
    """`dateformat.format(localtime(moment), django_format)` for one page: a `DateFormat`
    per date (time zone, format parsing) was most of the rows' cost. The locale formats of
    this portal (Y-m-d H:i, d.m.Y H:i) are plain `strftime`."""
    pattern = _strftime_of(django_format)

    def text(moment: datetime.datetime) -> str:
        local = timezone.localtime(moment)
        if pattern is None or not 1000 <= local.year <= 9999:
            return dateformat.format(local, django_format)
        return local.strftime(pattern)

    return text


@functools.lru_cache(maxsize=16)
def _labels(language: str | None) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    # Class, team and status labels, escaped, once per process and language.
    return (
        {value: escape(str(label)) for value, label in ExceptionClass.choices},
        {value: escape(str(label)) for value, label in OwnerTeam.choices},
        {value: escape(str(label)) for value, label in ExceptionCase.Status.choices},
    )


def _rows_html(cases: list[dict[str, Any]]) -> SafeString:
    """The list's table rows as HTML, made once per page: 25 rows of 11 cells (a `{% url %}`,
    three `floatformat`s and two localised dates each) cost ~2 ms in the template engine
    (issue 24). The same filters' functions, and `escape`, what Django's autoescaping
    ends in, without its lazy-string wrapper: every value here is a plain string. Labels,
    date formats and the link are looked up once per page: `get_FOO_display()` casts every
    choice's lazy label on each call, a third of the inbox's time before."""
    detail_prefix = escape(reverse("exceptions:detail", args=[0]).removesuffix("0/"))
    escalated = escape(gettext("(escalated)"))
    classes, teams, statuses = _labels(get_language())
    quantity = _quantity_text()
    # What `date_format(value, "SHORT_DATE_FORMAT")` does, the format looked up once.
    short_date = _date_text(str(formats.get_format("SHORT_DATE_FORMAT")))
    short_datetime = _date_text(str(formats.get_format("SHORT_DATETIME_FORMAT")))
    rows = []
    for case in cases:
        first_seen = short_date(case["first_seen_at"])
        sla_due = escape(short_datetime(case["sla_due_at"]))
        sla_cell = (
            f'<td class="delta-neg">{sla_due} {escalated}</td>'
            if case["escalated_at"]
            else f"<td>{sla_due}</td>"
        )
        kind, team, status = case["exception_class"], case["owner_team"], case["status"]
        pk = case["id"]
        rows.append(
            f'<tr><td><a href="{detail_prefix}{pk}/">{pk}</a></td>'
            f"<td>{classes.get(kind) or escape(kind)}</td>"
            f"<td>{escape(case['subject_key'])}</td>"
            f'<td class="num">{escape(quantity(case["expected_qty"]))}</td>'
            f'<td class="num">{escape(quantity(case["actual_qty"]))}</td>'
            f'<td class="num">{escape(quantity(case["delta"]))}</td>'
            f"<td>{teams.get(team) or escape(team)}</td>"
            f"<td>{escape(case['assigned_to__email'] or '—')}</td>"
            f"<td>{escape(first_seen)}</td>{sla_cell}"
            f'<td><span class="badge">{statuses.get(status) or escape(status)}</span></td></tr>'
        )
    return mark_safe("\n".join(rows))  # every value escaped above


def _options(choices: list[tuple[str, str]], selected: str) -> SafeString:
    # What `{% for value, label in choices %}<option value="{{ value }}"{% if selected ==
    # value %} selected{% endif %}>{{ label }}</option>{% endfor %}` prints.
    return mark_safe(
        "".join(
            f'<option value="{escape(value)}"{" selected" if value == selected else ""}>'
            f"{escape(label)}</option>"
            for value, label in choices
        )
    )


@functools.lru_cache(maxsize=512)
def _filter_options(
    language: str | None, status: str, exception_class: str, team: str, age: str
) -> dict[str, SafeString]:
    """The filter form's four lists, made once per process per language and choice: their
    lazy labels, cast per option in the template's loops, were a tenth of the page."""
    statuses = [
        ("active", gettext("Open or acknowledged")),
        ("closed", gettext("Closed")),
        ("all", gettext("All")),
        *((value, str(label)) for value, label in ExceptionCase.Status.choices),
    ]
    return {
        "status_options": _options(statuses, status),
        "class_options": _options(
            [(value, str(label)) for value, label in ExceptionClass.choices], exception_class
        ),
        "team_options": _options([(value, str(label)) for value, label in OwnerTeam.choices], team),
        "age_options": _options([(key, label) for key, label, _lo, _hi in _age_buckets()], age),
    }


@internal_required
def exception_list(request: HtmxHttpRequest) -> HttpResponse:
    filters = _filters(request)
    # The page and count statements compiled once per filter shape (exception_list.py).
    cases = selectors.exception_page_source(columns=_ROW_FIELDS, **filters)
    paginator = Paginator(cases, settings.PORTAL_PAGE_SIZE)
    # Counted without the rows' join to the assignee (the rows' query keeps it).
    paginator.count = cases.count()
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    # The content made in Python (exception_list_page.py), the rows by _rows_html: every
    # value escaped there.
    results = exception_list_page.results_html(
        page, _rows_html(page.object_list), query.urlencode()
    )
    context = {"page": page, "filters": filters, "results_html": mark_safe(results)}
    template = "integrations/exceptions/list.html"
    if request.htmx and request.htmx.target == "exception-results":
        template += "#results"
    else:
        options = _filter_options(
            get_language(),
            filters["status"],
            filters["exception_class"],
            filters["team"],
            filters["age"],
        )
        context["content_html"] = mark_safe(
            exception_list_page.content_html(
                request,
                csrf_token=get_token(request),
                filters=filters,
                options=options,
                results=results,
            )
        )
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
