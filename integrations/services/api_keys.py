"""Issuing, finding and revoking API keys.

A key reads `sp_<prefix>.<secret>`: the prefix (public, unique) finds the row, the
secret is checked against its SHA-256 in constant time. A SHA-256 of 256 random bits
needs no slow hash: it cannot be guessed, only leaked, and then it is revoked.
"""

import datetime
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import ApiKey, ApiScope
from integrations.models.api import INTERNAL_SCOPES, SUPPLIER_SCOPES
from integrations.services.events import audit_record
from portal.access import Actor, actor_user

KEY_PREFIX = "sp_"
_PREFIX = re.compile(r"[0-9a-f]{12}")
# last_used_at is written at most this often per key, so a busy integration does not
# turn every read into a write.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    plaintext: str  # shown once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_scopes(scopes: list[str], *, internal: bool) -> list[str]:
    allowed = INTERNAL_SCOPES if internal else SUPPLIER_SCOPES
    if not scopes:
        raise DomainError(gettext("Choose at least one scope."), field="scopes")
    unknown = [s for s in scopes if s not in {a.value for a in allowed}]
    if unknown:
        if internal:
            text = gettext("%(unknown)s cannot be granted to an internal key; use %(allowed)s.")
        else:
            text = gettext("%(unknown)s cannot be granted to a supplier key; use %(allowed)s.")
        raise DomainError(
            text % {"unknown": ", ".join(unknown), "allowed": ", ".join(a.value for a in allowed)},
            field="scopes",
        )
    return sorted(set(scopes), key=[s.value for s in ApiScope].index)


@transaction.atomic
def api_key_create(
    *,
    actor: Actor,
    name: str,
    scopes: list[str],
    supplier_id: int | None,
    expires_at: datetime.datetime | None = None,
    channel: str = "portal",
) -> IssuedKey:
    """Issue a key for one supplier (`supplier_id`) or an internal system (None). The
    returned plaintext is the only copy: show it once."""
    name = name.strip()
    if not name:
        raise DomainError(gettext("Name the key after the system that will use it."), field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError(
            gettext("The expiry date is in the past; choose a future date."), field="expires_at"
        )
    scopes = _check_scopes(list(scopes), internal=supplier_id is None)
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        name=name,
        prefix=prefix,
        secret_hash=_hash(secret),
        supplier_id=supplier_id,
        scopes=scopes,
        expires_at=expires_at,
        created_by=actor_user(actor),
    )
    audit_record(
        actor=actor,
        channel=channel,
        obj=api_key,
        action="created",
        after={
            "name": name,
            "scopes": scopes,
            "supplier_id": supplier_id,
            "expires_at": expires_at,
        },
    )
    return IssuedKey(api_key=api_key, plaintext=f"{KEY_PREFIX}{prefix}.{secret}")


@transaction.atomic
def api_key_revoke(*, actor: Actor, api_key: ApiKey, channel: str = "portal") -> ApiKey:
    """Revoke a key at once; revoking a revoked key changes nothing."""
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is not None:
        return api_key
    api_key.revoked_at = timezone.now()
    api_key.revoked_by = actor_user(actor)
    api_key.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(actor=actor, channel=channel, obj=api_key, action="revoked")
    return api_key


def api_key_for_token(token: str) -> ApiKey | None:
    """The usable key this token names, or None (unknown, wrong secret, revoked, expired);
    stamps its last use."""
    if not token.startswith(KEY_PREFIX) or "." not in token:
        return None
    prefix, _, secret = token[len(KEY_PREFIX) :].partition(".")
    if not _PREFIX.fullmatch(prefix):
        return None
    api_key = ApiKey.objects.filter(prefix=prefix).first()
    if api_key is None or not hmac.compare_digest(api_key.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if not api_key.is_usable(now):
        return None
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
