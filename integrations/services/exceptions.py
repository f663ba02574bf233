"""Writes of the exceptions inbox, one case at a time: every app opens, updates and
resolves cases here, each with its audit entry and event. The life of a case is the table
`EXCEPTION_CASE` below; reconciliation's set-based door to the same table is
`integrations.services.exception_sync`.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from integrations.errors import DomainError
from integrations.models import AuditEntry, Channel
from integrations.models.exceptions import (
    ExceptionCase,
    ExceptionClass,
    ExceptionNote,
    ExceptionPolicy,
    OwnerTeam,
    Severity,
    TeamContact,
)
from integrations.services.events import audit_record, publish
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from integrations.services.lifecycle_sql import created_move
from portal.access import INTERNAL_ROLES, Actor, User, actor_user, has_role

# class → (owner team, severity, SLA hours); an ExceptionPolicy row overrides one.
DEFAULT_POLICY: dict[str, tuple[str, str, int]] = {
    ExceptionClass.MISSING_IN_ERP: (OwnerTeam.INVENTORY_CONTROL, Severity.HIGH, 24),
    ExceptionClass.MISSING_IN_WMS: (OwnerTeam.INVENTORY_CONTROL, Severity.HIGH, 24),
    ExceptionClass.QUANTITY_MISMATCH: (OwnerTeam.INVENTORY_CONTROL, Severity.MEDIUM, 48),
    ExceptionClass.UOM_MISMATCH: (OwnerTeam.INVENTORY_CONTROL, Severity.MEDIUM, 48),
    ExceptionClass.IN_FLIGHT: (OwnerTeam.RECEIVING, Severity.MEDIUM, 24),
    ExceptionClass.NEGATIVE_STOCK: (OwnerTeam.INVENTORY_CONTROL, Severity.HIGH, 24),
    # Master data found wrong in a snapshot: the item is not compared until it is fixed.
    ExceptionClass.UNKNOWN_SKU: (OwnerTeam.MASTER_DATA, Severity.MEDIUM, 48),
    ExceptionClass.UNKNOWN_UNIT: (OwnerTeam.MASTER_DATA, Severity.MEDIUM, 48),
    ExceptionClass.INEXACT_CONVERSION: (OwnerTeam.MASTER_DATA, Severity.MEDIUM, 48),
    ExceptionClass.CONFLICTING_DUPLICATE: (OwnerTeam.MASTER_DATA, Severity.MEDIUM, 48),
    ExceptionClass.RECEIVING_VARIANCE: (OwnerTeam.RECEIVING, Severity.MEDIUM, 48),
    ExceptionClass.OVERDUE_ACKNOWLEDGMENT: (OwnerTeam.PURCHASING, Severity.MEDIUM, 24),
    ExceptionClass.LATE_ASN: (OwnerTeam.PURCHASING, Severity.MEDIUM, 24),
    ExceptionClass.STALE_AVAILABILITY: (OwnerTeam.PURCHASING, Severity.LOW, 72),
    ExceptionClass.INVOICE_DISPUTE: (OwnerTeam.PURCHASING, Severity.MEDIUM, 72),
    ExceptionClass.DEAD_DELIVERY: (OwnerTeam.INTEGRATION, Severity.HIGH, 8),
    # A source's movement stream skipped a sequence number past the gap timeout.
    ExceptionClass.SEQUENCE_GAP: (OwnerTeam.INTEGRATION, Severity.MEDIUM, 24),
    # A workflow burning its error budget fast (portal/slos.py names the SLO's own team).
    ExceptionClass.SLO_BURN: (OwnerTeam.INTEGRATION, Severity.HIGH, 4),
}

ACTIVE = ("open", "acknowledged")
_CASE_TYPE = "integrations.exceptioncase"

Status = ExceptionCase.Status
_FINDER = "system (the check that finds the difference: reconciliation, receiving, availability)"
_PERSON = "owner team (an internal user, with a reason)"
_GONE = "system (the difference is gone: reconciliation, receiving, availability)"

# Escalation is not a move: a case past its SLA keeps its status and gets `escalated_at`
# once (`exceptions_escalate`). Nor is there a reopening: a closed case stays closed and
# the same difference found again opens a new case.
EXCEPTION_CASE = Lifecycle(
    document=gettext_noop("Exception case"),
    model=ExceptionCase,
    aggregate_type="exception",
    moves=[
        Move(CREATED, Status.OPEN, "opened", _FINDER, "exception.opened"),
        Move(
            Status.OPEN,
            Status.ACKNOWLEDGED,
            "acknowledged",
            "owner team (an internal user takes it)",
            note="the case stays active; nothing outside the inbox changes",
        ),
        Move(Status.OPEN, Status.RESOLVED, "resolved", _PERSON, "exception.resolved"),
        Move(Status.ACKNOWLEDGED, Status.RESOLVED, "resolved", _PERSON, "exception.resolved"),
        Move(Status.OPEN, Status.AUTO_RESOLVED, "auto_resolved", _GONE, "exception.resolved"),
        Move(
            Status.ACKNOWLEDGED,
            Status.AUTO_RESOLVED,
            "auto_resolved",
            _GONE,
            "exception.resolved",
        ),
    ],
)


def policy_for(exception_class: str) -> tuple[str, str, int]:
    row = ExceptionPolicy.objects.filter(exception_class=exception_class).first()
    if row is not None:
        return row.owner_team, row.severity, row.sla_hours
    if exception_class not in DEFAULT_POLICY:
        raise DomainError(
            gettext("Unknown exception class %(name)s.") % {"name": repr(exception_class)},
            field="class",
        )
    return DEFAULT_POLICY[exception_class]


def _case_data(case: ExceptionCase) -> dict[str, Any]:
    return {
        "id": case.pk,
        "class": case.exception_class,
        "subject_type": case.subject_type,
        "subject_key": case.subject_key,
        "sku": case.sku,
        "warehouse": case.warehouse_code,
        "supplier": case.supplier_code,
        "document_type": case.document_type,
        "document_ref": case.document_ref,
        "expected": case.expected_qty,
        "actual": case.actual_qty,
        "delta": case.delta,
        "uom": case.uom_code,
        "owner_team": case.owner_team,
        "status": case.status,
    }


@dataclass(frozen=True)
class Subject:
    """What a case is about. `position(...)` and `document(...)` build the usual ones."""

    subject_type: str
    subject_key: str
    sku: str = ""
    warehouse_code: str = ""
    document_type: str = ""
    document_ref: str = ""
    supplier_code: str = ""

    @classmethod
    def position(cls, *, sku: str, warehouse_code: str) -> "Subject":
        return cls(
            ExceptionCase.SubjectType.POSITION,
            f"{sku}@{warehouse_code}",
            sku=sku,
            warehouse_code=warehouse_code,
        )

    @classmethod
    def document(
        cls,
        *,
        document_type: str,
        document_ref: str,
        supplier_code: str = "",
        sku: str = "",
        warehouse_code: str = "",
    ) -> "Subject":
        return cls(
            ExceptionCase.SubjectType.DOCUMENT,
            f"{document_type}:{document_ref}",
            sku=sku,
            warehouse_code=warehouse_code,
            document_type=document_type,
            document_ref=document_ref,
            supplier_code=supplier_code,
        )


@transaction.atomic
def exception_open_or_update(
    *,
    actor: Actor,
    exception_class: str,
    subject: Subject,
    title: str,
    expected: Decimal | None = None,
    actual: Decimal | None = None,
    delta: Decimal | None = None,
    uom_code: str = "",
    detail: dict[str, Any] | None = None,
    channel: str = Channel.SYSTEM,
    now: datetime.datetime | None = None,
    owner_team: str = "",
) -> tuple[ExceptionCase, bool]:
    """Open a case for this subject × class, or update the open one (last seen, figures).

    Returns (case, opened). Opening writes an audit entry and publishes `exception.opened`;
    an update is not a state change and writes neither.
    """
    now = now or timezone.now()
    figures = {
        "title": title[:200],
        "expected_qty": expected,
        "actual_qty": actual,
        "delta": delta,
        "uom_code": uom_code,
        "detail": detail or {},
    }
    active = ExceptionCase.objects.select_for_update().filter(
        exception_class=exception_class, subject_key=subject.subject_key, status__in=ACTIVE
    )
    case = active.first()
    if case is not None:
        for name, value in figures.items():
            setattr(case, name, value)
        case.last_seen_at = now
        case.seen_count += 1
        case.save(update_fields=[*figures, "last_seen_at", "seen_count", "updated_at"])
        return case, False
    team, severity, sla_hours = policy_for(exception_class)
    team = owner_team or team  # the caller knows the owner (an SLO names its team)
    opening = created_move(EXCEPTION_CASE, Status.OPEN)
    case = ExceptionCase(
        status=opening.target,
        exception_class=exception_class,
        subject_type=subject.subject_type,
        subject_key=subject.subject_key,
        sku=subject.sku,
        warehouse_code=subject.warehouse_code,
        document_type=subject.document_type,
        document_ref=subject.document_ref,
        supplier_code=subject.supplier_code,
        severity=severity,
        owner_team=team,
        sla_due_at=now + datetime.timedelta(hours=sla_hours),
        first_seen_at=now,
        last_seen_at=now,
        **figures,
    )
    try:
        with transaction.atomic():  # a concurrent opener wins the partial unique index
            case.save(force_insert=True)
    except IntegrityError:
        return exception_open_or_update(
            actor=actor,
            exception_class=exception_class,
            subject=subject,
            title=title,
            expected=expected,
            actual=actual,
            delta=delta,
            uom_code=uom_code,
            detail=detail,
            channel=channel,
            now=now,
        )
    audit_record(
        actor=actor, channel=channel, obj=case, action=opening.action, after=_case_data(case)
    )
    publish(
        event_type=opening.event,
        aggregate_type=EXCEPTION_CASE.aggregate_type,
        aggregate_id=EXCEPTION_CASE.aggregate_id(case),
        data=_case_data(case),
        actor=actor,
        channel=channel,
    )
    return case, True


def _close(
    case: ExceptionCase, *, actor: Actor, to: str, reason: str, channel: str
) -> ExceptionCase:
    """Resolve or auto-resolve through the table: who and why are saved with the status."""
    case.resolved_at = timezone.now()
    case.resolved_by = actor_user(actor)
    case.resolution_reason = reason[:500]
    EXCEPTION_CASE.move(
        case,
        to=to,
        actor=actor,
        channel=channel,
        after={"reason": case.resolution_reason},
        data={**_case_data(case), "status": to},
        update_fields=["resolved_at", "resolved_by", "resolution_reason"],
    )
    return case


def _locked(case: ExceptionCase) -> ExceptionCase:
    return ExceptionCase.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def exception_auto_resolve(
    *,
    actor: Actor,
    exception_class: str,
    subject_key: str,
    reason: str,
    channel: str = Channel.SYSTEM,
) -> ExceptionCase | None:
    """Close the open case of this subject × class because its difference is gone; None
    when there is none (callers need not check first)."""
    case = (
        ExceptionCase.objects.select_for_update()
        .filter(exception_class=exception_class, subject_key=subject_key, status__in=ACTIVE)
        .first()
    )
    if case is None:
        return None
    return _close(case, actor=actor, to=Status.AUTO_RESOLVED, reason=reason, channel=channel)


@transaction.atomic
def exception_resolve(
    *, actor: Actor, case: ExceptionCase, reason: str, channel: str = Channel.PORTAL
) -> ExceptionCase:
    """Close a case by hand. The reason is required: it is what the next person reads."""
    case = _locked(case)
    if not EXCEPTION_CASE.can(case, Status.RESOLVED):
        raise DomainError(
            gettext("Exception #%(number)s is already %(state)s.")
            % {"number": case.pk, "state": case.get_status_display().lower()}
        )
    if not reason.strip():
        raise DomainError(gettext("Say why the exception is resolved."), field="reason")
    return _close(case, actor=actor, to=Status.RESOLVED, reason=reason.strip(), channel=channel)


@transaction.atomic
def exception_acknowledge(
    *, actor: Actor, case: ExceptionCase, channel: str = Channel.PORTAL
) -> ExceptionCase:
    """Someone is on it: the case stays active but leaves the "new" pile."""
    case = _locked(case)
    if not EXCEPTION_CASE.can(case, Status.ACKNOWLEDGED):
        raise DomainError(
            gettext("Exception #%(number)s is %(state)s.")
            % {"number": case.pk, "state": case.get_status_display().lower()}
        )
    user = actor_user(actor)
    if case.assigned_to_id is None and user is not None:
        case.assigned_to = user
    EXCEPTION_CASE.move(
        case, to=Status.ACKNOWLEDGED, actor=actor, channel=channel, update_fields=["assigned_to"]
    )
    return case


@transaction.atomic
def exception_assign(
    *, actor: Actor, case: ExceptionCase, assignee: User | None, channel: str = Channel.PORTAL
) -> ExceptionCase:
    """Give the case to an internal user (or nobody: `assignee=None`); suppliers and
    inactive users cannot own a case."""
    if assignee is not None and not has_role(assignee, *INTERNAL_ROLES):
        raise DomainError(gettext("Choose someone from the list."), field="assignee")
    case = _locked(case)
    if not case.is_active:
        raise DomainError(
            gettext("Exception #%(number)s is closed; reopen work on a new case.")
            % {"number": case.pk}
        )
    before = {"assigned_to": str(case.assigned_to) if case.assigned_to_id else ""}
    case.assigned_to = assignee
    case.save(update_fields=["assigned_to", "updated_at"])
    audit_record(
        actor=actor,
        channel=channel,
        obj=case,
        action="assigned",
        before=before,
        after={"assigned_to": str(assignee) if assignee else ""},
    )
    return case


@transaction.atomic
def exception_add_note(
    *, actor: Actor, case: ExceptionCase, body: str, channel: str = Channel.PORTAL
) -> ExceptionNote:
    if not body.strip():
        raise DomainError(gettext("Write the note first."), field="body")
    note = ExceptionNote.objects.create(
        case=case,
        author=actor_user(actor),
        body=body.strip()[:5000],
    )
    audit_record(actor=actor, channel=channel, obj=case, action="note_added", after={"note": body})
    return note


@transaction.atomic
def exceptions_escalate(*, actor: Actor = None, now: datetime.datetime | None = None) -> int:
    """Escalate every active case past its SLA that was not escalated yet: one email per
    owner team listing its cases, `escalated_at` set so that it happens once. Returns the
    number of cases escalated."""
    now = now or timezone.now()
    due = list(
        ExceptionCase.objects.select_for_update(skip_locked=True)
        .filter(status__in=ACTIVE, sla_due_at__lt=now, escalated_at__isnull=True)
        .order_by("owner_team", "sla_due_at", "id")
    )
    if not due:
        return 0
    by_team: dict[str, list[ExceptionCase]] = defaultdict(list)
    for case in due:
        by_team[case.owner_team].append(case)
    contacts = dict(TeamContact.objects.values_list("team", "email"))
    for team, cases in by_team.items():
        lines = [
            f"#{c.pk} {c.get_exception_class_display()} {c.subject_key} "
            f"(due {c.sla_due_at:%Y-%m-%d %H:%M} UTC): {c.title}"
            for c in cases[:200]
        ]
        if len(cases) > 200:
            lines.append(f"… and {len(cases) - 200} more in the exceptions inbox.")
        recipient = contacts.get(team)
        if recipient:
            send_mail(
                subject=f"[Supplier Portal] {len(cases)} exception(s) past SLA for "
                f"{OwnerTeam(team).label}",
                message="These exceptions are past their SLA:\n\n" + "\n".join(lines),
                from_email=None,
                recipient_list=[recipient],
            )
    ExceptionCase.objects.filter(pk__in=[c.pk for c in due]).update(
        escalated_at=now, updated_at=now
    )
    AuditEntry.objects.bulk_create(
        AuditEntry(
            occurred_at=now,
            actor=None,
            actor_label=str(actor) if actor is not None else "system",
            channel=Channel.SYSTEM,
            object_type=_CASE_TYPE,
            object_id=str(c.pk),
            object_repr=str(c)[:200],
            action="escalated",
            before={},
            after={"owner_team": c.owner_team, "sla_due_at": c.sla_due_at.isoformat()},
        )
        for c in due
    )
    return len(due)
