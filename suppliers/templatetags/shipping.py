"""Template tags for the shipping pages that other pages include (the PO detail page)."""

from django import template

from suppliers.models import AsnLine, Shipment

register = template.Library()


@register.simple_tag(takes_context=True)
def po_shipments(context) -> list[AsnLine]:
    """The ASN lines of the page's PO (`po`), oldest first, in one query. Buyers do not
    see a supplier's drafts; the supplier sees its own (the PO page is already scoped)."""
    purchase_order = context["po"]
    lines = AsnLine.objects.filter(po_line__purchase_order=purchase_order).select_related(
        "shipment", "uom", "po_line__uom"
    )
    if context.get("back_url_name") != "suppliers:po_list":
        lines = lines.exclude(shipment__status=Shipment.Status.DRAFT)
    return list(lines.order_by("po_line__line_no", "shipment__created_at", "line_no"))
