"""`{% tracking_link shipment %}`: an ASN's tracking number as a link to its carrier's
tracking page (listed carriers, `services/carriers.py`), or as plain text."""

from django import template
from django.utils.html import format_html

from suppliers.services.carriers import tracking_url

register = template.Library()


@register.simple_tag
def tracking_link(carrier: str, tracking_number: str) -> str:
    if not tracking_number:
        return "—"
    url = tracking_url(carrier, tracking_number)
    if url is None:
        return format_html("{}", tracking_number)
    return format_html(
        '<a href="{}" class="tracking-link" target="_blank" rel="noopener noreferrer">{}</a>',
        url,
        tracking_number,
    )
