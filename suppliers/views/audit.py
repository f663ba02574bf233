"""Audit pages: the history of a supplier and everything that belongs to it (admins), and
of any one object (internal staff). Each entry reads as a sentence — "Anna Lindqvist
accepted PO-100044 with 2 changes" — with the time in the reader's time zone to the
minute and what changed in plain words: no codes, model labels, ids or "None"
(the words come from integrations.labels)."""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from integrations import labels
from integrations.models import AuditEntry
from portal.access import Role, admin_required, role_required
from suppliers import selectors
from suppliers.models import ReasonCode

internal_required = role_required(Role.BUYER, Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN)

# Bookkeeping an auditor never needs to read (ids, correlation tokens).
HIDDEN_FIELDS = {"acknowledgment_id", "correlation_id", "event_id", "id", "pk"}
MAX_DETAILS = 8


@dataclass
class AuditRow:
    """One audit entry as the page shows it."""

    entry: AuditEntry
    sentence: str
    object_name: str
    channel: str
    details: list[str] = field(default_factory=list)
    comment: str = ""

    @property
    def first_details(self) -> list[str]:
        return self.details[:MAX_DETAILS]

    @property
    def more_details(self) -> list[str]:
        """Shown folded: a new profile lists a dozen fields."""
        return self.details[MAX_DETAILS:]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _value(entry: AuditEntry, name: str, value: Any) -> str:
    if value in (None, ""):
        return labels.EMPTY
    if name == "reason_code":
        return str(dict(ReasonCode.choices).get(value, labels.format_value(value)))
    # A field with choices on the audited document shows its label ("Orders", "Confirmed").
    choice = labels.choice_label(entry.object_type, name, value)
    return choice if choice is not None else labels.format_value(value)


def _line_changes(name: str, before: list, after: list) -> list[str]:
    """Line by line, what changed in a list of lines ({"line_no": …, …})."""
    old = {row.get("line_no"): row for row in before if isinstance(row, dict)}
    changes = []
    for row in after:
        if not isinstance(row, dict):
            continue
        was = old.get(row.get("line_no"), {})
        for key, value in row.items():
            if key == "line_no" or was.get(key) == value:
                continue
            label = labels.field_label(key).lower()
            if isinstance(value, list):
                changes.append(
                    gettext("Line %(line)s: %(field)s changed")
                    % {"line": row.get("line_no"), "field": label}
                )
            else:
                changes.append(
                    gettext("Line %(line)s: %(field)s %(before)s → %(after)s")
                    % {
                        "line": row.get("line_no"),
                        "field": label,
                        "before": labels.format_value(was.get(key)),
                        "after": labels.format_value(value),
                    }
                )
    return changes


def _details(entry: AuditEntry) -> list[str]:
    """What changed (both sides known) or what was set (only the new values known)."""
    before, after = entry.before or {}, entry.after or {}
    details: list[str] = []
    for name in dict.fromkeys([*before, *after]):
        if name in HIDDEN_FIELDS or name == "comment":
            continue
        if name == "asn" and entry.action.startswith("asn_"):
            continue  # the sentence names the ASN
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        label = labels.field_label(name)
        if isinstance(new, list) or isinstance(old, list):
            if old and new:
                details.extend(_line_changes(name, old, new))
            elif new and not (name == "lines" and entry.action in {"received", "revised"}):
                # "3 lines", "2 packages": the sentence's tail already counts a PO's lines.
                details.append(_plural(len(new), label.lower().removesuffix("s")))
            continue
        if name not in after:
            continue  # a value kept only for the record, such as lines before acknowledging
        new_text = _value(entry, name, new)
        if new_text == entry.object_repr:
            continue
        if name in before and old not in (None, ""):
            details.append(f"{label}: {_value(entry, name, old)} → {new_text}")
        elif new not in (None, ""):
            details.append(f"{label}: {new_text}")
    return details


def _tail(entry: AuditEntry, change_counts: dict[int, int]) -> str:
    """The end of the sentence: how many lines, changes, which ASN, until when."""
    after = entry.after or {}
    action = entry.action
    if action in {"received", "revised"} and isinstance(after.get("lines"), list):
        return f" with {_plural(len(after['lines']), 'line')}"
    if action == "change_proposed":
        count = change_counts.get(after.get("acknowledgment_id") or 0)
        return f" with {_plural(count, 'change')}" if count else ""
    if action.startswith("asn_") and after.get("asn"):
        return f" on ASN {after['asn']}"
    if action == "milestone delayed" and after.get("expected_delivery"):
        return f", now expected {labels.format_value(after['expected_delivery'])}"
    if action in {"change_accepted", "change_auto_accepted"} and after.get("revision"):
        return f" (now revision {after['revision']})"
    return ""


def _fill(predicate: str, object_name: str, after: dict) -> str:
    """The predicate with the document's name and the new values it names ("{email}");
    one that names a value the entry lacks falls back to the action's general wording."""
    values = {k: labels.format_value(v) for k, v in after.items() if not isinstance(v, list)}
    try:
        return predicate.format(object=object_name, **values)
    except (KeyError, IndexError):
        return f"{predicate.split('{')[0].strip()} {object_name}"


def audit_row(entry: AuditEntry, change_counts: dict[int, int] | None = None) -> AuditRow:
    """The sentence and details of one entry."""
    object_name = labels.object_phrase(entry.object_type, entry.object_repr, entry.object_id)
    predicate = labels.action_predicate(entry.object_type, entry.action)
    actor = labels.actor_name(entry.actor_label)
    tail = _tail(entry, change_counts or {})
    if tail.startswith(" with "):
        # "Anna accepted PO-100044 with 2 changes" says more than "… with changes".
        predicate = predicate.removesuffix(" with changes")
    sentence = f"{capfirst(actor)} {_fill(predicate, object_name, entry.after or {})}{tail}."
    after = entry.after or {}
    return AuditRow(
        entry=entry,
        sentence=sentence,
        object_name=object_name,
        channel=labels.channel_phrase(entry.channel),
        details=_details(entry),
        comment=str(after.get("comment") or after.get("note") or ""),
    )


def _page(request: HttpRequest, queryset) -> tuple[Page, list[AuditRow]]:
    page = Paginator(queryset, settings.PORTAL_PAGE_SIZE * 2).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    proposal_ids = [
        int(entry.after["acknowledgment_id"])
        for entry in entries
        if entry.action == "change_proposed" and (entry.after or {}).get("acknowledgment_id")
    ]
    counts = selectors.audit_proposal_change_counts(acknowledgment_ids=proposal_ids)
    return page, [audit_row(entry, counts) for entry in entries]


@require_GET
@admin_required
def supplier_audit(request: HttpRequest, code: str) -> HttpResponse:
    supplier = selectors.get_supplier_by_code(code=code)
    page, rows = _page(request, selectors.audit_entries_for_supplier(supplier=supplier))
    return render(
        request,
        "portal/audit.html",
        {
            "title": gettext("Audit trail of %(code)s %(name)s")
            % {"code": supplier.code, "name": supplier.name},
            "page": page,
            "rows": rows,
            "supplier": supplier,
            "show_object": True,
        },
    )


@require_GET
@internal_required
def object_audit(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    queryset = selectors.audit_entries_for_object(object_type=object_type, object_id=object_id)
    page, rows = _page(request, queryset)
    name = rows[0].object_name if rows else labels.object_phrase(object_type, "", object_id)
    return render(
        request,
        "portal/audit.html",
        {
            "title": gettext("Audit trail of %(name)s") % {"name": name},
            "page": page,
            "rows": rows,
            "show_object": False,
        },
    )
