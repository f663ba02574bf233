"""One life per document: the table of a document's allowed status moves, and the one
function that makes a move.

Every document with a status (purchase order, PO line, acknowledgment, ASN, receipt,
invoice, onboarding case, exception case) declares a `Lifecycle`: a table of `Move`s,
each saying from which status to which, by which action, who may make it and which event
it publishes. Its `move()` is the only way a status changes: it refuses a move the table
does not hold (a `TransitionNotAllowed` the channels show like any `DomainError`), saves
the status with `updated_at`, writes the audit entry and publishes the event, all in the
caller's transaction. A set-based move of many rows (`move_many`) does the same per row,
in a constant number of statements.

The tables are data, so `docs/architecture.md` prints them (`manage.py lifecycle_tables`)
and `tests/portal/test_architecture.py` checks that no status is written anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import AuditEntry, Channel
from integrations.services.events import _jsonable, audit_record, publish
from portal.access import Actor, actor_user

# The status a document is created in is the target of a move from CREATED.
CREATED = ""


@dataclass(frozen=True)
class Move:
    """One allowed move: `source` → `target` by `action`. `who` says who may make it (the
    channels check the role; the table documents it), `event` the event type the move
    publishes ("" when the move publishes none: `note` says why)."""

    source: str
    target: str
    action: str
    who: str
    event: str = ""
    note: str = ""


class TransitionNotAllowed(DomainError):
    """A status move the document's table does not allow."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="status", code="transition_not_allowed")


# Every lifecycle declared in the code, by document name, for the docs and the guard test.
LIFECYCLES: dict[str, Lifecycle] = {}


