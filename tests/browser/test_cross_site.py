"""In Chromium: a page of another origin (here a server on another port of 127.0.0.1, which is
the same site, so the sandbox's cookies would ride along) that posts forms and fetches to the
sandbox's control API changes nothing."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.request
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Response

ATTACK = """<!doctype html><html><body>
<form id="reset" method="post" action="{sandbox}/_sandbox/reset" enctype="text/plain" target="sink">
  <input name="x" value="1"></form>
<form id="scenario" method="post" action="{sandbox}/_sandbox/scenarios/flaky-orders" target="sink">
  <input name="x" value="1"></form>
<iframe name="sink"></iframe>
<script>
  document.getElementById("reset").submit();
  setTimeout(() => document.getElementById("scenario").submit(), 300);
  fetch("{sandbox}/_sandbox/faults", {{method: "POST", mode: "no-cors",
        body: '{{"api": "fixje", "status": 503}}',
        headers: {{"Content-Type": "text/plain"}}}}).catch(() => {{}});
  fetch("{sandbox}/_sandbox/tenants", {{method: "POST", body: '{{"api": "fixje"}}',
        headers: {{"Content-Type": "application/json"}}}}).catch(() => {{}});
  setTimeout(() => {{ document.title = "done"; }}, 1500);
</script></body></html>"""


@pytest.fixture
def attacker(live_url: str) -> Iterator[str]:
    """A page of another origin that attacks the sandbox at `live_url`."""
    page = ATTACK.format(sandbox=live_url).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def state(live_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{live_url}/_sandbox/state", timeout=10) as response:
        exported: dict[str, Any] = json.load(response)
    with urllib.request.urlopen(f"{live_url}/_sandbox/faults", timeout=10) as response:
        exported["faults"] = json.load(response)["faults"]
    with urllib.request.urlopen(f"{live_url}/_sandbox/clock", timeout=10) as response:
        exported["clock"] = json.load(response)
    return exported


def test_a_page_of_another_origin_changes_nothing(browser: Browser, live_url: str, attacker: str) -> None:
    # the clock an hour on: a reset would bring it back
    urllib.request.urlopen(
        urllib.request.Request(
            f"{live_url}/_sandbox/clock",
            method="POST",
            data=b'{"advance": "PT1H"}',
            headers={"Content-Type": "application/json"},
        ),
        timeout=10,
    )
    before = state(live_url)
    context = browser.new_context()
    page = context.new_page()
    refused: list[int] = []

    def answered(response: Response) -> None:
        if response.url.startswith(f"{live_url}/_sandbox/"):
            refused.append(response.status)

    page.on("response", answered)
    page.goto(attacker)
    page.wait_for_function("document.title === 'done'", timeout=15_000)
    page.wait_for_timeout(300)
    context.close()
    assert state(live_url) == before  # no reset, no scenario, no fault rule, no tenant
    assert 403 in refused  # the forms reached the sandbox and were refused
    # leave the shared sandbox as the other browser tests expect it
    urllib.request.urlopen(urllib.request.Request(f"{live_url}/_sandbox/reset", method="POST"), timeout=10)
