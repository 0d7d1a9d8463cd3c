"""Browser tests: a real sandbox (uvicorn) for the session, Debian's Chromium driven by Playwright,
a fresh page per test, and screenshots under test-output/screenshots/.

Without Chromium or Playwright these tests fail when the CI variable is set (CI must run them)
and are skipped elsewhere; `make test` installs Chromium when it is missing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
SERVE = [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--freeze", "--log-level", "warning"]
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
BANNER = re.compile(r"listening on \S+:(\d+) ")
START_TIMEOUT = 30.0
TIMEOUT_MS = 15_000


def unavailable(message: str) -> NoReturn:
    """Fail in CI, skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"the browser tests cannot run in CI: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="package")
def live_url() -> Iterator[str]:
    """A `sandbox serve --freeze` process on a free port, with the default fixtures."""
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "sandbox.log"
        with log.open("wb") as out:
            process = subprocess.Popen(SERVE, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            yield wait_for(process, log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(process: subprocess.Popen[bytes], log: Path) -> str:
    """The sandbox's base URL once its health check answers."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        found = BANNER.search(log.read_text("utf-8", "replace"))
        if found:
            url = f"http://127.0.0.1:{found.group(1)}"
            try:
                with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=2) as response:
                    if response.status == 200:
                        return url
            except (urllib.error.URLError, ConnectionError):
                pass
        time.sleep(0.05)
    raise RuntimeError(f"the sandbox did not start: {log.read_text('utf-8', 'replace')}")


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
    page.on(
        "console",
        lambda message: message.type == "error" and console_errors.append(f"console: {message.text}"),
    )
    page.on("pageerror", lambda error: console_errors.append(f"page error: {error}"))
    page.on(
        "requestfailed",
        lambda request: console_errors.append(
            f"request failed: {request.method} {request.url} ({request.failure})"
        ),
    )
    page.on(
        "request",
        lambda request: (
            request.url.startswith((live_url, "data:", "blob:"))
            or console_errors.append(f"request outside the sandbox: {request.url}")
        ),
    )
    yield page
    context.close()


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save the page (the whole page, or what the viewport shows) as test-output/screenshots/{name}.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
