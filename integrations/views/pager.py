"""The pager of the list pages made in Python (issue 24): the previous and next links and
the "Page n of m" text of a Django `Page`, one place for the exceptions inbox, the inbound
schedule, both PO lists and the review queue. Each page keeps its own markup around them
(indentation, arrows), which its byte-for-byte tests pin."""

from collections.abc import Callable
from typing import Any

from django.core.paginator import Page
from django.utils.formats import localize


def pager_links(
    page: Page[Any],
    *,
    href: str,
    previous: str,
    following: str,
    number: Callable[[int], Any] = str,
) -> tuple[str, str]:
    """(the link to the previous page, the link to the next), "" where there is none.
    `href` is the escaped link up to the page number, `previous`/`following` the escaped
    link texts, `number` how a page number prints in the link."""
    before = (
        f'<a href="{href}{number(page.previous_page_number())}">{previous}</a>'
        if page.has_previous()
        else ""
    )
    after = (
        f'<a href="{href}{number(page.next_page_number())}">{following}</a>'
        if page.has_next()
        else ""
    )
    return before, after


def page_position(page: Page[Any], message: str, *, pages_key: str = "num_pages") -> str:
    """`message` ("Page %(number)s of %(num_pages)s", translated) with the page's number
    and the number of pages in the locale's format (digits and separators: nothing to
    escape)."""
    return message % {
        "number": localize(page.number),
        pages_key: localize(page.paginator.num_pages),
    }
