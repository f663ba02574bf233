"""English: ISO 8601 first among the input formats (see the package); everything else is
Django's English locale, which get_format() reads after this module."""

from django.conf.locale.en import formats as django_en  # type: ignore[import-untyped]

DATE_INPUT_FORMATS = ["%Y-%m-%d", *(f for f in django_en.DATE_INPUT_FORMATS if f != "%Y-%m-%d")]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",
    *(f for f in django_en.DATETIME_INPUT_FORMATS if f != "%Y-%m-%dT%H:%M"),
]

# Shown dates: ISO 8601 in English (unambiguous for suppliers on both sides of the Atlantic,
# and what the portal has always shown); German shows Django's d.m.Y. Templates use these
# names, never a literal pattern, so a date follows the reader's language.
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
