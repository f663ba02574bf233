"""Writes of the exceptions inbox: every app opens, updates and resolves cases here.

Two doors with the same rules:
- per case (`exception_open_or_update`, `exception_auto_resolve`, …) for the few cases a
  receipt, a reminder run or a dead delivery produces, each with its audit entry and event;
- set-based (`exceptions_sync_bulk`) for reconciliation, where 1,000,000 positions with
  3 % differences mean 30,000 cases a night: candidates arrive as a SQL query, and
  opening, updating, auto-resolving and auditing are a handful of statements, not 30,000
  service calls. Events are then one per class and batch, listing the case ids.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

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
from portal.access import INTERNAL_ROLES, has_role

# class → (owner team, severity, SLA hours); an ExceptionPolicy row overrides one.
DEFAULT_POLICY: dict[str, tuple[str, str, int]] = {
    ExceptionClass.MISSING_IN_ERP: (OwnerTeam.INVENTORY_CONTROL, Severity.HIGH, 24),
    ExceptionClass.MISSING_IN_WMS: (OwnerTeam.INVENTORY_CONTROL, Severity.HIGH, 24),
    ExceptionClass.QUANTITY_MISMATCH: (OwnerTeam.INVENTORY_CONTROL, Severity.MEDIUM, 48),
    ExceptionClass.UOM_MISMATCH: (OwnerTeam.INVENTORY_CONTROL, Severity.MEDIUM, 48),
    ExceptionClass.IN_FLIGHT: (OwnerTeam.RECEIVING, Severity.MEDIUM, 24),
    ExceptionClass.NEGATIVE_STOCK: (OwnerTeam.INVENTORY_CONTROL, Severity.HIGH, 24),
    ExceptionClass.RECEIVING_VARIANCE: (OwnerTeam.RECEIVING, Severity.MEDIUM, 48),
    ExceptionClass.OVERDUE_ACKNOWLEDGMENT: (OwnerTeam.PURCHASING, Severity.MEDIUM, 24),
    ExceptionClass.LATE_ASN: (OwnerTeam.PURCHASING, Severity.MEDIUM, 24),
    ExceptionClass.STALE_AVAILABILITY: (OwnerTeam.PURCHASING, Severity.LOW, 72),
    ExceptionClass.DEAD_DELIVERY: (OwnerTeam.INTEGRATION, Severity.HIGH, 8),
}

ACTIVE = ("open", "acknowledged")
_CASE_TYPE = "integrations.exceptioncase"
_EVENT_ID_LIMIT = 1000  # ids listed in one bulk event; the count is always exact


def policy_for(exception_class: str) -> tuple[str, str, int]:
    row = ExceptionPolicy.objects.filter(exception_class=exception_class).first()
    if row is not None:
        return row.owner_team, row.severity, row.sla_hours
    if exception_class not in DEFAULT_POLICY:
        raise DomainError(f"Unknown exception class {exception_class!r}.", field="class")
    return DEFAULT_POLICY[exception_class]


def _case_data(case: ExceptionCase) -> dict:
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


def _publish_case(case: ExceptionCase, event_type: str, *, actor, channel: str) -> None:
    publish(
        event_type=event_type,
        aggregate_type="exception",
        aggregate_id=case.pk,
        data=_case_data(case),
        actor=actor,
        channel=channel,
    )


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
    actor,
    exception_class: str,
    subject: Subject,
    title: str,
    expected: Decimal | None = None,
    actual: Decimal | None = None,
    delta: Decimal | None = None,
    uom_code: str = "",
    detail: dict | None = None,
    channel: str = Channel.SYSTEM,
    now: datetime.datetime | None = None,
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
        case.save(update_fields=[*figures, "last_seen_at", "seen_count"])
        return case, False
    team, severity, sla_hours = policy_for(exception_class)
    case = ExceptionCase(
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
    audit_record(actor=actor, channel=channel, obj=case, action="opened", after=_case_data(case))
    _publish_case(case, "exception.opened", actor=actor, channel=channel)
    return case, True


def _close(case: ExceptionCase, *, actor, status: str, reason: str, channel: str) -> ExceptionCase:
    before = {"status": case.status}
    case.status = status
    case.resolved_at = timezone.now()
    case.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
    case.resolution_reason = reason[:500]
    case.save(update_fields=["status", "resolved_at", "resolved_by", "resolution_reason"])
    audit_record(
        actor=actor,
        channel=channel,
        obj=case,
        action=status,
        before=before,
        after={"status": status, "reason": case.resolution_reason},
    )
    _publish_case(case, "exception.resolved", actor=actor, channel=channel)
    return case


def _locked(case: ExceptionCase) -> ExceptionCase:
    return ExceptionCase.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def exception_auto_resolve(
    *, actor, exception_class: str, subject_key: str, reason: str, channel: str = Channel.SYSTEM
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
    return _close(
        case, actor=actor, status=ExceptionCase.Status.AUTO_RESOLVED, reason=reason, channel=channel
    )


@transaction.atomic
def exception_resolve(
    *, actor, case: ExceptionCase, reason: str, channel: str = Channel.PORTAL
) -> ExceptionCase:
    """Close a case by hand. The reason is required: it is what the next person reads."""
    case = _locked(case)
    if not case.can_resolve:
        raise DomainError(f"Exception #{case.pk} is already {case.get_status_display().lower()}.")
    if not reason.strip():
        raise DomainError("Say why the exception is resolved.", field="reason")
    return _close(
        case,
        actor=actor,
        status=ExceptionCase.Status.RESOLVED,
        reason=reason.strip(),
        channel=channel,
    )


@transaction.atomic
def exception_acknowledge(*, actor, case: ExceptionCase, channel: str = Channel.PORTAL):
    """Someone is on it: the case stays active but leaves the "new" pile."""
    case = _locked(case)
    if not case.can_acknowledge:
        raise DomainError(f"Exception #{case.pk} is {case.get_status_display().lower()}.")
    case.status = ExceptionCase.Status.ACKNOWLEDGED
    if case.assigned_to_id is None and getattr(actor, "is_authenticated", False):
        case.assigned_to = actor
    case.save(update_fields=["status", "assigned_to"])
    audit_record(
        actor=actor,
        channel=channel,
        obj=case,
        action="acknowledged",
        before={"status": "open"},
        after={"status": case.status},
    )
    return case


@transaction.atomic
def exception_assign(*, actor, case: ExceptionCase, assignee, channel: str = Channel.PORTAL):
    """Give the case to an internal user (or nobody: `assignee=None`); suppliers and
    inactive users cannot own a case."""
    if assignee is not None and not has_role(assignee, *INTERNAL_ROLES):
        raise DomainError("Choose someone from the list.", field="assignee")
    case = _locked(case)
    if not case.is_active:
        raise DomainError(f"Exception #{case.pk} is closed; reopen work on a new case.")
    before = {"assigned_to": str(case.assigned_to) if case.assigned_to_id else ""}
    case.assigned_to = assignee
    case.save(update_fields=["assigned_to"])
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
    *, actor, case: ExceptionCase, body: str, channel: str = Channel.PORTAL
) -> ExceptionNote:
    if not body.strip():
        raise DomainError("Write the note first.", field="body")
    note = ExceptionNote.objects.create(
        case=case,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        body=body.strip()[:5000],
    )
    audit_record(actor=actor, channel=channel, obj=case, action="note_added", after={"note": body})
    return note


@transaction.atomic
def exceptions_escalate(*, actor=None, now: datetime.datetime | None = None) -> int:
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
    ExceptionCase.objects.filter(pk__in=[c.pk for c in due]).update(escalated_at=now)
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


# --- set-based door ------------------------------------------------------------------

BULK_COLUMNS = (
    "exception_class",
    "subject_key",
    "sku",
    "warehouse_code",
    "title",
    "expected_qty",
    "actual_qty",
    "delta",
    "uom_code",
    "detail",
)


@dataclass(frozen=True)
class BulkSyncResult:
    opened: int
    updated: int
    auto_resolved: int
    opened_by_class: dict


def _db_time(value: datetime.datetime):
    """A datetime as the backend stores it (SQLite: naive UTC text), for raw SQL."""
    return connection.ops.adapt_datetimefield_value(value)


def _id_filter(ids: Sequence[int]) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        return "id = ANY(%s)", [list(ids)]
    return f"id IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _audit_bulk(cursor, ids: list[int], *, action: str, actor, now, correlation_id: str) -> None:
    """One audit entry per case, written by one INSERT … SELECT per chunk."""
    json_after = (
        "jsonb_build_object('status', status, 'delta', delta::text, 'subject', subject_key)"
        if connection.vendor == "postgresql"
        else "json_object('status', status, 'delta', CAST(delta AS TEXT), 'subject', subject_key)"
    )
    empty = "'{}'::jsonb" if connection.vendor == "postgresql" else "'{}'"
    id_text = "id::text" if connection.vendor == "postgresql" else "CAST(id AS TEXT)"
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    label = str(actor) if actor is not None else "system"
    chunk = 50_000 if connection.vendor == "postgresql" else 500
    for start in range(0, len(ids), chunk):
        where, params = _id_filter(ids[start : start + chunk])
        cursor.execute(
            f"""
            INSERT INTO {AuditEntry._meta.db_table}
                (occurred_at, actor_id, actor_label, channel, object_type, object_id,
                 object_repr, action, before, after, correlation_id)
            SELECT %s, %s, %s, %s, %s, {id_text},
                   substr('#' || {id_text} || ' ' || exception_class || ' ' || subject_key, 1, 200),
                   %s, {empty}, {json_after}, %s
            FROM {ExceptionCase._meta.db_table} WHERE {where}
            """,
            [
                _db_time(now),
                actor_id,
                label,
                Channel.SYSTEM,
                _CASE_TYPE,
                action,
                correlation_id,
                *params,
            ],
        )


def exceptions_sync_bulk(
    *,
    actor,
    candidates_sql: str,
    params: Sequence = (),
    scope_classes: Iterable[str],
    scope_warehouses: Iterable[str] | None = None,
    reference: str = "",
    now: datetime.datetime | None = None,
    correlation_id: str = "",
) -> BulkSyncResult:
    """Make the inbox match a full set of position differences, set-based.

    `candidates_sql` selects the BULK_COLUMNS (one row per subject × class, subject type
    "position"; `detail` a JSON object as text; a literal % written %%). Candidates with
    an active case update it (figures, last seen); the others open a case with their
    class's policy; every active case of `scope_classes` (and of `scope_warehouses`, when
    given) that is no longer a candidate is auto-resolved. Run it
    inside the caller's transaction (it is atomic on its own too).
    """
    now = now or timezone.now()
    scope_classes = sorted(set(scope_classes))
    table = ExceptionCase._meta.db_table
    policies = {cls: policy_for(cls) for cls in scope_classes}
    opened_by_class: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS exc_candidates")
        cursor.execute(
            f"CREATE TEMP TABLE exc_candidates AS SELECT * FROM ({candidates_sql}) AS src",
            list(params),
        )
        cursor.execute("CREATE INDEX exc_candidates_key ON exc_candidates (subject_key)")
        previous_nestloop = None
        if connection.vendor == "postgresql":
            # Statistics for the join keys only: sampling the JSON detail of tens of
            # thousands of rows cost more than the join it informs.
            cursor.execute("ANALYZE exc_candidates (exception_class, subject_key)")
            # Every statement below joins all candidates with the inbox. When statistics
            # show few active cases (the usual state before a big first run) the planner
            # picks a nested loop that rescans the inbox once per candidate: 6 s instead of
            # 0.1 s for 30,000 candidates. Hash or merge joins are right at any size here.
            cursor.execute("SHOW enable_nestloop")
            (previous_nestloop,) = cursor.fetchone()
            cursor.execute("SET LOCAL enable_nestloop = off")
        active = "c.status IN ('open', 'acknowledged')"
        detail = "CAST(x.detail AS jsonb)" if connection.vendor == "postgresql" else "x.detail"
        cursor.execute(
            f"""
            UPDATE {table} AS c SET last_seen_at = %s, seen_count = c.seen_count + 1,
                expected_qty = x.expected_qty, actual_qty = x.actual_qty, delta = x.delta,
                title = x.title, uom_code = x.uom_code, detail = {detail}
            FROM exc_candidates AS x
            WHERE c.exception_class = x.exception_class AND c.subject_key = x.subject_key
              AND {active}
            """,
            [_db_time(now)],
        )
        updated = cursor.rowcount

        def case_of(index: int) -> tuple[str, list]:
            whens, values = [], []
            for cls, policy in policies.items():
                value = policy[index]
                if index == 2:
                    value = _db_time(now + datetime.timedelta(hours=value))
                whens.append("WHEN %s THEN %s")
                values += [cls, value]
            return f"CASE x.exception_class {' '.join(whens)} END", values

        team_sql, team_params = case_of(0)
        severity_sql, severity_params = case_of(1)
        due_sql, due_params = case_of(2)
        cursor.execute(
            f"""
            INSERT INTO {table}
                (exception_class, subject_type, subject_key, document_type, document_ref,
                 sku, warehouse_code, supplier_code, title, expected_qty, actual_qty, delta,
                 uom_code, detail, severity, owner_team, status, sla_due_at, first_seen_at,
                 last_seen_at, seen_count, resolution_reason)
            SELECT x.exception_class, 'position', x.subject_key, '', '', x.sku,
                   x.warehouse_code, '', x.title, x.expected_qty, x.actual_qty, x.delta,
                   x.uom_code, {detail}, {severity_sql}, {team_sql}, 'open', {due_sql}, %s, %s,
                   1, ''
            FROM exc_candidates AS x
            WHERE NOT EXISTS (
                SELECT 1 FROM {table} AS c
                WHERE c.exception_class = x.exception_class AND c.subject_key = x.subject_key
                  AND {active})
            RETURNING id, exception_class
            """,
            [*severity_params, *team_params, *due_params, _db_time(now), _db_time(now)],
        )
        opened_rows = cursor.fetchall()
        opened_ids = [row[0] for row in opened_rows]
        opened_ids_by_class: dict[str, list[int]] = defaultdict(list)
        for case_id, cls in opened_rows:
            opened_ids_by_class[cls].append(case_id)
        opened_by_class = {cls: len(ids) for cls, ids in opened_ids_by_class.items()}

        class_marks = ", ".join(["%s"] * len(scope_classes))
        scope_sql, scope_params = f"c.exception_class IN ({class_marks})", list(scope_classes)
        if scope_warehouses is not None:
            codes = sorted(set(scope_warehouses)) or [""]
            scope_sql += f" AND c.warehouse_code IN ({', '.join(['%s'] * len(codes))})"
            scope_params += codes
        reason = f"The difference is gone ({reference or 'reconciliation'})."
        cursor.execute(
            f"""
            UPDATE {table} AS c SET status = 'auto_resolved', resolved_at = %s,
                resolution_reason = %s
            WHERE {active} AND {scope_sql}
              AND NOT EXISTS (
                SELECT 1 FROM exc_candidates AS x
                WHERE x.exception_class = c.exception_class AND x.subject_key = c.subject_key)
            RETURNING id, exception_class
            """,
            [_db_time(now), reason, *scope_params],
        )
        resolved_rows = cursor.fetchall()
        resolved_ids_by_class: dict[str, list[int]] = defaultdict(list)
        for case_id, cls in resolved_rows:
            resolved_ids_by_class[cls].append(case_id)
        _audit_bulk(
            cursor, opened_ids, action="opened", actor=actor, now=now, correlation_id=correlation_id
        )
        _audit_bulk(
            cursor,
            [row[0] for row in resolved_rows],
            action="auto_resolved",
            actor=actor,
            now=now,
            correlation_id=correlation_id,
        )
        cursor.execute("DROP TABLE exc_candidates")
        if previous_nestloop is not None:
            restore = "on" if previous_nestloop == "on" else "off"
            cursor.execute(f"SET LOCAL enable_nestloop = {restore}")
        for event_type, by_class in (
            ("exception.opened", opened_ids_by_class),
            ("exception.resolved", resolved_ids_by_class),
        ):
            for cls, ids in sorted(by_class.items()):
                publish(
                    event_type=event_type,
                    aggregate_type="exception_batch",
                    aggregate_id=f"{reference or now.isoformat()}:{cls}",
                    data={
                        "class": cls,
                        "count": len(ids),
                        "case_ids": ids[:_EVENT_ID_LIMIT],
                        "bulk": True,
                        "reference": reference,
                    },
                    actor=actor,
                    correlation_id=correlation_id,
                )
    return BulkSyncResult(
        opened=len(opened_ids),
        updated=updated,
        auto_resolved=len(resolved_rows),
        opened_by_class=opened_by_class,
    )