@dataclass
class Lifecycle:
    """The allowed status moves of one kind of document.

    `aggregate_type` and `aggregate_id` name the document in its events; `field` is its
    status column. Declaring a lifecycle registers it in `LIFECYCLES`."""

    document: str
    model: type[models.Model]
    moves: Sequence[Move]
    aggregate_type: str
    aggregate_id: Callable[[Any], str] = field(default=lambda obj: str(obj.pk))
    field: str = "status"
    # Told of the rows `move_many` moved (an UPDATE sends no post_save): a kept count of
    # the documents (e.g. the PO lists' counters) is replaced by it.
    changed: Callable[[list[Any]], None] | None = None

    def __post_init__(self) -> None:
        seen = set()
        for move in self.moves:
            key = (move.source, move.target, move.action)
            if key in seen:
                raise ValueError(f"{self.document}: the move {key} is declared twice.")
            seen.add(key)
        LIFECYCLES[self.document] = self

    # --- reading the table -------------------------------------------------------------

    @property
    def states(self) -> list[str]:
        return [value for value, _label in self._choices()]

    def _choices(self) -> list[tuple[str, str]]:
        status = self.model._meta.get_field(self.field)
        if not isinstance(status, models.Field):
            raise TypeError(f"{self.document}: {self.field} is not a column of its model.")
        return [(value, str(label)) for value, label in status.flatchoices]

    def label(self, status: str) -> str:
        if status == CREATED:
            return gettext("(created)")
        return dict(self._choices()).get(status, status)

    def initial_states(self) -> set[str]:
        return {move.target for move in self.moves if move.source == CREATED}

    def find(self, source: str, target: str, action: str | None = None) -> Move | None:
        """The move from `source` to `target` (by `action` when several actions make it)."""
        for move in self.moves:
            if (
                move.source == source
                and move.target == target
                and (action is None or move.action == action)
            ):
                return move
        return None

    def can(self, obj: models.Model, target: str) -> bool:
        return self.find(getattr(obj, self.field), target) is not None

    def sources(self, target: str, action: str | None = None) -> set[str]:
        return {
            move.source
            for move in self.moves
            if move.target == target
            and move.source != CREATED
            and (action is None or move.action == action)
        }

    def _refusal(self, obj: models.Model | None, source: str, target: str) -> TransitionNotAllowed:
        # The document's name is a msgid (marked with gettext_noop where it is declared):
        # the refusal reads in the user's language, the registry keeps the English key.
        document = gettext(self.document)
        if obj is None:
            text = gettext("%(document)s is %(source)s and cannot become %(target)s.")
        else:
            text = gettext("%(document)s %(name)s is %(source)s and cannot become %(target)s.")
        return TransitionNotAllowed(
            text
            % {
                "document": document,
                "name": _name(obj) if obj is not None else "",
                "source": self.label(source).lower(),
                "target": self.label(target).lower(),
            }
        )

    def check_created(self, status: str) -> None:
        """Raise unless `status` is one a document of this kind may be created in."""
        if status not in self.initial_states():
            raise self._refusal(None, CREATED, status)

    # --- making a move -----------------------------------------------------------------

    def move(
        self,
        obj: models.Model,
        *,
        to: str,
        actor: Actor,
        channel: str,
        action: str | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        update_fields: Iterable[str] = (),
        audit: bool = True,
    ) -> Move:
        """Move `obj` to `to`: check the table, save the status (and `update_fields`, and
        `updated_at` when the model has it), write the audit entry (`before`/`after` add
        the caller's detail to the status) and publish the move's event with `data`.

        `audit=False` is for a move whose audit entry the caller writes itself because
        one entry covers several documents (e.g. the PO's entry of an acknowledgment)."""
        source = getattr(obj, self.field)
        move = self.find(source, to, action)
        if move is None:
            raise self._refusal(obj, source, to)
        if move.event and data is None:
            raise ValueError(f"{self.document}: the move {source} → {to} publishes {move.event}")
        setattr(obj, self.field, to)
        fields = {self.field, *update_fields}
        if _has_field(obj, "updated_at"):
            fields.add("updated_at")
        obj.save(update_fields=sorted(fields))
        self.record(
            obj,
            move=move,
            source=source,
            actor=actor,
            channel=channel,
            before=before,
            after=after,
            data=data,
            audit=audit,
        )
        return move

    def record(
        self,
        obj: models.Model,
        *,
        move: Move,
        source: str,
        actor: Actor,
        channel: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        audit: bool = True,
    ) -> None:
        """What follows a saved move: its audit entry (unless the caller writes one that
        covers several documents) and its event."""
        if audit:
            audit_record(
                actor=actor,
                channel=channel,
                obj=obj,
                action=move.action,
                before={self.field: source, **(before or {})},
                after={self.field: move.target, **(after or {})},
            )
        if move.event:
            publish(
                event_type=move.event,
                aggregate_type=self.aggregate_type,
                aggregate_id=self.aggregate_id(obj),
                data=data or {},
                actor=actor,
                channel=channel,
            )

    def move_many(
        self,
        queryset: models.QuerySet[Any],
        *,
        to: str,
        action: str,
        actor: Actor,
        channel: str = Channel.SYSTEM,
        after: dict[str, Any] | None = None,
        data_for: Callable[[Any], dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> list[int]:
        """Move every row of `queryset` that may make `action` to `to`, set-based: one
        UPDATE (with `updated_at` and the `extra` columns), one bulk insert of audit
        entries, and one event per row when the move publishes one (`data_for(row)`).
        Rows in a status the table does not allow are left alone. Returns the moved ids."""
        sources = self.sources(to, action)
        if not sources:
            raise ValueError(f"{self.document}: no move to {to} by {action}")
        moves = {source: self.find(source, to, action) for source in sources}
        events = {move.event for move in moves.values() if move is not None}
        if len(events) > 1:
            raise ValueError(f"{self.document}: {action} publishes different events by source")
        now = timezone.now()
        with transaction.atomic():
            rows = list(
                queryset.filter(**{f"{self.field}__in": sorted(sources)})
                .select_for_update()
                .order_by("pk")
            )
            if not rows:
                return []
            values = {self.field: to, **(extra or {})}
            if _has_field(rows[0], "updated_at"):
                values["updated_at"] = now
            self.model._default_manager.filter(pk__in=[row.pk for row in rows]).update(**values)
            if self.changed is not None:
                self.changed(rows)
            label = self.model._meta.label_lower
            user = actor_user(actor)
            AuditEntry.objects.bulk_create(
                AuditEntry(
                    occurred_at=now,
                    actor=user,
                    actor_label=str(actor) if actor is not None else "system",
                    channel=Channel(channel),
                    object_type=label,
                    object_id=str(row.pk),
                    object_repr=str(row)[:200],
                    action=action,
                    before={self.field: getattr(row, self.field)},
                    after=_jsonable({self.field: to, **(after or {})}),
                )
                for row in rows
            )
            event_type = next(iter(events))
            if event_type:
                for row in rows:
                    setattr(row, self.field, to)
                    publish(
                        event_type=event_type,
                        aggregate_type=self.aggregate_type,
                        aggregate_id=self.aggregate_id(row),
                        data=data_for(row) if data_for else {},
                        actor=actor,
                        channel=channel,
                    )
        return [row.pk for row in rows]


def _name(obj: models.Model) -> str:
    """The document's own name (its number) for a message; an unsaved row may not have
    the related rows its __str__ reads, and a refusal must not fail on that."""
    try:
        return str(obj)
    except ObjectDoesNotExist:
        return f"#{obj.pk}"


def _has_field(obj: models.Model, name: str) -> bool:
    return any(f.name == name for f in obj._meta.concrete_fields)


def lifecycle_markdown() -> str:
    """Every declared lifecycle as Markdown tables, for docs/architecture.md."""
    parts = []
    for name in sorted(LIFECYCLES):
        lifecycle = LIFECYCLES[name]
        parts.append(f"### {name}\n")
        parts.append(
            f"`{lifecycle.model._meta.label}.{lifecycle.field}`; states: "
            + ", ".join(f"`{state}`" for state in lifecycle.states)
            + "\n"
        )
        parts.append("| from | to | action | who may | event |")
        parts.append("|---|---|---|---|---|")
        for move in lifecycle.moves:
            event = f"`{move.event}`" if move.event else (f"— ({move.note})" if move.note else "—")
            parts.append(
                f"| {lifecycle.label(move.source)} | {lifecycle.label(move.target)} "
                f"| `{move.action}` | {move.who} | {event} |"
            )
        parts.append("")
    return "\n".join(parts)
