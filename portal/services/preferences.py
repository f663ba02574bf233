"""A user's own preferences: the language and the time zone of their pages and e-mails
(portal.middleware.UserLanguageMiddleware reads them from the user row). Blank means the
default: the browser's language, the portal's time zone."""

import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from integrations.errors import DomainError
from portal.models import User


@lru_cache(maxsize=1)
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name the tz database knows, sorted (about 600)."""
    return tuple(sorted(zoneinfo.available_timezones()))


@transaction.atomic
def user_preferences_update(*, actor: User, language: str, time_zone: str) -> User:
    """Save the actor's own language and time zone (blank: the default); a language the
    portal is not translated into, or a zone the tz database lacks, is refused."""
    if language and language not in dict(settings.LANGUAGES):
        raise DomainError(
            gettext("%(language)s is not a language of the portal.") % {"language": language},
            field="language",
        )
    if time_zone and time_zone not in time_zone_names():
        raise DomainError(
            gettext("%(zone)s is not a time zone.") % {"zone": time_zone}, field="time_zone"
        )
    actor.language = language
    actor.time_zone = time_zone
    # A save, not update(): its signal replaces the kept signed-in row (portal.auth_cache).
    actor.save(update_fields=["language", "time_zone"])
    return actor
