"""The signed-in user's row is kept per process between requests (portal/auth_cache.py) and
every change to it takes effect on the next request: a membership deactivated, a role
changed, a group removed, a user deactivated, a password changed, a supplier suspended.
Users of another supplier keep their access; each request gets its own user instance."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import auth_cache
from portal.access import Role
from suppliers import services
from suppliers.models import Supplier, SupplierMembership
from suppliers.services.sscc_numbers import sscc_allocate
from tests.portal.redis_server import start_redis_server

pytestmark = pytest.mark.django_db

PO_LIST = "suppliers:po_list"


@pytest.fixture(autouse=True)
def _kept_rows_on(settings):
    # On by default only with Redis (REDIS_URL); the tests' cache is one process's.
    settings.AUTH_USER_CACHE_SECONDS = 60
    auth_cache.forget_all()
    yield
    auth_cache.forget_all()


@pytest.fixture
def redis_cache(settings):
    server = start_redis_server()
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.FailOpenRedisCache",
            "LOCATION": server.url,
            "RETRY_AFTER_SECONDS": 5,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    yield server
    if server.process.poll() is None:
        server.stop()


def _user_rows_read(client, url: str) -> tuple[int, int]:
    """(status, queries reading the user table) of one GET."""
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url).status_code
    return status, len([q for q in queries.captured_queries if 'FROM "portal_user" u' in q["sql"]])


def _signed_in(client, user, url: str = reverse(PO_LIST)) -> None:
    """Signed in, with the user's row read once and kept (the second request reads none)."""
    client.force_login(user)
    assert _user_rows_read(client, url) == (200, 1)
    assert _user_rows_read(client, url) == (200, 0)


def _as_admin(supplier_user):
    return SupplierMembership.objects.select_related("user").get(user=supplier_user)


def test_a_repeated_signed_in_request_reads_no_user_row(client, supplier_user):
    client.force_login(supplier_user)

    assert [_user_rows_read(client, reverse(PO_LIST)) for _ in range(3)] == [
        (200, 1),
        (200, 0),
        (200, 0),
    ]


def test_each_request_gets_its_own_user_membership_and_supplier(client, supplier_user):
    _signed_in(client, supplier_user)

    first = client.get(reverse(PO_LIST)).context["user"]
    first.full_name = "Changed by a view, never saved"
    second = client.get(reverse(PO_LIST)).context["user"]

    assert second is not first
    assert second.supplier_membership is not first.supplier_membership
    assert second.supplier_membership.supplier is not first.supplier_membership.supplier
    assert second.full_name == supplier_user.full_name


def test_a_deactivated_membership_takes_effect_on_the_next_request(
    client, supplier_user, teammate, outsider
):
    _signed_in(client, teammate)
    other = client.__class__()
    _signed_in(other, outsider)

    membership = teammate.supplier_membership
    membership.is_active = False
    membership.save(update_fields=["is_active"])

    assert client.get(reverse(PO_LIST)).status_code == 403
    assert other.get(reverse(PO_LIST)).status_code == 200


def test_a_deactivated_user_is_signed_out_on_the_next_request(
    client, supplier_user, teammate, outsider
):
    _signed_in(client, teammate)
    other = client.__class__()
    _signed_in(other, outsider)

    services.supplier_user_deactivate(actor=supplier_user, membership=_as_admin(teammate))

    response = client.get(reverse(PO_LIST))
    assert (response.status_code, response["Location"].startswith(reverse("account_login"))) == (
        302,
        True,
    )
    assert other.get(reverse(PO_LIST)).status_code == 200


def test_a_role_change_takes_effect_on_the_next_request(client, supplier_user, teammate):
    _signed_in(client, teammate)
    assert client.get(reverse("team:user_list")).status_code == 403

    services.supplier_user_set_role(
        actor=supplier_user, membership=_as_admin(teammate), role="supplier_admin"
    )

    assert client.get(reverse("team:user_list")).status_code == 200


def test_a_removed_group_takes_effect_on_the_next_request(client, buyer, outsider):
    _signed_in(client, buyer, reverse("buyer:po_list"))
    other = client.__class__()
    _signed_in(other, outsider)

    buyer.groups.remove(Group.objects.get(name=Role.BUYER.value))

    assert client.get(reverse("buyer:po_list")).status_code == 403
    assert other.get(reverse(PO_LIST)).status_code == 200


def test_a_suspended_supplier_loses_access_on_the_next_request(
    client, portal_admin, supplier_user, outsider
):
    Supplier.objects.filter(pk__in=[supplier_user.supplier_membership.supplier_id]).update(
        status=Supplier.Status.ACTIVE
    )
    auth_cache.changed()  # what the services do after an update() of these rows
    _signed_in(client, supplier_user)
    other = client.__class__()
    _signed_in(other, outsider)

    services.supplier_suspend(
        actor=portal_admin,
        supplier=supplier_user.supplier_membership.supplier,
        reason="Insurance lapsed.",
    )

    assert client.get(reverse(PO_LIST)).status_code == 403
    assert other.get(reverse(PO_LIST)).status_code == 200


def test_a_changed_password_signs_out_the_other_sessions_on_their_next_request(
    client, supplier_user
):
    _signed_in(client, supplier_user)

    supplier_user.set_password("a-new-long-passphrase-2026")
    supplier_user.save(update_fields=["password"])

    assert client.get(reverse(PO_LIST)).status_code == 302


def test_the_generation_is_replaced_again_when_the_change_commits(
    django_capture_on_commit_callbacks,
):
    # A request between the change and its commit reads the old row under the new token;
    # the token after the commit is another one, so that row is never used.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        auth_cache.changed()
        during = cache.get(auth_cache.GENERATION_KEY)

    after = cache.get(auth_cache.GENERATION_KEY)
    assert (len(callbacks), during is None, after is None, after == during) == (
        1,
        False,
        False,
        False,
    )


