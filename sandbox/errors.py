"""The sandbox's one exception hierarchy; each emulated API renders it in its own error shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self


class ApiError(Exception):
    """A request the sandbox refuses. `errors` maps field paths to messages."""

    status = 500
    title = "An error occurred while processing your request."

    def __init__(
        self,
        detail: str = "",
        *,
        errors: Mapping[str, list[str]] | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors: dict[str, list[str]] = dict(errors or {})
        self.code = code
        self.headers: dict[str, str] = dict(headers or {})

    @classmethod
    def field(cls, path: str, message: str, *, code: str | None = None) -> Self:
        """An error about one field."""
        return cls(message, errors={path: [message]}, code=code)


class BadRequest(ApiError):
    status = 400
    title = "One or more validation errors occurred."


class Unauthorized(ApiError):
    status = 401
    title = "Unauthorized"


class Forbidden(ApiError):
    status = 403
    title = "Forbidden"


class NotFound(ApiError):
    status = 404
    title = "Not Found"


class MethodNotAllowed(ApiError):
    status = 405
    title = "Method Not Allowed"


class Conflict(ApiError):
    status = 409
    title = "Conflict"


class PayloadTooLarge(ApiError):
    status = 413
    title = "Payload Too Large"


class UnsupportedMediaType(ApiError):
    status = 415
    title = "Unsupported Media Type"


class Unprocessable(ApiError):
    status = 422
    title = "Unprocessable Entity"


class TooManyRequests(ApiError):
    status = 429
    title = "Too Many Requests"


class InternalError(ApiError):
    status = 500
    title = "An error occurred while processing your request."


BY_STATUS: dict[int, type[ApiError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        InternalError,
    )
}


def from_status(status: int, detail: str = "", headers: Mapping[str, str] | None = None) -> ApiError:
    """The error for an HTTP status that Starlette raised before a handler ran (404, 405)."""
    cls = BY_STATUS.get(status, ApiError)
    error = cls(detail, headers=headers)
    if cls is ApiError:
        error.status = status
    return error
