"""A sandbox whose answers are changed on purpose, for the drift check's tests (`sandbox verify`):

    python -m tests.drift_server CHANGES

CHANGES is a JSON list; each change is for the answers to the paths that `path` matches (the query
aside; `*` for any text) and does one thing:

- `{"path": P, "rename": ["data[].reference", "ref"]}`: a field renamed (`[]`: in every item);
- `{"path": P, "set": ["data[].sku", 0]}`: a field given another value (a number where a string
  was, `[]` for an empty list);
- `{"path": P, "status": 503}`: another status;
- `{"path": P, "drop-header": "Cache-Control"}`: a header left out;
- `{"path": P, "add-header": ["Location", "/elsewhere"]}`: a header added;
- `{"path": P, "replace": ["order-number", "order-no"]}`: a text replaced in the body (an XML
  element, a CSV column).

It builds the app as `sandbox serve` does (default settings and fixtures), serves it on a free
port of 127.0.0.1 and prints `listening on HOST:PORT` and the health URL, as `sandbox serve` does,
for `sandbox.process.ServerProcess`."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.app import create_app
from sandbox.cli import bind
from sandbox.settings import Settings

Change = dict[str, Any]


def steps(path: str) -> list[str]:
    """`data[].reference` -> `["data", "[]", "reference"]`."""
    return re.findall(r"\[\]|[^.\[\]]+", path)


def rename(value: Any, where: list[str], new: str) -> None:
    step, rest = where[0], where[1:]
    if step == "[]":
        for item in value if isinstance(value, list) else []:
            rename(item, rest, new)
    elif isinstance(value, dict) and step in value:
        if rest:
            rename(value[step], rest, new)
        else:
            value[new] = value.pop(step)


def put(value: Any, where: list[str], new: Any) -> None:
    step, rest = where[0], where[1:]
    if step == "[]":
        for item in value if isinstance(value, list) else []:
            put(item, rest, new)
    elif isinstance(value, dict) and step in value:
        if rest:
            put(value[step], rest, new)
        else:
            value[step] = new


def changed(body: bytes, change: Change) -> bytes:
    """The body with `change` made to it."""
    if "replace" in change:
        old, new = change["replace"]
        return body.replace(old.encode(), new.encode())
    if "rename" not in change and "set" not in change:
        return body
    value = json.loads(body)
    if "rename" in change:
        where, new = change["rename"]
        rename(value, steps(where), new)
    else:
        where, new = change["set"]
        put(value, steps(where), new)
    return json.dumps(value).encode()


class Drift:
    """ASGI middleware that changes the answers to the paths `changes` name."""

    def __init__(self, app: ASGIApp, changes: Sequence[Change]) -> None:
        self.app = app
        self.changes = changes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mine = [c for c in self.changes if scope["type"] == "http" and fnmatchcase(scope["path"], c["path"])]
        if not mine:
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, keep)
        body, status, headers = b"".join(chunks), start["status"], list(start["headers"])
        for change in mine:
            body = changed(body, change)
            status = change.get("status", status)
            dropped = change.get("drop-header", "").lower().encode()
            headers = [(name, value) for name, value in headers if name != dropped]
            if "add-header" in change:
                name, value = change["add-header"]
                headers.append((name.lower().encode(), value.encode()))
        headers = [(n, v) for n, v in headers if n != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def main(argv: Sequence[str]) -> None:
    changes = json.loads(argv[0]) if argv else []
    app = Drift(create_app(Settings()), changes)
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    print(f"drift sandbox listening on 127.0.0.1:{port}", flush=True)
    print(f"  Health http://127.0.0.1:{port}/_sandbox/health", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off")).run(sockets=[sock])


if __name__ == "__main__":
    main(sys.argv[1:])
