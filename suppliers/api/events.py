"""The events feed, scoped: a supplier's key sees the events of its own purchase orders,
ASNs and items; an internal key sees every event."""

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response

from integrations.api import events as feed
from integrations.api.auth import scope_required
from integrations.api.views import ApiView
from integrations.models import ApiScope, Event
from suppliers.api.common import supplier_of
from suppliers.models import PurchaseOrder, Supplier

ReadScope = scope_required(ApiScope.READ)


def events_visible_to(supplier: Supplier | None) -> QuerySet[Event]:
    """Events of the supplier's documents: POs by number (unique); ASNs (receipts included),
    supplier items and invoices by their "<supplier code>:" aggregate ids; the supplier
    itself by code. Exceptions and other internal events are for internal keys only."""
    if supplier is None:
        return Event.objects.all()
    own_pos = PurchaseOrder.objects.filter(supplier=supplier).values("number")
    prefix = f"{supplier.code}:"
    return Event.objects.filter(
        Q(aggregate_type="purchase_order", aggregate_id__in=own_pos)
        | Q(aggregate_type__in=("asn", "supplier_item", "invoice"), aggregate_id__startswith=prefix)
        | Q(aggregate_type="supplier", aggregate_id=supplier.code)
    )


class EventFeed(ApiView):
    permission_classes = [ReadScope]

    @extend_schema(
        operation_id="events_list",
        summary="Canonical events after a cursor, oldest first",
        parameters=[feed.EventsQuerySerializer],
        responses={200: feed.EventsPageOutput},
        examples=[
            OpenApiExample(
                "One event",
                value={
                    "results": [
                        {
                            "id": "0b8f3c1e-6a59-4a53-8d4e-1f0b8a3f2f10",
                            "type": "purchase_order.acknowledged",
                            "version": 1,
                            "occurred_at": "2026-03-02T10:01:12Z",
                            "aggregate": {"type": "purchase_order", "id": "PO-100234"},
                            "sequence": 2,
                            "correlation_id": "5f2a9c0d1e",
                            "source": {"channel": "api", "actor": "API key 'erp' (a1b2c3d4e5f6)"},
                            "data": {"po_number": "PO-100234"},
                            "schema_url": (
                                "/api/v1/event-schemas/purchase_order.acknowledged.v1.json"
                            ),
                        }
                    ],
                    "next_cursor": "MjAyNi0wMy0wMlQxMDowMToxMiswMDowMHwwYjhm",
                },
                response_only=True,
            )
        ],
        tags=["events"],
    )
    def get(self, request):
        params = self.parse_query(feed.EventsQuerySerializer)
        supplier = None if request.auth.is_internal else supplier_of(request)
        visible = events_visible_to(supplier)
        if params.get("type"):
            visible = visible.filter(type=params["type"])
        events = feed.events_after(visible, after=params.get("after"), limit=params["limit"])
        return Response(feed.events_page(events, after=params.get("after")))
