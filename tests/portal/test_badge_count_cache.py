"""The header's unread badge is kept per user between pages (portal/unread_counts.py, on
integrations/versioned_counts.py) and
still equals the COUNT of the user's unread notifications after every kind of change:
a new notification, one opened, all marked read, one saved or deleted directly, and a
count taken by another process while a change was not committed yet. An outsider's
badge never moves with someone else's notifications."""

import re
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import notifications
from portal.models import Notification
from tests.portal.redis_server import start_redis_server

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


@pytest.fixture(autouse=True)
def _counts_kept(settings):
    # On by default only with Redis (REDIS_URL); the tests' cache is this process's.
    settings.NOTIFICATION_COUNT_CACHE_SECONDS = 300
    # Counts are shared through the cache too; SQLite gives a rolled-back test's user ids
    # to the next test's users.
    cache.clear()
    notifications.unread_counts.forget_all()
    yield
    notifications.unread_counts.forget_all()


def tell(user, title: str) -> None:
    notifications.notify([user], kind=Kind.PO_NEW, title=title, url="/orders/")


def unread_in_database(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def badge_and_counts(client) -> tuple[int, int]:
    """(the badge's number on a page, COUNT queries on portal_notification for it)."""
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("preferences")).content.decode()
    match = re.search(r'<a class="notifications-link"[^>]*>(.*?)</a>', page)
    assert match is not None
    number = re.search(r'<span class="badge">(\d+)</span>', match.group(1))
    counts = [
        q
        for q in queries.captured_queries
        if "COUNT(*)" in q["sql"] and "portal_notification" in q["sql"]
    ]
    return (int(number.group(1)) if number else 0), len(counts)


def test_a_second_page_shows_the_badge_without_counting_again(client, supplier_user):
    tell(supplier_user, "one")
    client.force_login(supplier_user)

    assert badge_and_counts(client) == (1, 1)
    assert badge_and_counts(client) == (1, 0)


def test_the_badge_equals_the_count_after_every_kind_of_change(client, supplier_user):
    client.force_login(supplier_user)
    assert badge_and_counts(client)[0] == 0 == unread_in_database(supplier_user)

    tell(supplier_user, "first")
    tell(supplier_user, "second")
    assert badge_and_counts(client)[0] == 2 == unread_in_database(supplier_user)

    first = Notification.objects.get(title="first")
    notifications.mark_read(supplier_user, first.pk)
    assert badge_and_counts(client)[0] == 1 == unread_in_database(supplier_user)

    # Opened from the list: the view marks it read.
    second = Notification.objects.get(title="second")
    client.get(reverse("notification_open", args=[second.pk]))
    assert badge_and_counts(client)[0] == 0 == unread_in_database(supplier_user)

    # Saved and deleted one at a time, outside the services (the admin, a script).
    Notification.objects.create(user=supplier_user, kind=Kind.PO_NEW, title="x", url="/")
    assert badge_and_counts(client)[0] == 1 == unread_in_database(supplier_user)
    first.read_at = None
    first.save()
    assert badge_and_counts(client)[0] == 2 == unread_in_database(supplier_user)
    first.delete()
    assert badge_and_counts(client)[0] == 1 == unread_in_database(supplier_user)

    tell(supplier_user, "third")
    assert badge_and_counts(client)[0] == 2 == unread_in_database(supplier_user)
    notifications.mark_all_read(supplier_user)
    assert badge_and_counts(client)[0] == 0 == unread_in_database(supplier_user)

    tell(supplier_user, "fourth")
    assert badge_and_counts(client)[0] == 1 == unread_in_database(supplier_user)
    client.post(reverse("notifications_read_all"))
    assert badge_and_counts(client)[0] == 0 == unread_in_database(supplier_user)


def test_an_outsiders_badge_does_not_move_with_another_users_notifications(
    client, supplier_user, outsider
):
    tell(outsider, "theirs")
    client.force_login(outsider)
    assert badge_and_counts(client) == (1, 1)

    tell(supplier_user, "not theirs")
    notifications.mark_all_read(supplier_user)

    assert badge_and_counts(client) == (1, 0)
    assert notifications.unread_count(supplier_user) == 0
    tell(outsider, "theirs too")
    assert badge_and_counts(client) == (2, 1)


def test_a_count_taken_before_the_commit_is_not_kept_after_it(
    supplier_user, django_capture_on_commit_callbacks
):
    tell(supplier_user, "before")
    assert notifications.unread_count(supplier_user) == 1
    counts = notifications.unread_counts
    with django_capture_on_commit_callbacks() as on_commit:
        tell(supplier_user, "uncommitted")
        # Another process, which cannot see the uncommitted row yet, counts 1 under the
        # version the writer set at once.
        scope = counts.scope(supplier_user.pk)
        token = cache.get(counts.counts.version_key(scope))
        counts.counts._kept[scope, "unread"] = (token, time.time(), 1)
        assert notifications.unread_count(supplier_user) == 1
    for callback in on_commit:
        callback()

    assert notifications.unread_count(supplier_user) == 2 == unread_in_database(supplier_user)


def test_without_a_shared_cache_every_page_counts(settings, client, supplier_user):
    settings.NOTIFICATION_COUNT_CACHE_SECONDS = None
    settings.REDIS_URL = ""
    tell(supplier_user, "one")
    client.force_login(supplier_user)

    assert badge_and_counts(client) == (1, 1)
    assert badge_and_counts(client) == (1, 1)


def test_with_redis_down_every_page_counts_and_stays_exact(settings, client, supplier_user):
    server = start_redis_server()
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.FailOpenRedisCache",
            "LOCATION": server.url,
            "RETRY_AFTER_SECONDS": 5,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # The session must outlive Redis: the database-backed engine only.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    try:
        tell(supplier_user, "one")
        client.force_login(supplier_user)
        assert badge_and_counts(client) == (1, 1)
        assert badge_and_counts(client) == (1, 0)

        server.stop()
        tell(supplier_user, "two")  # its new version is lost with Redis

        assert badge_and_counts(client) == (2, 1)
        assert badge_and_counts(client) == (2, 1)
    finally:
        if server.process.poll() is None:
            server.stop()
