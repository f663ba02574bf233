"""Numbers as the templates print them, with the locale's format looked up once per page.

`formats.localize` looks the format up (language, format module) for every number: on the
list pages built in Python (issue 24) that was a tenth of a page's CPU. These give the same
text: Django's `numberformat.format` without grouping is the number's plain text with the
locale's decimal separator; with `USE_THOUSAND_SEPARATOR`, or past 200 digits, they call
Django's own function.
"""

from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.utils import formats
from django.utils.translation import get_language


def _localized(value: Decimal | int) -> str:
    return str(formats.localize(value))


def _normalized(value: Decimal) -> str:
    return _localized(value.normalize())


def number_text() -> Callable[[Decimal], str]:
    """What `{{ value.normalize }}` prints, for one page (the current language)."""
    if settings.USE_THOUSAND_SEPARATOR:
        return _normalized
    separator = str(formats.get_format("DECIMAL_SEPARATOR"))

    def text(value: Decimal) -> str:
        value = value.normalize()
        _sign, digits, exponent = value.as_tuple()
        if not isinstance(exponent, int) or abs(exponent) + len(digits) > 200:
            return _localized(value)
        plain = f"{value:f}"
        return plain if separator == "." else plain.replace(".", separator)

    return text


def integer_text() -> Callable[[int], str]:
    """What `{{ value }}` prints for an integer, for one page."""
    if settings.USE_THOUSAND_SEPARATOR:
        return _localized
    return str


# Languages whose nouns keep their capital letter inside a sentence: lowercasing a label
# there ("Bestätigung überfällig") would misspell it.
NOUNS_CAPITALISED = ("de",)


def in_sentence(label: object) -> str:
    """`Accepted by buyer` → `accepted by buyer` in English; unchanged in German."""
    text = str(label)
    if (get_language() or "").split("-")[0] in NOUNS_CAPITALISED:
        return text
    return text.lower()
