"""Notification e-mails: one per notification sent at once, one digest per user a day.

Both have a plain-text and an HTML part rendered from `templates/portal/email/`, with
absolute links (`PORTAL_SITE_URL`) to the documents. A notification is marked e-mailed as
its message goes out, so a run that fails half-way (mail server down) leaves the rest for
the next run, and a run that finds nothing to send is a no-op.
"""

import datetime
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from portal.models import Notification, User

Delivery = Notification.Delivery


def _link(notification: Notification) -> str:
    return f"{settings.PORTAL_SITE_URL}{notification.url}"


def _message(
    *, to: User, subject: str, template: str, context: dict[str, Any]
) -> EmailMultiAlternatives:
    """The e-mail in the recipient's language and time zone (their profile; the portal's
    default when they chose none)."""
    with (
        translation.override(to.language or settings.LANGUAGE_CODE),
        timezone.override(to.time_zone or None),
    ):
        return _rendered(to=to.email, subject=subject, template=template, context=context)


def _rendered(
    *, to: str, subject: str, template: str, context: dict[str, Any]
) -> EmailMultiAlternatives:
    context = {
        **context,
        "site_url": settings.PORTAL_SITE_URL,
        "notifications_url": f"{settings.PORTAL_SITE_URL}/notifications/",
        "preferences_url": f"{settings.PORTAL_SITE_URL}/notifications/preferences/",
    }
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"{template}.txt", context), to=[to]
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


def send_immediate(limit: int = 500) -> int:
    """E-mail every notification due at once and not sent yet; returns how many went."""
    pending = list(
        Notification.objects.filter(delivery=Delivery.IMMEDIATE, emailed_at__isnull=True)
        .select_related("user")
        .order_by("created_at", "id")[:limit]
    )
    sent = 0
    with get_connection() as connection:
        for notification in pending:
            # Claimed first: two runs at once never send the same notification twice.
            claimed = Notification.objects.filter(
                pk=notification.pk, emailed_at__isnull=True
            ).update(emailed_at=timezone.now())
            if not claimed or not notification.user.is_active:
                continue
            message = _message(
                to=notification.user,
                subject=notification.title,
                template="portal/email/notification",
                context={"notification": notification, "link": _link(notification)},
            )
            message.connection = connection
            try:
                message.send()
            except Exception:
                Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
                raise
            sent += 1
    return sent


def send_digests(now: datetime.datetime | None = None) -> int:
    """One e-mail per user with every digest notification not sent yet, grouped by kind;
    returns how many e-mails went."""
    now = now or timezone.now()
    pending = (
        Notification.objects.filter(
            delivery=Delivery.DIGEST, emailed_at__isnull=True, created_at__lte=now
        )
        .select_related("user")
        .order_by("user_id", "kind", "created_at", "id")
    )
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for notification in pending:
        by_user[notification.user_id].append(notification)
    sent = 0
    with get_connection() as connection:
        for notifications in by_user.values():
            user = notifications[0].user
            ids = [n.pk for n in notifications]
            claimed = Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(
                emailed_at=now
            )
            if not claimed or not user.is_active:
                continue
            groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
            with translation.override(user.language or settings.LANGUAGE_CODE):
                for n in notifications:
                    groups[n.get_kind_display()].append({"notification": n, "link": _link(n)})
                count = len(notifications)
                subject = ngettext(
                    "Your daily portal digest: %(count)d notification",
                    "Your daily portal digest: %(count)d notifications",
                    count,
                ) % {"count": count}
            message = _message(
                to=user,
                subject=subject,
                template="portal/email/digest",
                context={"user": user, "groups": dict(groups), "count": count},
            )
            message.connection = connection
            try:
                message.send()
            except Exception:
                Notification.objects.filter(pk__in=ids).update(emailed_at=None)
                raise
            sent += 1
    return sent
