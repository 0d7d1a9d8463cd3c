"""Browser tests: a real sandbox (uvicorn) for the session, Debian's Chromium driven by Playwright,
a fresh page per test, and screenshots under test-output/screenshots/.

Without Chromium or Playwright these tests fail when the CI variable is set (CI must run them)
and are skipped elsewhere; `make test` installs Chromium when it is missing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from sandbox.process import ServerProcess

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium's own outbound connections are refused here.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
TIMEOUT_MS = 15_000


def unavailable(message: str) -> NoReturn:
    """Fail in CI, skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"the browser tests cannot run in CI: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="package")
def live_url() -> Iterator[str]:
    """A `sandbox serve --freeze` process on a free port, with the default fixtures."""
    with ServerProcess.sandbox("--freeze") as server:
        yield server.url


# Package scope: Playwright's sync API keeps an event loop running in the main thread while it
# lives, which would stop later tests (outside this package) from running asyncio themselves.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, through Playwright (never a browser Playwright downloads)."""
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        unavailable("the Python package playwright is missing: pip install -e '.[test]'")
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    expect.set_options(timeout=TIMEOUT_MS)  # a busy machine renders Swagger UI slowly
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def console_errors() -> list[str]:
    """What went wrong in the page: console errors, uncaught exceptions, failed requests and any
    request that left the sandbox."""
    return []


@pytest.fixture
def page(browser: Browser, live_url: str, console_errors: list[str]) -> Iterator[Page]:
    """A fresh context (no cookies, no storage) at 1280x720 with `live_url` as its base URL."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=live_url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(f"console: {message.text}")

    def outside(request: Request) -> None:
        if not request.url.startswith((live_url, "data:", "blob:")):
            console_errors.append(f"request outside the sandbox: {request.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: console_errors.append(f"page error: {error}"))
    page.on(
        "requestfailed",
        lambda request: console_errors.append(
            f"request failed: {request.method} {request.url} ({request.failure})"
        ),
    )
    page.on("request", outside)
    yield page
    context.close()


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save the page (the whole page, or what the viewport shows) as test-output/screenshots/{name}.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives Chromium against a sandbox process: `browser` and `live`."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.live)
