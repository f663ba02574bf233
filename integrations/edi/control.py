"""Our own control numbers (ISA13, GS06, ST02), allocated under a row lock."""

from django.db import IntegrityError, transaction

from integrations.models import EdiControlNumber

# ISA13 is 9 digits; GS06/ST02 allow 9 too. We wrap instead of failing after a billion.
_MAX = 999_999_999


@transaction.atomic
def control_number_next(*, scope: str) -> int:
    """The next number in `scope` (1, 2, …). Concurrent callers serialise on the row."""
    try:
        with transaction.atomic():
            EdiControlNumber.objects.get_or_create(scope=scope)
    except IntegrityError:
        pass  # created by a concurrent caller: the locked read below sees it
    row = EdiControlNumber.objects.select_for_update().get(scope=scope)
    row.last_value = row.last_value % _MAX + 1
    row.save(update_fields=["last_value"])
    return row.last_value
