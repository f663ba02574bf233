"""A label inside a sentence, written the way the active language writes it there."""

from django import template
from django.utils.translation import get_language

register = template.Library()

# Languages whose nouns keep their capital letter inside a sentence: lowercasing a label
# there ("Bestätigung überfällig") would misspell it.
NOUNS_CAPITALISED = ("de",)


@register.filter
def in_sentence(label: object) -> str:
    """`Accepted by buyer` → `accepted by buyer` in English; unchanged in German."""
    text = str(label)
    if (get_language() or "").split("-")[0] in NOUNS_CAPITALISED:
        return text
    return text.lower()
