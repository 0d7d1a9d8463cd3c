"""The sandbox as a local tool on a machine whose browser visits other sites, over a real server:
no other site's page can drive it (cross-site requests, DNS rebinding), its admin token stays out of
logs and process lists, its pages cannot be framed, and no client can stall it (oversized heads,
slow or idle connections). Each test names the item of the hardening issue it shows."""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.helpers import FIXJE_DEMO, login_form
from tests.live import Server, serve

EVIL = "http://evil.example"
JSON = {"Content-Type": "application/json"}
FAULTS = "/_sandbox/faults"


pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serve("--freeze") as running:
        yield running


def faults(server: Server) -> list[object]:
    listed: list[object] = requests.get(f"{server.url}{FAULTS}", timeout=5).json()["faults"]
    return listed


# --- 1. cross-site requests ------------------------------------------------------------------------

# id, headers, body: what a page of another site (or a form of it) sends
CROSS_SITE: list[tuple[str, dict[str, str], bytes | None]] = [
    ("a form of another site", {"Origin": EVIL, "Content-Type": "application/x-www-form-urlencoded"}, b"x=1"),
    ("a text/plain fetch of another site", {"Origin": EVIL, "Content-Type": "text/plain"}, b"x"),
    ("a text/plain body and no Origin", {"Content-Type": "text/plain"}, b"x"),
    ("a multipart body and no Origin", {"Content-Type": "multipart/form-data; boundary=b"}, b"--b--\r\n"),
    ("JSON from another origin", {"Origin": EVIL, **JSON}, b"{}"),
    ("the page of another port", {"Origin": "http://127.0.0.1:3000", **JSON}, b"{}"),
    ("Origin null (a sandboxed frame)", {"Origin": "null", **JSON}, b"{}"),
    ("Sec-Fetch-Site cross-site", {"Sec-Fetch-Site": "cross-site", **JSON}, b"{}"),
    ("Sec-Fetch-Site same-site (another port)", {"Sec-Fetch-Site": "same-site", **JSON}, b"{}"),
]


@pytest.mark.parametrize(("headers", "body"), [pytest.param(*c[1:], id=c[0]) for c in CROSS_SITE])
@pytest.mark.parametrize(
    "path", ["/_sandbox/scenarios/flaky-orders", "/_sandbox/reset", FAULTS, "/_sandbox/tenants"]
)
def test_item1_no_page_of_another_site_changes_anything(
    server: Server,
    path: str,
    headers: dict[str, str],
    body: bytes | None,
) -> None:
    before = requests.get(f"{server.url}/_sandbox/state", timeout=10).content
    response = requests.post(f"{server.url}{path}", headers=headers, data=body, timeout=10)
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "Forbidden"
    assert requests.get(f"{server.url}/_sandbox/state", timeout=10).content == before


def test_item1_the_sandboxs_own_pages_and_other_clients_still_drive_it(server: Server) -> None:
    own = {"Origin": server.url, "Sec-Fetch-Site": "same-origin", **JSON}
    rule: dict[str, str | int] = {"api": "vidaxl", "credential": "nobody@example.com", "latencyMs": 1}
    added = requests.post(f"{server.url}{FAULTS}", json=rule, headers=own, timeout=5)
    assert added.status_code == 201, added.text
    # curl's way: no Origin, no body or a JSON one
    assert requests.post(f"{server.url}/_sandbox/reset", timeout=10).status_code == 200
    moved = requests.post(f"{server.url}/_sandbox/clock", json={"advance": "PT1M"}, timeout=5)
    assert moved.status_code == 200
    assert requests.post(f"{server.url}/_sandbox/reset", timeout=10).status_code == 200
    # the supplier APIs are for any client: their own credentials guard them
    assert (
        requests.post(
            f"{server.url}/api/v1/login",
            headers={"Origin": EVIL},
            timeout=5,
            data=login_form(),
        ).status_code
        == 200
    )


def test_item1_with_an_admin_token_the_cookie_of_another_port_is_refused(tmp_path: Path) -> None:
    token_file = tmp_path / "admin-token"
    token_file.write_text("t0ken-of-the-admin\n")
    with serve("--freeze", "--admin-token-file", str(token_file)) as guarded:
        cookie = {"Cookie": "sandbox_admin=t0ken-of-the-admin"}
        assert requests.get(f"{guarded.url}{FAULTS}", headers=cookie, timeout=5).status_code == 200
        for headers in ({"Origin": "http://127.0.0.1:3000"}, {"Sec-Fetch-Site": "same-site"}):
            response = requests.post(
                f"{guarded.url}/_sandbox/reset", headers={**cookie, **headers}, timeout=5
            )
            assert response.status_code == 403, response.text
        # the dashboard's login form, posted by another site
        response = requests.post(
            f"{guarded.url}/_sandbox/ui/login",
            headers={"Origin": EVIL},
            timeout=5,
            data={"token": "t0ken-of-the-admin", "next": "/_sandbox/ui"},
            allow_redirects=False,
        )
        assert response.status_code == 403 and "sandbox_admin" not in response.headers.get("set-cookie", "")


