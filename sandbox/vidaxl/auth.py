"""HTTP Basic: the customer's e-mail and API token."""

from __future__ import annotations

import base64
import secrets

from starlette.requests import Request

from sandbox.errors import Unauthorized
from sandbox.vidaxl.world import Customer, VidaxlWorld

CHALLENGE = {"WWW-Authenticate": 'Basic realm="Application"'}
DENIED = "HTTP Basic: Access denied."
NO_TOKEN = secrets.token_urlsafe(24).encode()
"""What an unknown account's token is compared with, so that it costs what a known one does."""


def claimant(world: VidaxlWorld, request: Request) -> str | None:
    """The e-mail of the customer a refused request names in its credentials, if there is one."""
    header = request.headers.get("authorization", "")
    if header[:6].lower() != "basic ":
        return None
    try:
        email = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")[0]
    except ValueError:
        return None
    customer = world.customer_by_email(email)
    return customer.email if customer is not None else None


def authenticate(world: VidaxlWorld, request: Request) -> Customer:
    """The customer whose credentials the request carries; 401 for anything else."""
    header = request.headers.get("authorization", "")
    if header[:6].lower() != "basic ":
        raise Unauthorized(DENIED, headers=CHALLENGE)
    try:
        email, colon, token = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
    except ValueError:  # binascii.Error, UnicodeDecodeError, or a header that is not ASCII
        raise Unauthorized(DENIED, headers=CHALLENGE) from None
    customer = world.customer_by_email(email) if colon else None
    expected = customer.token.encode() if customer is not None else NO_TOKEN
    matches = secrets.compare_digest(expected, token.encode())
    if customer is None or not matches:
        raise Unauthorized(DENIED, headers=CHALLENGE)
    if not customer.api_enabled:
        raise Unauthorized(DENIED, headers=CHALLENGE)
    return customer
