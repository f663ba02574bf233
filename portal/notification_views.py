"""The notification pages: the list (`/notifications/`, opening one marks it read, "Mark
all read" is an htmx POST), the e-mail preferences, and the unread badge of the header."""

from functools import cached_property
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import notifications
from portal.models import Notification, User


class _Badge:
    """The header's unread count, read (one query) only when a page shows it."""

    def __init__(self, user: User) -> None:
        self.user = user

    @cached_property
    def count(self) -> int:
        return notifications.unread_count(self.user)


def notification_badge(request: HttpRequest) -> dict[str, Any]:
    """Context processor: `notification_badge.count` for the signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notification_badge": _Badge(user)}


def _list_context(request: HttpRequest) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    page = Paginator(notifications.for_user(user), 50).get_page(request.GET.get("page"))
    unread = notifications.unread_count(user)
    return {"page": page, "rows": page.object_list, "unread": unread}


@require_GET
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/notifications.html", _list_context(request))


@require_GET
@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to its document."""
    notification = notifications.mark_read(request.user, pk)  # type: ignore[arg-type]
    if notification is None:
        raise Http404("No such notification.")
    url = notification.url
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        url = "/notifications/"
    return HttpResponseRedirect(url)


@require_POST
@login_required
def notification_mark_all_read(request: HttpRequest) -> HttpResponse:
    notifications.mark_all_read(request.user)  # type: ignore[arg-type]
    if getattr(request, "htmx", False):
        context = {**_list_context(request), "notification_badge": {"count": 0}, "oob": True}
        return render(request, "portal/notifications.html#notification-list", context)
    return redirect("notifications")


@require_http_methods(["GET", "POST"])
@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    kinds = notifications.kinds_for(user)
    saved = False
    if request.method == "POST":
        notifications.set_preferences(user, {kind: request.POST.get(kind, "") for kind in kinds})
        saved = True
    current = notifications.preferences(user)
    rows = [
        {
            "kind": kind,
            "label": label,
            "delivery": current[kind],
            "by_service": kind in notifications.MAILED_BY_SERVICE,
        }
        for kind, label in notifications.kind_labels(kinds)
    ]
    return render(
        request,
        "portal/notifications_preferences.html",
        {"rows": rows, "deliveries": Notification.Delivery.choices, "saved": saved},
    )
