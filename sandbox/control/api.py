"""The sandbox's own control API (specs/sandbox.yaml)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from sandbox.errors import ApiError
from sandbox.spec.router import Call, Handler, Reply


class ControlApi:
    prefix = "/_sandbox"

    def handlers(self) -> Mapping[str, Handler]:
        return {"health": self.health}

    def authenticate(self, schemes: list[str], request: Request) -> Any:
        return None

    def error_reply(self, operation_id: str | None, error: ApiError) -> Reply:
        body = {"error": type(error).__name__, "message": error.detail or error.title}
        if error.errors:
            body["errors"] = error.errors  # type: ignore[assignment]
        return Reply(body, error.status, dict(error.headers))

    def health(self, call: Call) -> Reply:
        return Reply({"status": "ok"})