# --- 2. DNS rebinding ------------------------------------------------------------------------------


def raw(server: Server, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send `request` as it is; the status, headers and body of the answer."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_sandbox/state"),
        ("POST", "/_sandbox/tenants"),
        ("GET", "/_sandbox/ui"),
        ("GET", "/specs/fixje.yaml"),
        ("GET", "/docs/sandbox"),
        ("GET", "/api_customer/orders.json"),
        ("POST", "/api/v1/login"),
        ("GET", "/_sandbox/health"),
    ],
)
@pytest.mark.parametrize(
    "host",
    ["attacker.example", "attacker.example:8000", "127.0.0.1.evil.example", "localhost.evil.example", ""],
)
def test_item2_a_host_that_is_not_this_server_gets_421_and_nothing_else(
    server: Server,
    method: str,
    path: str,
    host: str,
) -> None:
    body = b'{"api": "fixje"}'
    status, headers, answer = raw(
        server,
        f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n".encode()
        + b"Content-Type: application/json\r\nContent-Length: 16\r\n"
        + b"Connection: close\r\n\r\n"
        + body,
    )
    assert (status, headers["content-type"]) == (421, "text/plain; charset=utf-8"), answer
    assert answer.startswith(b"Misdirected request") and b"secret" not in answer


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "sandbox.localhost"])
def test_item2_loopback_names_are_this_server(server: Server, host: str) -> None:
    status, _, body = raw(
        server,
        f"GET /specs/vidaxl.yaml HTTP/1.1\r\nHost: {host}:{server.port}\r\n"
        f"Connection: close\r\n\r\n".encode(),
    )
    assert status == 200
    assert f'url: "http://{host}:{server.port}"'.encode() in body  # the servers entry: a checked Host


def test_item2_allowed_hosts_and_any_address_on_every_interface() -> None:
    with serve("--freeze", "--host", "0.0.0.0", "--allowed-host", "sandbox.test") as wide:
        for host in ("sandbox.test:8000", "192.0.2.7", "[2001:db8::1]:8000"):
            status, _, _ = raw(
                wide, f"GET /_sandbox/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
            )
            assert status == 200, host
        status, _, _ = raw(
            wide, b"GET /_sandbox/health HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n"
        )
        assert status == 421


# --- 3. the admin token stays out of logs and process lists; secrets out of the journal ------------


def test_item3_the_admin_token_is_in_no_log_line_and_no_command_line(tmp_path: Path) -> None:
    secret = "s3cret-admin-token-for-the-log-test"
    token_file = tmp_path / "token"
    token_file.write_text(secret)
    with serve("--freeze", "--log-level", "info", "--admin-token-file", str(token_file)) as guarded:
        response = requests.get(
            f"{guarded.url}/_sandbox/ui?token={secret}&x=1", timeout=5, allow_redirects=False
        )
        assert (response.status_code, response.headers["location"]) == (303, "/_sandbox/ui?x=1")
        assert response.cookies.get("sandbox_admin") == secret
        page = requests.get(f"{guarded.url}/_sandbox/ui", cookies=response.cookies, timeout=5)
        assert page.status_code == 200
        time.sleep(0.3)  # the log is read by a thread of its own
        logged = "".join(guarded.log)
        assert "GET /_sandbox/ui?token=***&x=1 HTTP/1.1" in logged
        assert secret not in logged
        assert secret not in Path(f"/proc/{guarded.pid}/cmdline").read_bytes().decode(errors="replace")


def test_item3_admin_token_on_the_command_line_warns() -> None:
    with serve("--freeze", "--admin-token", "visible-in-ps") as guarded:
        assert "--admin-token on the command line can be read by other users" in guarded.banner


@pytest.mark.parametrize("send", ["form", "json", "multipart"])
def test_item3_the_journal_masks_client_secrets(server: Server, send: str) -> None:
    fields = login_form()
    requests.delete(f"{server.url}/_sandbox/requests", timeout=5)
    if send == "form":
        response = requests.post(f"{server.url}/api/v1/login", data=fields, timeout=5)
    elif send == "json":
        response = requests.post(f"{server.url}/api/v1/login", json=fields, timeout=5)
    else:
        parts = {name: (None, value) for name, value in fields.items()}
        response = requests.post(f"{server.url}/api/v1/login", files=parts, timeout=5)
    assert response.status_code == 200
    [entry] = requests.get(f"{server.url}/_sandbox/requests", timeout=5).json()["requests"]
    assert FIXJE_DEMO[1] not in entry["body"]
    assert FIXJE_DEMO[0] in entry["body"] and "***" in entry["body"]


