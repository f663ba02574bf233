"""The company profile: edited freely during onboarding (the review covers it); once the
supplier is active an edit waits in a ProfileChange until an admin approves it (then
`supplier.profile_changed` is published). Bank secrets (BANK_SECRET_FIELDS) are encrypted
at rest and appear masked in pending changes, audit entries and events.
"""

import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record, publish
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from portal.access import Actor, actor_user
from suppliers.models import ProfileChange, Supplier, SupplierProfile
from suppliers.models.onboarding import BANK_SECRET_FIELDS, PROFILE_FIELDS, mask_account_number
from suppliers.services.onboarding import (
    EDITABLE_STATUSES,
    lock_supplier,
    notify_after_commit,
    require_editable,
    supplier_admin_emails,
)

_Status = ProfileChange.Status

PROFILE_CHANGE = Lifecycle(
    document="profile change",
    model=ProfileChange,
    aggregate_type="supplier",
    aggregate_id=lambda change: change.supplier.code,
    moves=[
        Move(
            CREATED,
            _Status.PENDING,
            "requested",
            "supplier admin (editing an active supplier's profile)",
            note="no event: nothing changes until an admin approves",
        ),
        Move(
            _Status.PENDING,
            _Status.APPROVED,
            "approved",
            "portal admin",
            # The event belongs to the supplier (its aggregate) and is published only
            # when the approved values differ from the profile on file.
            note="none on the change: the supplier publishes supplier.profile_changed "
            "when the approval changes its profile",
        ),
        Move(
            _Status.PENDING,
            _Status.REJECTED,
            "rejected",
            "portal admin",
            note="no event: the profile stays as it was",
        ),
    ],
)


def _clean_profile_data(data: dict[str, Any], current: SupplierProfile) -> dict[str, str]:
    cleaned = {}
    for name in PROFILE_FIELDS:
        value = str(data.get(name, getattr(current, name)) or "").strip()
        if name == "country":
            value = value.upper()
            if value and (len(value) != 2 or not value.isalpha()):
                raise DomainError(
                    gettext("Enter the two-letter ISO country code, e.g. US."), field=name
                )
        # A blank account number on the form means "keep the one on file": it is never
        # sent back to the browser, so the field is always empty when the page loads.
        if name in BANK_SECRET_FIELDS and not value:
            value = getattr(current, name)
        if name == "bank_account_number" and value and not value.replace(" ", "").isalnum():
            raise DomainError(
                gettext("The account number may hold only letters and digits."), field=name
            )
        cleaned[name] = value.replace(" ", "") if name in BANK_SECRET_FIELDS else value
    return cleaned


@transaction.atomic
def supplier_profile_save(
    *, actor: Actor, supplier: Supplier, data: dict[str, Any], channel: str = Channel.PORTAL
) -> ProfileChange | None:
    """Save the company profile. During onboarding it takes effect at once (the review
    covers it); for an active supplier it becomes a pending ProfileChange, returned."""
    supplier = lock_supplier(supplier)
    require_editable(supplier)
    profile, _ = SupplierProfile.objects.get_or_create(supplier=supplier)
    cleaned = _clean_profile_data(data, profile)
    diff = {name: value for name, value in cleaned.items() if value != getattr(profile, name)}
    if supplier.status in EDITABLE_STATUSES:
        before = profile.masked_values()
        for name, value in cleaned.items():
            setattr(profile, name, value)
        profile.save()
        audit_record(
            actor=actor,
            channel=channel,
            obj=profile,
            action="updated",
            before={k: v for k, v in before.items() if k in diff},
            after={k: v for k, v in profile.masked_values().items() if k in diff},
        )
        return None
    if not diff:
        raise DomainError(
            gettext("Nothing changed: edit a field before sending the change for approval.")
        )
    # One pending change per supplier: a second edit replaces the first before review
    # (its content changes, its status stays pending).
    change = ProfileChange.objects.filter(supplier=supplier, status=_Status.PENDING).first()
    if change is None:
        PROFILE_CHANGE.check_created(_Status.PENDING)
        change = ProfileChange(supplier=supplier, status=_Status.PENDING)
    # Bank secrets wait masked in `changes` (what pages and the audit trail show) and in
    # clear only inside the encrypted `sealed_changes`, until approval applies them.
    secrets = {name: value for name, value in diff.items() if name in BANK_SECRET_FIELDS}
    change.changes = {
        name: mask_account_number(value) if name in BANK_SECRET_FIELDS else value
        for name, value in diff.items()
    }
    change.sealed_changes = json.dumps(secrets) if secrets else ""
    change.requested_by = actor_user(actor)
    change.requested_at = timezone.now()
    change.save()
    audit_record(
        actor=actor,
        channel=channel,
        obj=change,
        action="requested",
        after=change.masked_changes(),
    )
    return change


