"""Request hygiene shared by every page and the API."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


class RejectNulCharactersMiddleware:
    """A NUL character in the path or query string can never name anything here, and
    PostgreSQL refuses it in any text comparison (a 500 deep inside a lookup). Refuse it
    at the door with a 400 that says so. The API answers these itself, as problem JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return self.get_response(request)
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return HttpResponseBadRequest(
                "The address contains a NUL character (%00). Remove it and try again.",
                content_type="text/plain",
            )
        return self.get_response(request)
