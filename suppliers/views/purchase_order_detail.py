"""The PO detail page, shared by the supplier's and the buyer's views and by the
acknowledgment actions that show it again with their forms' errors: the lines, the
acknowledgment history and forms, and the timeline with readable labels."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from integrations.labels import action_label
from integrations.models import AuditEntry
from integrations.money import total_amount
from integrations.selectors.deliveries import audit_entries_for
from suppliers import selectors
from suppliers.forms.acknowledgments import AcceptForm, RejectForm
from suppliers.models import PurchaseOrder, ReasonCode

# --- the PO detail page's acknowledgment part (both sides) -----------------------------


def timeline_rows(entries: list[AuditEntry]) -> list[dict]:
    """Audit entries, oldest first, each with a label and the detail worth reading."""
    reasons = dict(ReasonCode.choices)
    rows = []
    for entry in reversed(entries):
        after = entry.after or {}
        details = []
        if "revision" in after:
            details.append(f"revision {after['revision']}")
        if after.get("reason_code"):
            details.append(reasons.get(after["reason_code"], after["reason_code"]))
        rows.append(
            {
                "entry": entry,
                "label": action_label(entry.action),
                "details": details,
                "comment": after.get("comment", ""),
            }
        )
    return rows


def acknowledgment_context(
    purchase_order: PurchaseOrder, *, supplier_side: bool, timeline: list[AuditEntry]
) -> dict:
    """What po_detail.html needs for acknowledgments: history, the supplier's action forms,
    and the timeline with readable labels."""
    history = selectors.acknowledgments_for_purchase_order(purchase_order=purchase_order)
    context = {
        "acknowledgments": history,
        "timeline_rows": timeline_rows(list(timeline)),
        "supplier_side": supplier_side,
        "now": timezone.now(),
    }
    if supplier_side and purchase_order.can_acknowledge:
        initial = {"revision": purchase_order.revision}
        context["accept_form"] = AcceptForm(initial=initial)
        context["reject_form"] = RejectForm(initial=initial)
    return context


def render_detail(
    request: HttpRequest,
    purchase_order: PurchaseOrder,
    back_url_name: str,
    extra: dict | None = None,
) -> HttpResponse:
    timeline = list(audit_entries_for(purchase_order)[:50])
    lines = selectors.purchase_order_lines(purchase_order=purchase_order)
    context = {
        "po": purchase_order,
        "lines": lines,
        "total_amount": total_amount((line.amount for line in lines), purchase_order.currency),
        "timeline": timeline,
        "back_url_name": back_url_name,
        **acknowledgment_context(
            purchase_order,
            supplier_side=back_url_name.startswith("suppliers:"),
            timeline=timeline,
        ),
        **(extra or {}),
    }
    return render(request, "suppliers/po_detail.html", context)


def render_supplier_detail(
    request: HttpRequest, purchase_order: PurchaseOrder, extra: dict | None = None
) -> HttpResponse:
    """The supplier's PO page, e.g. again with a failed acknowledgment form's errors."""
    return render_detail(request, purchase_order, "suppliers:po_list", extra)
