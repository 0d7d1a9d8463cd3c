"""What a local server must refuse before any route runs, because a browser on the same machine
visits other sites while it runs.

* **DNS rebinding.** A page of `attacker.example`, whose name the attacker points at 127.0.0.1,
  talks to the sandbox as its own origin. Every request must name this server in `Host`: a
  loopback name or address, the address the sandbox listens on, a name given with
  `--allowed-host`; or, when it listens on every interface, any IP address (an address cannot be
  rebound). Anything else is 421 and nothing more.
* **Cross-site requests.** A page of any site can send a form or a simple `fetch` to
  `http://127.0.0.1:8000`. A request that changes something under `/_sandbox` must come from the
  sandbox's own pages or from a client that is not a browser: one that names another origin
  (`Origin`, `Sec-Fetch-Site`) is 403, and so is a body a form can send (form, multipart or plain
  text: the control API takes JSON, which a browser sends cross-site only after a CORS preflight the
  sandbox never grants). The dashboard's login form carries a token of its own (`ui/dashboard.py`;
  who may enter is `access.py`'s to say).
* **Framing and scripts.** The dashboard and the docs pages may not be framed, and run only the
  sandbox's own scripts."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTROL = "/_sandbox"
LOGIN = "/_sandbox/ui/login"
PAGES = ("/_sandbox/ui", "/docs")
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = (b"application/x-www-form-urlencoded", b"multipart/form-data", b"text/plain")
WILDCARDS = {"0.0.0.0", "::", ""}
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}

# the sandbox's own scripts and styles only; no page of another site may frame these
PAGE_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
]


def host_name(host: str) -> str:
    """`Host` without its port, lower case: `127.0.0.1:8000` -> `127.0.0.1`, `[::1]:8000` -> `::1`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rpartition(":")[0] if host.count(":") == 1 else host


class Hosts:
    """Which `Host` names address this server."""

    def __init__(self, bound: str, allowed: Iterable[str] = ()) -> None:
        self.names = LOOPBACK_NAMES | {host_name(name) for name in allowed} | {host_name(bound)}
        self.any_address = bound in WILDCARDS
        self.known: dict[bytes, bool] = {}
        """`Host` values seen and the answer (a few at most: the sandbox's own names)."""

    def allow(self, scope: Scope) -> bool:
        """Whether the request's `Host` names this server."""
        host = next((value for name, value in scope["headers"] if name == b"host"), b"")
        allowed = self.known.get(host)
        if allowed is None:
            allowed = host_name(host.decode("latin-1")) in self
            if len(self.known) < 64:
                self.known[host] = allowed
        return allowed

    def __contains__(self, name: str) -> bool:
        if name in self.names or name.endswith(".localhost"):
            return True
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return False
        return self.any_address or address.is_loopback


class Guard:
    """ASGI middleware: the `Host` of every request, the origin of every change under `/_sandbox`,
    and the framing headers of every page (see the module's docstring)."""

    def __init__(self, app: ASGIApp, hosts: Hosts) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self.hosts.allow(scope):
            await plain(
                send,
                421,
                "Misdirected request: this sandbox does not answer for that host name "
                "(start it with --allowed-host NAME to add one).",
            )
            return
        path: str = scope["path"]
        if scope["method"] not in SAFE and path.startswith(CONTROL):
            host = next((value for name, value in scope["headers"] if name == b"host"), b"")
            refusal = cross_site(scope["scheme"], host, dict(scope["headers"]), path)
            if refusal:
                await refused(send, refusal)
                return
        if path.startswith(PAGES):
            send = framed(send)
        await self.app(scope, receive, send)


def cross_site(scheme: str, host: bytes, headers: dict[bytes, bytes], path: str) -> str | None:
    """Why a change under `/_sandbox` must be refused as coming from another site; None if not."""
    site = headers.get(b"sec-fetch-site")
    origin = headers.get(b"origin")
    if site is not None and site not in (b"same-origin", b"none"):
        return (
            "This request comes from another site's page; the control API takes changes only "
            "from the sandbox's own pages or from clients that are not browsers."
        )
    if origin is not None and origin != f"{scheme}://".encode() + host:
        return (
            "This request names another origin; the control API takes changes only from the "
            "sandbox's own pages or from clients that are not browsers."
        )
    kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if kind in FORM_TYPES and path != LOGIN:
        return (
            "The control API takes JSON (or no body): a body a web form can send is refused; "
            "send Content-Type: application/json."
        )
    return None


async def plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def refused(send: Send, message: str) -> None:
    """403 in the control API's error shape."""
    body = json.dumps({"error": "Forbidden", "message": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def framed(send: Send) -> Send:
    """`send` with the page headers added to the response."""

    async def with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *PAGE_HEADERS]}
        await send(message)

    return with_headers
