"""The journal: the most recent API requests, kept in a bounded buffer."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.spec.router import Observer
from sandbox.world.clock import Clock, rfc3339

BODY_SHOWN = 4096


class Journal:
    def __init__(self, clock: Clock, size: int) -> None:
        self.clock = clock
        self.entries: deque[dict[str, Any]] = deque(maxlen=size)
        self.count = 0

    def observer(self, api: str, credential: Callable[[Any], str | None]) -> Observer:
        """What the router calls after each request to `api`; `credential` names the principal."""

        def record(request: Request, principal: Any, body: bytes, response: Response) -> None:
            self.count += 1
            self.entries.append({
                "id": self.count,
                "time": rfc3339(self.clock.now()),
                "api": api,
                "method": request.method,
                "path": request.url.path,
                "query": request.url.query,
                "status": response.status_code,
                "credential": credential(principal) if principal is not None else None,
                "body": body[:BODY_SHOWN].decode("utf-8", "replace") if body else None,
            })

        return record

    def find(self, api: str | None, path: str | None, status: int | None) -> list[dict[str, Any]]:
        """The matching entries, newest first."""
        return [entry for entry in reversed(self.entries)
                if (api is None or entry["api"] == api)
                and (path is None or entry["path"].startswith(path))
                and (status is None or entry["status"] == status)]

    def clear(self) -> None:
        self.entries.clear()
