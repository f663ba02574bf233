"""Operator screens: connector health, delivery explorer and detail, dead letters with
replay and skip, pause/resume, and the integration catalog (integration operator role)."""

import datetime
import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from integrations import selectors, services
from integrations.contracts import EventContractError, load_schema
from integrations.errors import DomainError
from integrations.models import Connector, Delivery, ErpTransportHealth
from portal.access import HtmxHttpRequest, operator_required


def _day(value: str) -> datetime.datetime | None:
    day = parse_date(value or "")
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _filters(request: HttpRequest, *, status: str | None = None) -> selectors.DeliveryFilters:
    get = request.GET if request.method == "GET" else request.POST
    connector = get.get("connector", "")
    until = _day(get.get("until", ""))
    chosen_status = status if status is not None else get.get("status", "")
    return selectors.DeliveryFilters(
        connector=int(connector) if connector.isdigit() else None,
        status=chosen_status if chosen_status in Delivery.Status.values else "",
        event_type=get.get("event_type", "").strip()[:80],
        document=get.get("document", "").strip()[:64],
        since=_day(get.get("since", "")),
        until=until + datetime.timedelta(days=1) if until else None,
    )


def _query_string(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _filter_context(request: HttpRequest, filters: selectors.DeliveryFilters) -> dict[str, Any]:
    return {
        "filters": filters,
        "raw": request.GET,
        "connectors": Connector.objects.order_by("name").only("id", "name"),
        "statuses": Delivery.Status.choices,
        "event_types": selectors.event_types(),
        "query_string": _query_string(request),
    }


@operator_required
def connector_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.connectors_with_health()
    # How the ERP answered last (Tryton: 503, refused, session lost), one query for all.
    transport = {h.connector_id: h for h in ErpTransportHealth.objects.all()}
    for row in rows:
        setattr(row.connector, "transport_health", transport.get(row.connector.pk))  # noqa: B010
    return render(request, "integrations/connector_list.html", {"connectors": rows})


@operator_required
@require_POST
def connector_pause(request: HttpRequest, pk: int) -> HttpResponse:
    connector = get_object_or_404(Connector, pk=pk)
    try:
        services.connector_pause(
            actor=request.user, connector=connector, reason=request.POST.get("reason", "")
        )
        messages.success(
            request,
            gettext("%(connector)s is paused; deliveries keep queueing.")
            % {"connector": connector.name},
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("integrations:connector_list")


@operator_required
@require_POST
def connector_resume(request: HttpRequest, pk: int) -> HttpResponse:
    connector = get_object_or_404(Connector, pk=pk)
    try:
        services.connector_resume(actor=request.user, connector=connector)
        messages.success(request, gettext("%(connector)s resumed.") % {"connector": connector.name})
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("integrations:connector_list")


@operator_required
def delivery_list(request: HtmxHttpRequest) -> HttpResponse:
    filters = _filters(request)
    page = Paginator(selectors.deliveries_list(filters=filters), settings.PORTAL_PAGE_SIZE)
    context = {**_filter_context(request, filters), "page": page.get_page(request.GET.get("page"))}
    template = "integrations/delivery_list.html"
    if request.htmx and request.htmx.target == "delivery-results":
        template += "#results"
    return render(request, template, context)


@operator_required
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.get_delivery(pk=pk)
    return render(
        request,
        "integrations/delivery_detail.html",
        {
            "delivery": delivery,
            "envelope": json.dumps(delivery.event.envelope(), indent=2, ensure_ascii=False),
            "attempts": selectors.delivery_attempts(delivery=delivery),
            "history": selectors.audit_entries_for(delivery)[:20],
        },
    )


@operator_required
@require_POST
def delivery_replay(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery, pk=pk)
    try:
        services.delivery_replay(actor=request.user, delivery=delivery)
        messages.success(request, gettext("Replayed: the same event goes out again."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("integrations:delivery_detail", pk=pk)


@operator_required
@require_POST
def delivery_skip(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery, pk=pk)
    try:
        services.delivery_skip(
            actor=request.user, delivery=delivery, reason=request.POST.get("reason", "")
        )
        messages.success(request, gettext("Skipped; later events of the document go ahead."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("integrations:delivery_detail", pk=pk)


def _dead_letter_kwargs(filters: selectors.DeliveryFilters) -> dict[str, Any]:
    return {
        "connector_id": filters.connector,
        "event_type": filters.event_type,
        "document": filters.document,
        "since": filters.since,
        "until": filters.until,
    }


@operator_required
def dead_letters(request: HttpRequest) -> HttpResponse:
    filters = _filters(request, status=Delivery.Status.DEAD)
    page = Paginator(selectors.deliveries_list(filters=filters), settings.PORTAL_PAGE_SIZE)
    page_obj = page.get_page(request.GET.get("page"))
    context = {
        **_filter_context(request, filters),
        "page": page_obj,
        # The dry-run count the bulk replay must confirm.
        "dry_run_count": page.count,
    }
    return render(request, "integrations/dead_letters.html", context)


@operator_required
@require_POST
def dead_letters_replay(request: HttpRequest) -> HttpResponse:
    filters = _filters(request, status=Delivery.Status.DEAD)
    expected = request.POST.get("expected_count", "")
    back = reverse("integrations:dead_letters") + "?" + request.POST.get("query_string", "")
    if not expected.isdigit():
        messages.error(request, gettext("Confirm the number of dead letters to replay."))
        return redirect(back)
    try:
        count = services.dead_letters_replay(
            actor=request.user, expected_count=int(expected), **_dead_letter_kwargs(filters)
        )
        messages.success(
            request,
            ngettext(
                "Replayed %(count)d dead delivery.", "Replayed %(count)d dead deliveries.", count
            )
            % {"count": count},
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(back)


@operator_required
def catalog(request: HttpRequest) -> HttpResponse:
    return render(request, "integrations/catalog.html", {"connectors": selectors.catalog()})


@operator_required
def event_schema(request: HttpRequest, event_type: str, version: int) -> HttpResponse:
    try:
        schema = load_schema(event_type, version)
    except EventContractError:
        raise Http404("No such event contract.") from None
    return JsonResponse(schema, json_dumps_params={"indent": 2})