def _profile_changed_event_data(
    supplier: Supplier,
    change: ProfileChange,
    *,
    actor: Actor,
    before: dict[str, str],
    after: dict[str, str],
    changed: list[str],
) -> dict[str, Any]:
    """`before`/`after` are the profile's masked values: a bank secret is published only
    masked, flagged as changed because two masks (last four digits) can look alike."""
    changes: dict[str, dict[str, Any]] = {}
    for name in changed:
        changes[name] = {"before": before[name], "after": after[name]}
        if name in BANK_SECRET_FIELDS:
            changes[name] |= {"masked": True, "changed": True}
    return {
        "code": supplier.code,
        "name": supplier.name,
        "profile_change_id": change.pk,
        "decided_by": str(actor) if actor is not None else "system",
        "changes": changes,
    }


@transaction.atomic
def profile_change_decide(
    *,
    actor: Actor,
    change: ProfileChange,
    approve: bool,
    comment: str = "",
    channel: str = Channel.PORTAL,
) -> ProfileChange:
    """Apply (approve) or discard (reject) a pending change of an active supplier's profile.
    An approval publishes `supplier.profile_changed` with the fields that changed."""
    change = ProfileChange.objects.select_for_update().select_related("supplier").get(pk=change.pk)
    if change.status != _Status.PENDING:
        raise DomainError(
            gettext("This change was already %(status)s.")
            % {"status": change.get_status_display().lower()}
        )
    if not approve and not comment.strip():
        raise DomainError(gettext("Say why the change is rejected."), field="comment")
    supplier = lock_supplier(change.supplier)
    values = change.proposed_values()
    change.decided_by = actor_user(actor)
    change.decided_at = timezone.now()
    change.decision_comment = comment.strip()
    # A decided change no longer needs the new bank details: do not keep a second copy.
    change.sealed_changes = ""
    PROFILE_CHANGE.move(
        change,
        to=_Status.APPROVED if approve else _Status.REJECTED,
        actor=actor,
        channel=channel,
        after={"comment": change.decision_comment},
        update_fields=["decided_by", "decided_at", "decision_comment", "sealed_changes"],
    )
    if approve:
        profile, _ = SupplierProfile.objects.get_or_create(supplier=supplier)
        before = profile.masked_values()
        changed = [name for name, value in values.items() if getattr(profile, name) != value]
        for name, value in values.items():
            setattr(profile, name, value)
        profile.save()
        after = profile.masked_values()
        audit_record(
            actor=actor,
            channel=channel,
            obj=profile,
            action="updated",
            before={k: v for k, v in before.items() if k in values},
            after={k: v for k, v in after.items() if k in values},
        )
        # Nothing to announce if the profile already held every proposed value.
        if changed:
            publish(
                event_type="supplier.profile_changed",
                aggregate_type="supplier",
                aggregate_id=supplier.code,
                data=_profile_changed_event_data(
                    supplier, change, actor=actor, before=before, after=after, changed=changed
                ),
                actor=actor,
                channel=channel,
            )
    notify_after_commit(
        supplier_admin_emails(supplier),
        f"Your profile change was {change.get_status_display().lower()}",
        change.decision_comment or "The new details are now on file.",
    )
    return change
