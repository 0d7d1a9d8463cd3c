"""OAuth 2.0 client credentials at /api/v1/login, and bearer tokens on every other call."""

from __future__ import annotations

import base64
import heapq
import itertools
import json
import re
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, unquote_plus

from starlette.requests import Request

from sandbox.errors import BadRequest, Unauthorized
from sandbox.fixje.world import FixjeWorld, Partner
from sandbox.spec.router import Call, Reply
from sandbox.world import entropy

TOKEN_LIFETIME = 3600
TOKENS_PER_CLIENT = 100
"""The most live tokens one client holds: a login beyond it ends the client's oldest token."""
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True)
class Token:
    partner: Partner
    expires_at: datetime


class Tokens:
    """The live access tokens, by value, by client (oldest first) and by expiry (a heap), so that
    issuing, finding and forgetting the expired cost the same however many tokens there are."""

    def __init__(self) -> None:
        self.by_key: dict[str, Token] = {}
        self.by_client: dict[str, OrderedDict[str, None]] = {}
        # (expires_at, number, key, token); an entry whose token was revoked or expired early
        # stays until it comes up or the heap is rebuilt (when most of it is such entries)
        self.expiry: list[tuple[datetime, int, str, Token]] = []
        self.numbers = itertools.count()

    def __len__(self) -> int:
        return len(self.by_key)

    def get(self, key: str) -> Token | None:
        return self.by_key.get(key)

    def clear(self) -> None:
        self.by_key.clear()
        self.by_client.clear()
        self.expiry.clear()

    def issue(self, partner: Partner, now: datetime) -> str:
        """A new token of `partner`, after forgetting every expired one and, past
        TOKENS_PER_CLIENT, the partner's oldest."""
        self.forget_expired(now)
        held = self.by_client.get(partner.client_id, OrderedDict())
        while len(held) >= TOKENS_PER_CLIENT:
            self.revoke(next(iter(held)))
        key = entropy.token_urlsafe(32)
        self._put(key, Token(partner, now + timedelta(seconds=TOKEN_LIFETIME)))
        self.by_client.setdefault(partner.client_id, OrderedDict())[key] = None
        return key

    def of_client(self, client_id: str) -> list[str]:
        return list(self.by_client.get(client_id, ()))

    def revoke(self, key: str) -> None:
        token = self.by_key.pop(key)
        held = self.by_client[token.partner.client_id]
        del held[key]
        if not held:
            del self.by_client[token.partner.client_id]
        self._compact()

    def expire(self, key: str, now: datetime) -> None:
        """End the token at `now`; it keeps its place among its client's."""
        self._put(key, Token(self.by_key[key].partner, now))

    def forget_expired(self, now: datetime) -> None:
        while self.expiry and self.expiry[0][0] <= now:
            _, _, key, token = heapq.heappop(self.expiry)
            if self.by_key.get(key) is token:
                self.revoke(key)

    def kept(self) -> list[list[str]]:
        """The live tokens in the order they were issued: [key, client id, expiry], for a durable
        sandbox's snapshot."""
        return [
            [key, token.partner.client_id, token.expires_at.isoformat()] for key, token in self.by_key.items()
        ]

    def resume(self, kept: list[list[str]], world: FixjeWorld) -> None:
        """The tokens `kept` gave, of `world`'s partners, in place of these."""
        self.clear()
        for key, client_id, expires_at in kept:
            partner = world.partner_by_client(client_id)
            if partner is not None:
                self._put(key, Token(partner, datetime.fromisoformat(expires_at)))
                self.by_client.setdefault(client_id, OrderedDict())[key] = None

    def _put(self, key: str, token: Token) -> None:
        self.by_key[key] = token
        heapq.heappush(self.expiry, (token.expires_at, next(self.numbers), key, token))
        self._compact()

    def _compact(self) -> None:
        """Rebuild the heap from the live tokens once it holds more stale entries than live ones
        (each stale entry is paid for by the revoke or expire that left it)."""
        if len(self.expiry) > 2 * len(self.by_key) + 64:
            self.expiry = [
                (token.expires_at, next(self.numbers), key, token) for key, token in self.by_key.items()
            ]
            heapq.heapify(self.expiry)


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """The (id, secret) of an HTTP Basic header (RFC 6749 2.3.1), None when there is none.

    Raises Unauthorized for a Basic header that cannot be decoded."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeDecodeError, or a header that is not ASCII
        raise Unauthorized(
            "The Basic authorization header is malformed.",
            code="invalid_client",
            headers={"WWW-Authenticate": 'Basic realm="fixje"'},
        ) from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise Unauthorized(
            "The Basic authorization header has no ':' between id and secret.",
            code="invalid_client",
            headers={"WWW-Authenticate": 'Basic realm="fixje"'},
        )
    return unquote_plus(client_id), unquote_plus(secret)


class OAuth:
    """The token endpoint and the bearer tokens of the live world (`world()`); a new world (a
    reset, an import) starts with none."""

    def __init__(self, world: Callable[[], FixjeWorld]) -> None:
        self.world = world
        self._tokens = Tokens()
        self._seen: FixjeWorld | None = None
        # an unknown client's secret is compared with this, so that it costs what a known one does
        self.no_secret = secrets.token_urlsafe(24).encode()

    @property
    def tokens(self) -> Tokens:
        """The live world's tokens: a new world (a reset, an import) starts with none."""
        world = self.world()
        if world is not self._seen:
            self._tokens, self._seen = Tokens(), world
        return self._tokens

    def login(self, call: Call) -> Reply:
        form: dict[str, str] = call.body
        basic = basic_credentials(call.request.headers.get("authorization"))
        if basic and ("client_id" in form or "client_secret" in form):
            raise BadRequest(
                "Send the client credentials either in the Authorization header or in the body, not both.",
                code="invalid_request",
            )
        client_id, secret = basic or (form.get("client_id"), form.get("client_secret"))
        for name, value in (("client_id", client_id), ("client_secret", secret)):
            if not value and not basic:
                raise BadRequest(f"The {name} parameter is missing.", code="invalid_request")
        partner = self.world().partner_by_client(client_id or "")
        expected = partner.client_secret.encode() if partner is not None else self.no_secret
        matches = secrets.compare_digest(expected, (secret or "").encode())
        if partner is None or not matches:
            headers = {"WWW-Authenticate": 'Basic realm="fixje"'} if basic else {}
            raise Unauthorized(
                "Client authentication failed: unknown client or wrong secret.",
                code="invalid_client",
                headers=headers,
            )
        grant = form["grant_type"]
        if grant != "client_credentials":
            raise BadRequest(
                f"The grant type {grant!r} is not supported; use client_credentials.",
                code="unsupported_grant_type",
            )
        token = self.tokens.issue(partner, self.world().clock.now())
        body = {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME}
        return Reply(body, headers=dict(NO_STORE))

    def matching(self, token: str | None, client_id: str | None) -> list[str]:
        """The tokens named: one token, or all of one client's."""
        keys = [token] if token is not None and self.tokens.get(token) is not None else []
        if client_id is not None:
            keys += [key for key in self.tokens.of_client(client_id) if key != token]
        return keys

    def revoke(self, keys: list[str]) -> None:
        for key in keys:
            self.tokens.revoke(key)

    def expire(self, keys: list[str]) -> None:
        now = self.world().clock.now()
        for key in keys:
            self.tokens.expire(key, now)

    def claimant(self, request: Request, body: bytes) -> str | None:
        """The client a request without a partner names: a sign-in's client id (in its
        Authorization header or its body), or the partner of a bearer token that expired; None
        when it names no partner."""
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            token = self.tokens.get(value.strip())
            return token.partner.client_id if token is not None else None
        try:
            basic = basic_credentials(header)
        except Unauthorized:
            return None
        client_id = basic[0] if basic else client_id_in(body)
        partner = self.world().partner_by_client(client_id) if client_id else None
        return partner.client_id if partner is not None else None

    def authenticate(self, request: Request) -> Partner:
        """The partner whose bearer token the request carries."""
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized(
                "A bearer token is required: Authorization: Bearer <access_token>.",
                headers={"WWW-Authenticate": 'Bearer realm="fixje"'},
            )
        token = self.tokens.get(value.strip())
        if token is None:
            raise Unauthorized(
                "The access token is invalid.",
                headers={
                    "WWW-Authenticate": 'Bearer realm="fixje", error="invalid_token", '
                    'error_description="The access token is invalid"'
                },
            )
        if token.expires_at <= self.world().clock.now():
            raise Unauthorized(
                "The access token expired.",
                headers={
                    "WWW-Authenticate": 'Bearer realm="fixje", error="invalid_token", '
                    'error_description="The access token expired"'
                },
            )
        return token.partner


SIGN_IN_BYTES = 4096
MULTIPART_CLIENT = re.compile(rb'name="client_id"\r\n\r\n([^\r]{1,200})\r\n')


def client_id_in(body: bytes) -> str | None:
    """The `client_id` of a sign-in's body (a form, multipart or JSON), if it has one; a body
    longer than a sign-in's is not read again."""
    if len(body) > SIGN_IN_BYTES:
        return None
    if body.lstrip()[:1] == b"{":
        try:
            found = json.loads(body).get("client_id")
        except (ValueError, AttributeError, RecursionError):
            return None
        return found if isinstance(found, str) else None
    multipart = MULTIPART_CLIENT.search(body)
    if multipart is not None:
        return multipart.group(1).decode("utf-8", "replace")
    return next(iter(parse_qs(body.decode("utf-8", "replace")).get("client_id", [])), None)
