"""Model fields encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256, from
`cryptography`).

The column holds a Fernet token and the model attribute the clear value, so code keeps
reading and writing `profile.bank_account_number`. Keys come from the setting
PORTAL_FIELD_ENCRYPTION_KEYS (see portal/settings/base.py): the first key encrypts, every
key decrypts (MultiFernet), so a key is rotated by putting the new one first and keeping
the old one after it until every value has been saved again.

An empty value stays empty in the column: that nothing is on file is not a secret, and it
keeps `""` meaning "no value" for the code that checks completeness.
"""

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

KEYS_SETTING = "PORTAL_FIELD_ENCRYPTION_KEYS"


class FieldDecryptionError(ImproperlyConfigured):
    """A stored value that none of the configured keys opens: the key it was encrypted with
    is missing from the setting (or the column was written by something else)."""


@functools.lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(
            f"{KEYS_SETTING} is empty: list at least one Fernet key to encrypt fields with."
        )
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        # The message must not echo the key: it is a secret.
        raise ImproperlyConfigured(
            f"{KEYS_SETTING} holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from None


def _keys() -> MultiFernet:
    # Keyed by the current setting, so a test's override_settings takes effect at once.
    return _multi_fernet(tuple(getattr(settings, KEYS_SETTING, None) or ()))


def encrypt_text(value: str) -> str:
    """A Fernet token of `value` under the first configured key."""
    return _keys().encrypt(value.encode()).decode("ascii")


def decrypt_text(token: str, *, what: str = "an encrypted value") -> str:
    """The clear value of a token written by `encrypt_text` under any configured key."""
    try:
        return _keys().decrypt(token.encode()).decode()
    except InvalidToken:
        raise FieldDecryptionError(
            f"Cannot decrypt {what}: no key in {KEYS_SETTING} opens it. The key it was "
            f"encrypted with is missing; when rotating keys, keep the old key after the new one."
        ) from None


def rotate_token(token: str, *, what: str = "an encrypted value") -> str:
    """The same value re-encrypted under the first configured key (after a key was put in
    front of the list), keeping the token's timestamp."""
    try:
        return _keys().rotate(token.encode()).decode("ascii")
    except InvalidToken:
        raise FieldDecryptionError(
            f"Cannot re-encrypt {what}: no key in {KEYS_SETTING} opens it. Put the key it "
            "was encrypted with back in the list (after the new one) and run this again."
        ) from None


class EncryptedFieldMixin(models.Field):
    """Encrypts on the way to the database and decrypts on the way back (mixed in before
    a concrete field class, e.g. `models.CharField`)."""

    def get_internal_type(self) -> str:
        # A token is far longer than the clear value (a 34-character account number makes
        # ~140), so the column is text; `max_length`, if any, still limits the clear value
        # in forms and model validation.
        return "TextField"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt_text(value, what=f"{self.model._meta.label}.{self.name}")

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt_text(value)

    def get_lookup(self, lookup_name: str):
        # Every save makes a different token, so a comparison in SQL could only ever
        # silently match nothing: refuse it (FieldError "Unsupported lookup") instead.
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None

    def get_transform(self, lookup_name: str):
        return None


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    """A CharField encrypted at rest; `max_length` is the clear value's, the column is text."""

    description = "String (encrypted at rest)"


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    """A TextField encrypted at rest."""

    description = "Text (encrypted at rest)"
