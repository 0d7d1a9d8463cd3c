"""Errors as the Fixje API shows them: ProblemDetails, and RFC 6749 errors at the token endpoint."""

from __future__ import annotations

from typing import Any

from sandbox.errors import ApiError
from sandbox.spec.messages import summary
from sandbox.world.ids import IdSource

RFC9110 = "https://tools.ietf.org/html/rfc9110#section-"
RFC6585 = "https://tools.ietf.org/html/rfc6585#section-4"
TYPES = {
    400: "15.5.1",
    401: "15.5.2",
    403: "15.5.4",
    404: "15.5.5",
    405: "15.5.6",
    409: "15.5.10",
    413: "15.5.14",
    415: "15.5.16",
    422: "15.5.21",
    500: "15.6.1",
    502: "15.6.3",
    503: "15.6.4",
    504: "15.6.5",
}


def problem(error: ApiError, traces: IdSource) -> dict[str, Any]:
    """An ASP.NET-style ProblemDetails body."""
    kind = RFC6585 if error.status == 429 else RFC9110 + TYPES.get(error.status, "15.6.1")
    body: dict[str, Any] = {
        "type": kind,
        "title": error.title,
        "status": error.status,
    }
    repeated = any(error.detail in messages for messages in error.errors.values())
    if error.detail and error.detail != error.title and not repeated:
        body["detail"] = error.detail
    if error.errors:
        body["errors"] = error.errors
    body["traceId"] = f"00-{traces.hex(32)}-{traces.hex(16)}-00"
    return body


def oauth_error(error: ApiError) -> dict[str, Any]:
    """An RFC 6749 section 5.2 error body."""
    code = error.code or ("invalid_client" if error.status == 401 else "invalid_request")
    description = error.detail or summary(error.errors)
    return {"error": code, "error_description": description or error.title}
