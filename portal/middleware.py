"""Request hygiene shared by every page and the API."""

import uuid
import zoneinfo
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers

from integrations.correlation import acceptable_correlation_id, bound_correlation_id

REQUEST_ID_HEADER = "X-Request-ID"


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


class CorrelationIdMiddleware:
    """Every request carries a correlation id: the client's `X-Request-ID` when it is a
    sane token, else a new one. Events and audit entries written while serving the request
    carry it, and the response returns it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = acceptable_correlation_id(request.headers.get(REQUEST_ID_HEADER, ""))
        with bound_correlation_id(given or uuid.uuid4().hex) as correlation_id:
            # Read by views and templates that show the id (a plain attribute on the request).
            request.correlation_id = correlation_id  # type: ignore[attr-defined]
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = correlation_id
        return response


def _policy(directives: dict[str, list[str]]) -> str:
    return "; ".join(f"{name} {' '.join(sources)}".strip() for name, sources in directives.items())


class SecurityHeadersMiddleware:
    """A Content-Security-Policy and a Permissions-Policy on every response, from
    PORTAL_CONTENT_SECURITY_POLICY and PORTAL_PERMISSIONS_POLICY. Scripts come only from
    our own static files (no inline script, no eval): templates ask for behaviour with
    data attributes that static/js/portal.js implements. A view that needs another policy
    sets the header itself and is left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.content_security_policy = _policy(settings.PORTAL_CONTENT_SECURITY_POLICY)
        self.permissions_policy = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PORTAL_PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.content_security_policy)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response


class FriendlyNotFoundMiddleware:
    """With DEBUG on (the demo), Django answers a view's Http404 — an unknown PO, another
    supplier's document — with its technical page listing settings and URL patterns. A
    person trying the demo should see the page production shows (404.html), so a view's
    Http404 renders it here too. Without DEBUG, `handler404` does the same and this does
    nothing. An address that matches no URL pattern still gets Django's technical page
    in DEBUG (it never reaches a view), which is what a developer wants there; the API
    answers its own 404s as problem JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG or not isinstance(exception, Http404):
            return None
        if request.path.startswith("/api/"):
            return None
        return render(request, "404.html", status=404)


@lru_cache(maxsize=64)
def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    # A zone removed from the tz database since the user chose it falls back to the
    # portal's zone rather than failing every page.
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class UserLanguageMiddleware:
    """Activates the language and time zone of the request: a signed-in user's profile
    choice (`User.language`, `User.time_zone`), else the browser's Accept-Language and the
    portal's TIME_ZONE. Both are columns of the user row that the authentication backend
    already loads in its one query, so this costs no query. The API keeps English and UTC:
    its messages and timestamps are for programs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return self.get_response(request)
        user = getattr(request, "user", None)
        language = zone = ""
        if user is not None and user.is_authenticated:
            language = getattr(user, "language", "")
            zone = getattr(user, "time_zone", "")
        chosen = language in self.languages
        if not chosen:
            language = translation.get_language_from_request(request)
        with translation.override(language), timezone.override(_zone(zone) if zone else None):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        if not chosen:
            # The page depended on the browser's language: caches must keep one per language.
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        return response
