"""`{% document_deliveries "purchase_order" po.number as deliveries %}` for the document
timeline partial (templates/integrations/partials/_deliveries.html)."""

from typing import Any

from django import template
from django.template import Context

from integrations.selectors.deliveries import deliveries_for_aggregate
from portal.access import INTERNAL_ROLES, Role, has_role

register = template.Library()


@register.simple_tag(takes_context=True)
def document_deliveries(
    context: Context, aggregate_type: str, aggregate_id: str | int
) -> dict[str, Any]:
    """The document's deliveries, and whether the viewer sees the full (internal) or the
    simplified (supplier) version."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "deliveries": deliveries_for_aggregate(aggregate_type, str(aggregate_id)),
        "internal": user is not None and has_role(user, *INTERNAL_ROLES),
        "operator": user is not None
        and has_role(user, Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN),
    }
