"""The exceptions inbox pages for internal users (buyers, operators, admins): the list
with filters, one case with its notes and actions (htmx fragments), and the dashboard.
Suppliers see their own receiving variances from the suppliers app instead."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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


def _detail_context(case: ExceptionCase, error: DomainError | None = None) -> dict[str, Any]:
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[role.value for role in INTERNAL_ROLES])
        .distinct()
        .order_by("email")
    )
    return {
        "case": case,
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
