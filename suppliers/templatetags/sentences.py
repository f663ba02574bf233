"""A label inside a sentence, written the way the active language writes it there
(`suppliers.views.page_formats.in_sentence`, which the pages built in Python use too)."""

from django import template

from suppliers.views.page_formats import in_sentence

register = template.Library()
register.filter("in_sentence", in_sentence)
