"""Operator EDI message viewer: every interchange received or sent, its raw text with
numbered segments (the numbers the findings use), the parse and mapping result per
transaction set, the documents it made, the 997 that answered it, the progress of one
still being processed, an unreadable file's bytes with the reason, and reprocessing after
a partner's mapping was fixed."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from integrations.errors import DomainError
from integrations.models import EdiInterchange
from integrations.services.edi_files import file_preview, interchange_text
from integrations.services.edi_intake import edi_interchange_reprocess
from integrations.x12 import read
from integrations.x12.stream import split_segments
from portal.access import HtmxHttpRequest, operator_required

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
    "sets_done",
    "sets_total",
)
# A day's feed is one interchange of megabytes: the page shows its start, and the sets.
RAW_SHOWN_BYTES = 256 * 1024
SETS_PER_PAGE = 200


def numbered_segments(raw: str) -> list[tuple[int, str]]:
    """The raw text split into segments numbered from the ISA = 1, as findings count them."""
    head = read(raw[:4096]).interchanges
    if not head:
        return [(n, line) for n, line in enumerate(raw.splitlines(), start=1)]
    segments = split_segments(raw.lstrip("\ufeff"), head[0].delimiters)
    return [(n, segment.strip()) for n, segment in enumerate(segments, start=1)]


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
def edi_interchange_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    interchange = get_object_or_404(
        EdiInterchange.objects.select_related("acknowledgment", "duplicate_of", "file"), pk=pk
    )
    context: dict[str, object] = {"interchange": interchange}
    if request.htmx and interchange.status == EdiInterchange.Status.PROCESSING:
        return render(request, "integrations/edi/interchange_detail.html#progress", context)
    sets = Paginator(interchange.transaction_sets.all(), SETS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    flagged = {
        error.get("segment_index")
        for row in sets.object_list
        for error in [*row.syntax_errors, *row.result.get("findings", [])]
    } | {error.get("segment_index") for error in interchange.errors}
    unreadable = interchange.status == EdiInterchange.Status.UNREADABLE
    length = interchange.file_length or len(interchange.raw)
    context.update(
        {
            "segments": [] if unreadable else _segments(interchange),
            "raw_cut": not unreadable and length > RAW_SHOWN_BYTES,
            "preview": file_preview(interchange.file) if unreadable and interchange.file else "",
            "flagged": flagged,
            "sets": sets,
            "acknowledged": list(
                interchange.acknowledges.only("id", "control_number", "status", "partner_code")
            ),
            "resends": list(interchange.resends.only("id", "control_number", "created_at")),
        }
    )
    return render(request, "integrations/edi/interchange_detail.html", context)


def _segments(interchange: EdiInterchange) -> list[tuple[int, str]]:
    text = interchange_text(interchange, limit=RAW_SHOWN_BYTES)
    segments = numbered_segments(text)
    length = interchange.file_length or len(interchange.raw)
    if length > RAW_SHOWN_BYTES and segments:
        segments.pop()  # the last one shown may be cut off
    return segments


@operator_required
@require_POST
def edi_interchange_reprocess_view(request: HttpRequest, pk: int) -> HttpResponse:
    interchange = get_object_or_404(EdiInterchange, pk=pk)
    try:
        interchange = edi_interchange_reprocess(actor=request.user, interchange=interchange)
        messages.success(
            request,
            gettext("Reprocessed: %(status)s; a new 997 was sent.")
            % {"status": interchange.get_status_display().lower()},
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("integrations:edi_detail", pk=pk)
