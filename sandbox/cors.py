"""CORS for the suppliers' APIs, off unless asked for (`--cors ORIGIN`): pages of the origins named
may call the APIs from a browser and read the answers, as a front-end or a browser-based
integration does. The control API, the dashboard and the docs never answer another origin: a page
that may read the APIs still may not drive the sandbox (`guard.py`)."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.guard import Hosts

ANY = "*"
MAX_AGE = b"600"
"""How long a browser may keep a preflight's answer, in seconds."""


class Cors:
    """ASGI middleware: the CORS headers of the APIs under `prefixes`, for the origins allowed.

    A preflight (`OPTIONS` with `Access-Control-Request-Method`) from an allowed origin is answered
    here, 204 with the methods the APIs take and the headers asked for; any other request from one
    gets `Access-Control-Allow-Origin` and the headers its answer may show (`expose`). A request
    from another origin, or with a `Host` that does not name this server, goes on unchanged."""

    def __init__(
        self,
        app: ASGIApp,
        origins: Iterable[str],
        prefixes: Iterable[str],
        methods: Iterable[str],
        expose: Iterable[str],
        hosts: Hosts,
    ) -> None:
        self.app = app
        self.origins = {origin.encode() for origin in origins}
        self.any = ANY.encode() in self.origins
        self.prefixes = tuple(prefixes)
        self.methods = ", ".join(sorted({*methods, "HEAD"})).encode()
        self.expose = ", ".join(sorted(expose)).encode()
        self.hosts = hosts

    def allowed(self, scope: Scope) -> bytes | None:
        """The request's `Origin` when it may read the answer."""
        if scope["type"] != "http" or not scope["path"].startswith(self.prefixes):
            return None
        found: bytes | None = next((value for name, value in scope["headers"] if name == b"origin"), None)
        if found is None or not (self.any or found.lower() in self.origins):
            return None
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.allowed(scope)
        if found is None:
            await self.app(scope, receive, send)
            return
        allow = [(b"access-control-allow-origin", b"*" if self.any else found)]
        if not self.any:
            allow.append((b"vary", b"Origin"))
        headers = dict(scope["headers"])
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            if self.hosts.allow(scope):
                await self.preflight(send, allow, headers.get(b"access-control-request-headers"))
                return
            await self.app(scope, receive, send)  # 421, as any request for another host
            return
        if self.expose:
            allow.append((b"access-control-expose-headers", self.expose))

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *allow]}
            await send(message)

        await self.app(scope, receive, with_cors)

    async def preflight(self, send: Send, allow: list[tuple[bytes, bytes]], asked: bytes | None) -> None:
        headers = [
            *allow,
            (b"access-control-allow-methods", self.methods),
            (b"access-control-max-age", MAX_AGE),
            (b"content-length", b"0"),
        ]
        if asked:
            headers.append((b"access-control-allow-headers", asked))
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