def test_a_lost_generation_reads_the_user_row_again(client, supplier_user):
    _signed_in(client, supplier_user)

    cache.delete(auth_cache.GENERATION_KEY)  # Redis restarted or evicted the key

    assert _user_rows_read(client, reverse(PO_LIST)) == (200, 1)
    assert _user_rows_read(client, reverse(PO_LIST)) == (200, 0)


def test_a_kept_row_is_read_again_after_auth_user_cache_seconds(
    settings, client, supplier_user, monkeypatch
):
    _signed_in(client, supplier_user)
    kept_at = auth_cache.time.monotonic()
    settings.AUTH_USER_CACHE_SECONDS = 60

    monkeypatch.setattr(auth_cache.time, "monotonic", lambda: kept_at + 61)

    assert _user_rows_read(client, reverse(PO_LIST)) == (200, 1)


def test_with_auth_user_cache_seconds_zero_every_request_reads_the_user_row(
    settings, client, supplier_user
):
    settings.AUTH_USER_CACHE_SECONDS = 0
    client.force_login(supplier_user)

    assert [_user_rows_read(client, reverse(PO_LIST)) for _ in range(2)] == [(200, 1), (200, 1)]


def test_numbering_sscc_serials_replaces_the_generation(supplier):
    # sscc_allocate saves the supplier's counter: its post_save replaces the generation.
    supplier.gs1_company_prefix = "0614141"
    supplier.save(update_fields=["gs1_company_prefix"])
    before = cache.get(auth_cache.GENERATION_KEY)

    assert sscc_allocate(supplier, 2) == ["006141410000000012", "006141410000000029"]
    assert cache.get(auth_cache.GENERATION_KEY) not in (None, before)


def test_saving_a_supplier_with_the_values_it_had_keeps_the_kept_rows(client, supplier_user):
    supplier = Supplier.objects.get(pk=supplier_user.supplier_membership.supplier_id)
    _signed_in(client, supplier_user)
    before = cache.get(auth_cache.GENERATION_KEY)

    supplier.save()
    supplier.save(update_fields=["name", "status"])
    # Another column changed on the instance but not written: the row is as it was.
    supplier.ack_sla_hours += 1
    supplier.save(update_fields=["over_ship_tolerance_pct"])
    # The same figure at another scale is the same value.
    Supplier.objects.get(pk=supplier.pk).save(update_fields=["over_ship_tolerance_pct"])
    supplier.over_ship_tolerance_pct = Decimal("0.000")
    supplier.save(update_fields=["over_ship_tolerance_pct"])

    assert cache.get(auth_cache.GENERATION_KEY) == before
    assert _user_rows_read(client, reverse(PO_LIST)) == (200, 0)


@pytest.mark.parametrize(
    ("column", "value"),
    [("name", "Acme Fasteners GmbH"), ("status", "suspended"), ("ack_sla_hours", 24)],
)
def test_a_supplier_save_that_changes_a_column_of_the_kept_row_replaces_it(
    client, supplier_user, column, value
):
    supplier = Supplier.objects.get(pk=supplier_user.supplier_membership.supplier_id)
    _signed_in(client, supplier_user)
    before = cache.get(auth_cache.GENERATION_KEY)

    setattr(supplier, column, value)
    supplier.save(update_fields=[column])

    assert cache.get(auth_cache.GENERATION_KEY) not in (None, before)
    status, rows_read = _user_rows_read(client, reverse(PO_LIST))
    assert rows_read == 1
    assert status == (403 if column == "status" else 200)


def test_a_new_supplier_replaces_the_generation():
    before = cache.get(auth_cache.GENERATION_KEY)

    Supplier.objects.create(code="NEW", name="New Supplier")

    assert cache.get(auth_cache.GENERATION_KEY) not in (None, before)


def test_with_redis_the_generation_comes_with_the_session_and_a_change_is_seen(
    redis_cache, client, teammate, outsider
):
    _signed_in(client, teammate)
    other = client.__class__()
    _signed_in(other, outsider)

    SupplierMembership.objects.get(user=teammate).delete()

    assert client.get(reverse(PO_LIST)).status_code == 403
    assert other.get(reverse(PO_LIST)).status_code == 200


def test_with_redis_stopped_every_request_reads_the_user_row(redis_cache, client, supplier_user):
    _signed_in(client, supplier_user)

    redis_cache.stop()

    assert [_user_rows_read(client, reverse(PO_LIST)) for _ in range(2)] == [(200, 1), (200, 1)]


def test_a_change_announced_by_another_process_is_seen_on_the_next_request(
    redis_cache, client, supplier_user
):
    _signed_in(client, supplier_user)

    # What another gunicorn worker's change leaves in Redis (this process kept its row).
    cache.set(auth_cache.GENERATION_KEY, "another-process-changed-a-row", None)

    assert _user_rows_read(client, reverse(PO_LIST)) == (200, 1)
    assert _user_rows_read(client, reverse(PO_LIST)) == (200, 0)


def test_a_generation_is_taken_once_and_only_while_fresh(monkeypatch):
    now = auth_cache.time.monotonic()
    monkeypatch.setattr(auth_cache.time, "monotonic", lambda: now)

    auth_cache._generation.set(("read-just-now", now))
    fresh = [auth_cache.take_generation(), auth_cache.take_generation()]
    auth_cache._generation.set(("read-long-ago", now - auth_cache.FRESH_SECONDS - 1))

    assert (fresh, auth_cache.take_generation()) == (["read-just-now", None], None)
