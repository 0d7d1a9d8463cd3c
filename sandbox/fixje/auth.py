"""OAuth 2.0 client credentials at /api/v1/login, and bearer tokens on every other call."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import unquote_plus

from starlette.requests import Request

from sandbox.errors import BadRequest, Unauthorized
from sandbox.fixje.world import FixjeWorld, Partner
from sandbox.spec.router import Call, Reply

TOKEN_LIFETIME = 3600
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class Token:
    partner: Partner
    expires_at: datetime


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """The (id, secret) of an HTTP Basic header (RFC 6749 2.3.1), None when there is none.

    Raises Unauthorized for a Basic header that cannot be decoded."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeDecodeError, or a header that is not ASCII
        raise Unauthorized("The Basic authorization header is malformed.", code="invalid_client",
                           headers={"WWW-Authenticate": 'Basic realm="fixje"'}) from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise Unauthorized("The Basic authorization header has no ':' between id and secret.",
                           code="invalid_client", headers={"WWW-Authenticate": 'Basic realm="fixje"'})
    return unquote_plus(client_id), unquote_plus(secret)


class OAuth:
    def __init__(self, world: FixjeWorld) -> None:
        self.world = world
        self.tokens: dict[str, Token] = {}

    def login(self, call: Call) -> Reply:
        form: dict[str, str] = call.body
        basic = basic_credentials(call.request.headers.get("authorization"))
        if basic and ("client_id" in form or "client_secret" in form):
            raise BadRequest("Send the client credentials either in the Authorization header or "
                             "in the body, not both.", code="invalid_request")
        client_id, secret = basic or (form.get("client_id"), form.get("client_secret"))
        for name, value in (("client_id", client_id), ("client_secret", secret)):
            if not value and not basic:
                raise BadRequest(f"The {name} parameter is missing.", code="invalid_request")
        partner = self.world.partner_by_client(client_id or "")
        if partner is None or not secrets.compare_digest(
            partner.client_secret.encode(), (secret or "").encode()
        ):
            headers = {"WWW-Authenticate": 'Basic realm="fixje"'} if basic else {}
            raise Unauthorized("Client authentication failed: unknown client or wrong secret.",
                               code="invalid_client", headers=headers)
        grant = form["grant_type"]
        if grant != "client_credentials":
            raise BadRequest(f"The grant type {grant!r} is not supported; use client_credentials.",
                             code="unsupported_grant_type")
        now = self.world.clock.now()
        self._forget_expired(now)
        token = secrets.token_urlsafe(32)
        self.tokens[token] = Token(partner, now + timedelta(seconds=TOKEN_LIFETIME))
        body = {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME}
        return Reply(body, headers=dict(NO_STORE))

    def matching(self, token: str | None, client_id: str | None) -> list[str]:
        """The tokens named: one token, or all of one client's."""
        return [key for key, held in self.tokens.items()
                if key == token or (client_id is not None and held.partner.client_id == client_id)]

    def revoke(self, keys: list[str]) -> None:
        for key in keys:
            del self.tokens[key]

    def expire(self, keys: list[str]) -> None:
        now = self.world.clock.now()
        for key in keys:
            self.tokens[key] = Token(self.tokens[key].partner, now)

    def _forget_expired(self, now: datetime) -> None:
        for key in [key for key, token in self.tokens.items() if token.expires_at <= now]:
            del self.tokens[key]

    def authenticate(self, request: Request) -> Partner:
        """The partner whose bearer token the request carries."""
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("A bearer token is required: Authorization: Bearer <access_token>.",
                               headers={"WWW-Authenticate": 'Bearer realm="fixje"'})
        token = self.tokens.get(value.strip())
        if token is None:
            raise Unauthorized("The access token is invalid.", headers={
                "WWW-Authenticate": 'Bearer realm="fixje", error="invalid_token", '
                                    'error_description="The access token is invalid"'})
        if token.expires_at <= self.world.clock.now():
            raise Unauthorized("The access token expired.", headers={
                "WWW-Authenticate": 'Bearer realm="fixje", error="invalid_token", '
                                    'error_description="The access token expired"'})
        return token.partner
