"""Harness for browser journeys: real headless Chromium (Debian's package, never a
downloaded browser) driven by Playwright's sync API against pytest-django's live server.

Every test in this folder is marked `e2e`, so `pytest -m "not e2e"` runs the fast suite.
"""

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Error, Page, Response, expect, sync_playwright

from tests.e2e.helpers import axe_violations

E2E_DIR = Path(__file__).parent
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "var" / "e2e"
TIMEOUT_MS = 10_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items, so only mark the ones in this folder.
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    # The `page` fixture reads this at teardown to decide whether to take a screenshot.
    setattr(item, f"rep_{report.when}", report)
    return report


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None or not Path(executable).exists():
        message = (
            "Chromium not found (set CHROMIUM_PATH or put `chromium` on PATH; on Debian: "
            "`apt-get install chromium`). Playwright's own browser download is not used."
        )
        if os.environ.get("CI"):
            # CI must run the journeys; a silent skip there would hide a missing browser.
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    # Playwright's sync API keeps an asyncio loop running in the test thread; Django would
    # otherwise refuse ORM calls from it (SynchronousOnlyOperation) in fixtures and tests.
    # Set only once a browser starts, so a run without journeys keeps Django's guard.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies shared between tests) and one page in it."""
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    visited = _remember_pages_visited(page)
    yield page
    failed = any(
        getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    if failed:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / f"{request.node.name}.png"), full_page=True)
    else:
        violations = _axe_sweep(page, visited)
    context.close()
    if not failed:
        assert not violations, "axe-core violations on pages the journey visited:\n" + "\n".join(
            violations
        )


# Pages whose markup is a vendored third party's, not ours: Swagger UI (the API docs).
THIRD_PARTY_PAGES = ("/api/v1/docs/",)


def _remember_pages_visited(page: Page) -> dict[str, str]:
    """Every HTML page the journey loaded with a GET (not only the ones it checks with
    `assert_accessible`), one URL per page shape: /orders/12/ and /orders/31/ are one page."""
    visited: dict[str, str] = {}

    def remember(response: Response) -> None:
        if visited.get("sweeping"):
            return
        request = response.request
        if request.resource_type != "document" or request.method != "GET":
            return
        if response.status != 200 or request.frame != page.main_frame:
            return
        if "text/html" not in response.headers.get("content-type", ""):
            return
        path = urlsplit(response.url).path
        if path.startswith(THIRD_PARTY_PAGES):
            return
        shape = re.sub(r"\d+", "N", path)
        visited.setdefault(shape, response.url)

    page.on("response", remember)
    return visited


def _axe_sweep(page: Page, visited: dict[str, str]) -> list[str]:
    """axe-core on every page the journey passed through, opened again at the end in the
    same signed-in browser (the state the journey left), at the same viewport."""
    violations: list[str] = []
    urls = list(visited.values())
    visited["sweeping"] = "yes"  # the sweep's own loads are not new pages to sweep
    for url in urls:
        try:
            response = page.goto(url)
        except Error:
            continue  # the journey's end state made the page unreachable (e.g. signed out)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        violations.extend(axe_violations(page))
    return sorted(set(violations))
