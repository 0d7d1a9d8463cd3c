"""Who may drive the sandbox: the control API and the dashboard follow one rule, checked here.

On loopback without an admin token everything is open. With `--admin-token`, a request must
carry it: `Authorization: Bearer <token>`, or (without that header) the HttpOnly, SameSite=Strict
cookie the dashboard sets once the browser gave the token (`?token=` or the login form). Listening
off loopback without a token, both stay closed."""

from __future__ import annotations

import ipaddress
import secrets
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sandbox.errors import Forbidden, Unauthorized
from sandbox.settings import Settings
from sandbox.spec.router import REPLAY

ADMIN_COOKIE = "sandbox_admin"
"""The admin token as the dashboard keeps it in the browser."""
HOME = "/_sandbox/ui"
CLOSED = "The control API is closed: the sandbox listens off loopback and was started without --admin-token."


def on_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Access:
    def __init__(self, settings: Settings) -> None:
        self.token = settings.admin_token
        self.open = self.token is None and on_loopback(settings.host)

    @property
    def closed(self) -> bool:
        """Off loopback without an admin token nobody gets in."""
        return self.token is None and not self.open

    def valid(self, given: str | None) -> bool:
        if not given or self.token is None:
            return False
        return secrets.compare_digest(given.strip().encode(), self.token.encode())

    def allowed(self, request: Request) -> bool:
        if self.open or request.scope.get(REPLAY):  # a change replayed at start was allowed then
            return True
        header = request.headers.get("authorization")
        if header is None:
            return self.valid(request.cookies.get(ADMIN_COOKIE))
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and self.valid(given)

    def check(self, request: Request) -> None:
        """Return when `request` may drive the sandbox; else Forbidden (closed) or Unauthorized."""
        if self.allowed(request):
            return
        if self.closed:
            raise Forbidden(CLOSED)
        raise Unauthorized(
            "The control API needs Authorization: Bearer <admin token>.",
            headers={"WWW-Authenticate": 'Bearer realm="sandbox"'},
        )

    def from_query(self, request: Request) -> Response | None:
        """A valid `?token=`: the cookie, and the same page without the token in its address."""
        given = request.query_params.get("token")
        if given is None or not self.valid(given):
            return None
        rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
        return self.enter(request.url.path + (f"?{rest}" if rest else ""))

    def enter(self, target: str) -> Response:
        response = RedirectResponse(safe_target(target), status_code=303)
        response.set_cookie(
            ADMIN_COOKIE, self.token or "", path="/_sandbox", httponly=True, samesite="strict"
        )
        return response


def safe_target(target: str | None) -> str:
    """Where to go after logging in: a page of the dashboard, never another site."""
    if not target or not target.startswith(HOME) or "//" in target or "\\" in target:
        return HOME
    return target
