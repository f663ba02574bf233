"""Public documentation endpoints: the OpenAPI document, Swagger UI (assets served from
our static files, no CDN) and the event JSON Schemas."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from integrations.contracts import EventContractError, known_contracts, load_schema


@require_GET
def event_schema_index(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {
            "schemas": [
                {
                    "type": event_type,
                    "version": version,
                    "url": f"/api/v1/event-schemas/{event_type}.v{version}.json",
                }
                for event_type, version in known_contracts()
            ]
        }
    )


@require_GET
def event_schema(request: HttpRequest, event_type: str, version: int) -> HttpResponse:
    try:
        schema = load_schema(event_type, version)
    except EventContractError:
        raise Http404("No such event contract.") from None
    return JsonResponse(schema, json_dumps_params={"indent": 2})