# --- 4. pages cannot be framed, and run only the sandbox's scripts ---------------------------------


@pytest.mark.parametrize("path", ["/_sandbox/ui", "/_sandbox/ui/live", "/docs", "/docs/vidaxl"])
def test_item4_pages_carry_the_framing_and_script_policy(server: Server, path: str) -> None:
    response = requests.get(f"{server.url}{path}", timeout=5)
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    policy = response.headers["Content-Security-Policy"]
    for rule in ("frame-ancestors 'none'", "script-src 'self';", "style-src 'self';"):
        assert rule in policy


# --- 5, 6. no client stalls the others -------------------------------------------------------------


def health_in(server: Server, deadline: float) -> float:
    """Seconds the health check took; it must answer within `deadline`."""
    started = time.monotonic()
    response = requests.get(f"{server.url}/_sandbox/health", timeout=deadline)
    assert response.status_code == 200
    return time.monotonic() - started


def test_item5_a_huge_header_is_refused_as_it_arrives_and_others_are_served(server: Server) -> None:
    """A header that goes on and on: 431 once the head passes 32 KiB, without waiting for its end;
    meanwhile the health check answers."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(b"GET /_sandbox/health HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 40_000)
        assert health_in(server, 5) < 5
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 431 Request Header Fields Too Large"), answer
    assert answer.endswith(b"The request line and headers pass 32768 bytes.")


def test_item5_a_body_refused_early_does_not_count_as_the_next_head(server: Server) -> None:
    """A streamed body the sandbox refuses at 1 MiB goes on arriving after the answer; the next
    request on the same connection (its head right behind the body) is served as usual."""

    def body() -> Iterator[bytes]:
        yield b"{"
        yield from (b" " * 65_536 for _ in range(20))
        yield b"}"

    logged = len(server.log)
    with requests.Session() as session:
        for _ in range(3):
            response = session.post(f"{server.url}{FAULTS}", data=body(), headers=JSON, timeout=10)
            assert response.status_code == 413, response.text
        assert session.get(f"{server.url}/_sandbox/health", timeout=5).status_code == 200
    time.sleep(0.2)  # the log is read by a thread of its own
    assert not any("Traceback" in line for line in server.log[logged:]), "".join(server.log[logged:])


def test_item6_slow_and_idle_clients_time_out_and_connections_are_capped() -> None:
    with serve("--freeze", "--request-timeout", "1", "--max-connections", "12") as limited:
        # a head that trickles in, and a body that never comes: 408 after the timeout
        for request in (
            b"GET /_sandbox/health HTTP/1.1\r\nHost: loc",
            b"POST /api/v1/login HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type",
        ):
            with socket.create_connection((limited.host, limited.port), timeout=10) as slow:
                slow.sendall(request)
                started = time.monotonic()
                assert slow.recv(4096).startswith(b"HTTP/1.1 408 Request Timeout")
                assert 0.5 < time.monotonic() - started < 5
        # twelve connections are the cap; a thirteenth gets 503 at once
        idle = [socket.create_connection((limited.host, limited.port), timeout=10) for _ in range(12)]
        try:
            with socket.create_connection((limited.host, limited.port), timeout=10) as extra:
                assert extra.recv(4096).startswith(b"HTTP/1.1 503 Service Unavailable")
            # the idle ones time out like any request that does not come: 408, then closed
            for sock in idle:
                assert sock.recv(4096).startswith(b"HTTP/1.1 408 Request Timeout")
                assert sock.recv(4096) == b""
        finally:
            for sock in idle:
                sock.close()
        assert health_in(limited, 5) < 5


def test_item6_each_request_on_a_kept_connection_has_the_whole_timeout() -> None:
    """A connection's one timer rings at the first request's deadline; a later request that
    began since has its own, counted from its first byte."""
    with (
        serve("--freeze", "--request-timeout", "1") as limited,
        socket.create_connection((limited.host, limited.port), timeout=10) as sock,
    ):
        sock.sendall(b"GET /_sandbox/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200 OK")
        head, _, body = answer.partition(b"\r\n\r\n")
        length = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:"))[15:])
        while len(body) < length:  # the head and the body may come apart
            body += sock.recv(4096)
        time.sleep(0.7)
        sock.sendall(b"GET /_sandbox/health HTTP/1.1\r\nHost: loc")  # never ends
        began = time.monotonic()
        assert sock.recv(4096).startswith(b"HTTP/1.1 408 Request Timeout")
        assert 0.9 < time.monotonic() - began < 5
