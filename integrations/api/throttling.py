"""Throttles per API key and per tenant (a supplier, or all internal systems together),
counted in the default cache: Redis in production, so every web worker shares the count.
Rates come from settings at request time (API_THROTTLE_KEY_RATE, API_THROTTLE_TENANT_RATE).

With Redis unreachable the throttles fail open: the cache (portal.cache.FailOpenRedisCache)
answers every count as a miss, logs the outage once and counts it, so the API keeps
serving unthrottled rather than answering 500 (issue 18)."""

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from integrations.models import ApiKey

if TYPE_CHECKING:
    # Only for annotations: DRF's views module imports the authentication and throttle
    # classes named in settings, i.e. this module.
    from rest_framework.views import APIView


class _SettingsRateThrottle(SimpleRateThrottle):
    setting_name = ""

    def __init__(self) -> None:
        # Read the rate per request (not at import) so deployments and tests can set it.
        self.rate = getattr(settings, self.setting_name)
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_rate(self) -> str:
        return str(getattr(settings, self.setting_name))


class ApiKeyRateThrottle(_SettingsRateThrottle):
    scope = "api_key"
    setting_name = "API_THROTTLE_KEY_RATE"

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        if not isinstance(request.auth, ApiKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class TenantRateThrottle(_SettingsRateThrottle):
    scope = "api_tenant"
    setting_name = "API_THROTTLE_TENANT_RATE"

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        if not isinstance(request.auth, ApiKey):
            return None
        tenant = "internal" if request.auth.is_internal else f"supplier-{request.auth.supplier_id}"
        return self.cache_format % {"scope": self.scope, "ident": tenant}
