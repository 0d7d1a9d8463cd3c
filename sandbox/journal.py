"""The journal: the most recent API requests, kept in a bounded buffer."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.spec.router import Observer
from sandbox.world.clock import Clock, rfc3339

BODY_SHOWN = 4096
MASK = b"***"
# a secret's value in a form (`client_secret=...`), JSON (`"client_secret": "..."`) or a multipart
# part (`name="client_secret"` then a blank line, then the value)
SECRETS = re.compile(
    rb"((?:^|[&?])(?:client_secret|password|token)=)[^&\r\n]*"
    rb'|("(?:client_secret|password|token)"\s*:\s*")(?:[^"\\]|\\.)*'
    rb'|(name="(?:client_secret|password|token)"\r?\n(?:[^\r\n]+\r?\n)*\r?\n)[^\r\n]*'
)


def masked(body: bytes) -> bytes:
    """`body` with the values of secrets (a client secret, a password, a token) masked, as any log
    keeps them."""
    if b"secret" not in body and b"password" not in body and b"token" not in body:
        return body
    return SECRETS.sub(lambda found: b"".join(part for part in found.groups() if part) + MASK, body)


class Journal:
    def __init__(self, clock: Clock, size: int) -> None:
        self.clock = clock
        # kept as they come (cheap on the request's path) and shown only when asked for
        self.entries: deque[tuple[Any, ...]] = deque(maxlen=size)
        self.count = 0
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        """Told of each entry as it comes (the dashboard's live feed); none, no cost."""
        self.cleared: Callable[[], None] | None = None
        """Told when the journal is cleared, by a durable sandbox's store."""

    def observer(self, api: str, credential: Callable[[Any], str | None]) -> Observer:
        """What the router calls after each request to `api`; `credential` names the principal."""

        def record(request: Request, principal: Any, body: bytes, response: Response) -> None:
            self.count += 1
            scope = request.scope
            entry = (
                self.count,
                self.clock.now(),
                api,
                scope["method"],
                scope["path"],
                scope["query_string"],
                response.status_code,
                credential(principal) if principal is not None else None,
                masked(body[:BODY_SHOWN]),
            )
            self.entries.append(entry)
            if self.listeners:
                shown = view(entry)
                for listener in self.listeners:
                    listener(shown)

        return record

    def find(self, api: str | None, path: str | None, status: int | None) -> list[dict[str, Any]]:
        """The matching entries, newest first."""
        return [
            view(entry)
            for entry in reversed(self.entries)
            if (api is None or entry[2] == api)
            and (path is None or entry[4].startswith(path))
            and (status is None or entry[6] == status)
        ]

    def clear(self) -> None:
        self.entries.clear()
        if self.cleared is not None:
            self.cleared()

    def since(self, number: int) -> list[list[Any]]:
        """The entries numbered after `number` that it still holds, oldest first, as JSON holds them
        (`stored`): what a durable sandbox's store has yet to write."""
        newer = []
        for entry in reversed(self.entries):
            if entry[0] <= number:
                break
            newer.append(stored(entry))
        newer.reverse()
        return newer

    def load(self, kept: list[list[Any]]) -> None:
        """Entries a durable sandbox kept (`stored`), oldest first; numbering goes on after them."""
        self.entries.extend(loaded(entry) for entry in kept)
        if self.entries:
            self.count = max(self.count, self.entries[-1][0])


def stored(entry: tuple[Any, ...]) -> list[Any]:
    """An entry as JSON holds it."""
    number, time, name, method, where, query, code, who, body = entry
    return [
        number,
        time.isoformat(),
        name,
        method,
        where,
        query.decode("latin-1"),
        code,
        who,
        body.decode("latin-1"),
    ]


def loaded(kept: list[Any]) -> tuple[Any, ...]:
    number, time, name, method, where, query, code, who, body = kept
    return (
        number,
        datetime.fromisoformat(time),
        name,
        method,
        where,
        query.encode("latin-1"),
        code,
        who,
        body.encode("latin-1"),
    )


def view(entry: tuple[Any, ...]) -> dict[str, Any]:
    """A kept entry as `GET /_sandbox/requests` shows it."""
    number, time, name, method, where, query, code, who, body = entry
    return {
        "id": number,
        "time": rfc3339(time),
        "api": name,
        "method": method,
        "path": where,
        "query": query.decode("latin-1"),
        "status": code,
        "credential": who,
        "body": body.decode("utf-8", "replace") if body else None,
    }
