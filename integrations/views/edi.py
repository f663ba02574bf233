"""Operator EDI message viewer: every interchange received or sent, its raw text with
numbered segments (the numbers the findings use), the parse and mapping result per
transaction set, the documents it made, the 997 that answered it, and reprocessing after
a partner's mapping was fixed."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from integrations.errors import DomainError
from integrations.models import EdiInterchange
from integrations.services.edi_intake import edi_interchange_reprocess
from integrations.x12 import read
from portal.access import operator_required

_LIST_FIELDS = (
    "id",
    "direction",
    "status",
    "partner_code",
    "control_number",
    "file_name",
    "document_kind",
    "document_ref",
    "summary",
    "created_at",
)


def numbered_segments(raw: str) -> list[tuple[int, str]]:
    """The raw text split into segments numbered from the ISA = 1, as findings count them."""
    result = read(raw)
    if not result.interchanges:
        return [(n, line) for n, line in enumerate(raw.splitlines(), start=1)]
    terminator = result.interchanges[0].delimiters.segment
    parts = [part.strip() for part in raw.lstrip("\ufeff").split(terminator)]
    return [(n, part) for n, part in enumerate((p for p in parts if p), start=1)]


@operator_required
def edi_interchange_list(request: HttpRequest) -> HttpResponse:
    interchanges = EdiInterchange.objects.only(*_LIST_FIELDS).order_by("-created_at", "-id")
    direction = request.GET.get("direction", "")
    status = request.GET.get("status", "")
    partner = request.GET.get("partner", "").strip()[:40]
    if direction in EdiInterchange.Direction.values:
        interchanges = interchanges.filter(direction=direction)
    if status in EdiInterchange.Status.values:
        interchanges = interchanges.filter(status=status)
    if partner:
        interchanges = interchanges.filter(partner_code=partner)
    page = Paginator(interchanges, settings.PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "integrations/edi/interchange_list.html",
        {
            "page": page,
            "directions": EdiInterchange.Direction.choices,
            "statuses": EdiInterchange.Status.choices,
            "chosen": {"direction": direction, "status": status, "partner": partner},
        },
    )


@operator_required
def edi_interchange_detail(request: HttpRequest, pk: int) -> HttpResponse:
    interchange = get_object_or_404(
        EdiInterchange.objects.select_related("acknowledgment", "duplicate_of"), pk=pk
    )
    sets = list(interchange.transaction_sets.all())
    flagged = {
        error.get("segment_index")
        for row in sets
        for error in [*row.syntax_errors, *row.result.get("findings", [])]
    } | {error.get("segment_index") for error in interchange.errors}
    return render(
        request,
        "integrations/edi/interchange_detail.html",
        {
            "interchange": interchange,
            "segments": numbered_segments(interchange.raw),
            "flagged": flagged,
            "sets": sets,
            "acknowledged": list(
                interchange.acknowledges.only("id", "control_number", "status", "partner_code")
            ),
            "resends": list(interchange.resends.only("id", "control_number", "created_at")),
        },
    )


@operator_required
@require_POST
def edi_interchange_reprocess_view(request: HttpRequest, pk: int) -> HttpResponse:
    interchange = get_object_or_404(EdiInterchange, pk=pk)
    try:
        interchange = edi_interchange_reprocess(actor=request.user, interchange=interchange)
        messages.success(
            request,
            f"Reprocessed: {interchange.get_status_display().lower()}; a new 997 was sent.",
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("integrations:edi_detail", pk=pk)
