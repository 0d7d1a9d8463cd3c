"""Who may see the dashboard: the control API's rule. On loopback without an admin token it is
open; with `--admin-token` the browser shows the token once (`?token=` or the login form) and
keeps it in an HttpOnly cookie, which the control API accepts too."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sandbox.control.api import ADMIN_COOKIE, on_loopback
from sandbox.settings import Settings

HOME = "/_sandbox/ui"


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
        return secrets.compare_digest(given.encode(), self.token.encode())

    def allowed(self, request: Request) -> bool:
        if self.open:
            return True
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        return self.valid(request.cookies.get(ADMIN_COOKIE)) or (
            scheme.lower() == "bearer" and self.valid(bearer.strip())
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
