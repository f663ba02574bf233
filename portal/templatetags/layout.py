"""The layout's fixed parts (`templates/_base.html`), made once per process (issue 24).

Every page extends `_base.html`; its ~25 template nodes (four `{% static %}`, three
`{% url %}`, eight `{% translate %}`, the badge's `{% include %}`) cost ~0.6 ms a page,
a third of what a list page may cost in all. These tags print the same HTML, built once
per process per language (and home URL, badge count), so a page pays a few string
joins. They read only the template's context: a page rendered without a request (the
500 page) gets the same parts, as the template's nodes would have made them.
"""

from functools import lru_cache
from html import escape
from typing import Any

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, pgettext

register = template.Library()


def _urlconf() -> tuple[str, str]:
    return get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()


@lru_cache(maxsize=16)
def _head(language: str | None) -> tuple[SafeString, SafeString]:
    """(what comes before the title, what comes after it up to the CSRF token)."""
    start = (
        f'<!doctype html>\n<html lang="{escape(language or "")}">\n<head>\n'
        '  <meta charset="utf-8">\n'
        '  <meta name="viewport" content="width=device-width, initial-scale=1">\n  <title>'
    )
    # Looked up outside the f-strings: `makemessages` (xgettext) cannot read a call inside
    # one, and would drop the message from the catalog.
    portal_name = escape(gettext("Supplier Portal"))
    # The CSP forbids inline scripts and eval; htmx is told to rely on neither.
    end = (
        f" · {portal_name}</title>\n"
        f'  <link rel="stylesheet" href="{escape(static("css/portal.css"))}">\n'
        f'  <link rel="stylesheet" href="{escape(static("css/layout.css"))}">\n  \n'
        '  <meta name="htmx-config" content=\'{"includeIndicatorStyles": false, '
        '"allowEval": false, "allowScriptTags": false}\'>\n'
        f'  <script src="{escape(static("js/vendor/htmx.min.js"))}" defer></script>\n'
        f'  <script src="{escape(static("js/portal.js"))}" defer></script>\n'
        '</head>\n<body hx-headers=\'{"X-CSRFToken": "'
    )
    return mark_safe(start), mark_safe(end)


@register.simple_tag
def layout_start() -> SafeString:
    """`<!doctype html>` to `<title>`."""
    return _head(get_language())[0]


@register.simple_tag
def layout_head_end() -> SafeString:
    """After the title: the stylesheets and scripts, up to the CSRF token of `<body>`."""
    return _head(get_language())[1]


@lru_cache(maxsize=64)
def _header(language: str | None, home_url: str, urlconf: str, script_prefix: str) -> SafeString:
    home = home_url or reverse("home", urlconf=urlconf)
    skip = escape(gettext("Skip to main content"))
    portal_name = escape(gettext("Supplier Portal"))
    return mark_safe(
        "\"}'>\n"
        f'  <a class="skip-link" href="#main">{skip}</a>\n'
        '  <header class="topbar">\n'
        f'    <a class="brand" href="{escape(home)}">{portal_name}</a>\n    '
    )


@register.simple_tag(takes_context=True)
def layout_header(context: template.Context) -> SafeString:
    """From the end of `<body>` to the signed-in part of the top bar."""
    return _header(get_language(), str(context.get("home_url") or ""), *_urlconf())


@lru_cache(maxsize=64)
def _user_parts(
    language: str | None, logout_url: str, urlconf: str, script_prefix: str
) -> tuple[str, str, str, SafeString]:
    """(before the navigation, from it to the e-mail link, the logout form's start, its
    end) of the signed-in part."""
    logout = logout_url or reverse("account_logout", urlconf=urlconf)
    menu, main = escape(gettext("Menu")), escape(pgettext("navigation", "Main"))
    preferences = escape(gettext("Language and time zone"))
    log_out = escape(gettext("Log out"))
    # portal.js shows the toggle on small screens; without JavaScript the menu is open.
    before_nav = (
        "\n    \n"
        '    <button type="button" class="nav-toggle" aria-expanded="false" '
        f'aria-controls="main-nav" hidden>{menu}</button>\n'
        f'    <nav class="nav" id="main-nav" aria-label="{main}">\n'
        "      "
    )
    to_email = (
        "\n    </nav>\n"
        '    <div class="who">\n'
        '      <span class="who-name"><a href="'
        f'{escape(reverse("preferences", urlconf=urlconf))}" '
        f'title="{preferences}">'
    )
    form = f'\n      <form method="post" action="{escape(logout)}">'
    end = mark_safe(
        f'<button class="link" type="submit">{log_out}</button></form>\n    </div>\n    '
    )
    return before_nav, to_email, form, end


@lru_cache(maxsize=256)
def _badge(language: str | None, count: int | None, urlconf: str, script_prefix: str) -> str:
    # The header's badge template, rendered once per process per count and language.
    context: dict[str, Any] = {} if count is None else {"notification_badge": {"count": count}}
    return render_to_string("portal/notifications_badge.html", context)


@register.simple_tag(takes_context=True)
def layout_user(context: template.Context) -> SafeString:
    """The signed-in part of the top bar up to the logout form's CSRF token: the
    navigation (`nav_html`), the user's e-mail and supplier, the unread badge."""
    urlconf = _urlconf()
    before_nav, to_email, form, _end = _user_parts(
        get_language(), str(context.get("logout_url") or ""), *urlconf
    )
    user = context.get("user")
    membership = context.get("membership")
    supplier = f" · {escape(str(membership.supplier.name))}" if membership else ""
    badge = context.get("notification_badge")
    count = None if not badge else badge.count
    return mark_safe(
        f"{before_nav}{context.get('nav_html', '')}{to_email}"
        f"{escape(str(getattr(user, 'email', '')))}</a>{supplier}</span>\n"
        f"      {_badge(get_language(), count, *urlconf)}{form}"
    )


@register.simple_tag
def layout_user_end() -> SafeString:
    """After the logout form's CSRF token."""
    return _user_parts(get_language(), "", *_urlconf())[3]
