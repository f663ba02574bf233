import datetime

import pytest
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from integrations.api.auth import scope_required
from integrations.api.views import ApiView
from tests.api.conftest import issue_key

pytestmark = pytest.mark.django_db


class RetiringView(ApiView):
    permission_classes = [scope_required("read")]
    deprecated_on = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    sunset_on = datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC)

    def get(self, request):
        return Response({"ok": True})


def test_a_deprecated_endpoint_announces_its_deprecation_and_sunset(supplier):
    token = issue_key(supplier=supplier).plaintext
    request = APIRequestFactory().get("/api/v1/old", HTTP_AUTHORIZATION=f"Bearer {token}")

    response = RetiringView.as_view()(request)

    assert response.status_code == 200
    assert response["Deprecation"] == "@1767225600"
    assert response["Sunset"] == "Wed, 01 Jul 2026 00:00:00 GMT"


def test_a_current_endpoint_has_no_deprecation_headers(api):
    response = api.get("/api/v1/purchase-orders")

    assert not response.has_header("Deprecation")
    assert not response.has_header("Sunset")
