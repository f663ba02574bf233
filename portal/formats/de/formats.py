"""German: ISO 8601 first among the input formats (see the package); everything else is
Django's German locale, which get_format() reads after this module."""

from django.conf.locale.de import formats as django_de  # type: ignore[import-untyped]

DATE_INPUT_FORMATS = ["%Y-%m-%d", *django_de.DATE_INPUT_FORMATS]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    *django_de.DATETIME_INPUT_FORMATS,
]
