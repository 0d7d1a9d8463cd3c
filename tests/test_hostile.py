"""Hostile input to the Fixje, vidaXL and control APIs, beyond tests/test_http_limits.py and the two
bad-input tables: nesting deep enough to break a recursive parser, bytes that are not UTF-8 (and
lone surrogates) in bodies, queries and headers, huge query strings, garbage and oversized
credentials, path traversal in ids, wrong and missing content types. Each is refused with a 4xx in
the API's own error shape that names the field or the problem, never a 500, and changes nothing.
What a test client cannot send goes over a socket to a real server."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from starlette.testclient import TestClient

from tests.helpers import FIXJE_DEMO, VIDAXL_DEMO, assert_problem, basic, login, login_form, make_app, runtime
from tests.live import Server, serve

JSON_TYPE = "application/json; charset=utf-8"
LOGIN = "/api/v1/login"
ORDERS = "/api/v1/orders"
VX_ORDERS = "/api_customer/orders"
VX_LIST = "/api_customer/orders.json"
VX_PRODUCTS = "/api_customer/products.json"
CLOCK = "/_sandbox/clock"
TENANTS = "/_sandbox/tenants"
STATE = "/_sandbox/state"
REQUESTS = "/_sandbox/requests"
REVOKE = "/_sandbox/fixje/tokens/revoke"
VX_EVENTS = "/_sandbox/vidaxl/orders/70001/events"
UUID = "5d1a3c9e-0000-4000-8000-000000000000"
FX_EVENTS = f"/_sandbox/fixje/orders/{UUID}/events"
VX_EVENT_ID = "/_sandbox/vidaxl/orders/{}/events"

Headers = dict[str, str | bytes]
JSON: Headers = {"Content-Type": "application/json"}
FORM: Headers = {"Content-Type": "application/x-www-form-urlencoded"}
BOUNDARY = "hostile-boundary"
MULTIPART: Headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
DEEP_ARRAYS = b"[" * 100_000
DEEP_OBJECTS = b'{"a":' * 100_000
CONTROL_ERRORS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
}
# A valid vidaXL order but for the product code, a JSON literal that a case puts in for @@.
VX_BODY = (
    b'{"customer_order_reference": "HOSTILE-1", "addressbook": {"address": "Hauptstrasse 5", '
    b'"city": "Berlin", "postal_code": "10115", "country": "DE", "name": "Jonas Weber", '
    b'"phone": "+49 30 1234567"}, "order_products": [{"product_code": @@, "quantity": 1}]}'
)
VX_VALID = VX_BODY.replace(b"@@", b'"146400"')
PAY = b'{"event": "pay"}'


def nested(depth: int) -> bytes:
    """Arrays `depth` deep: deep, but not so deep that the JSON parser gives up."""
    return b"[" * depth + b"]" * depth


def basic_bytes(raw: bytes) -> str:
    return "Basic " + base64.b64encode(raw).decode()


def multipart(**fields: bytes) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
        for name, value in fields.items()
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def many(count: int, template: str) -> str:
    return "&".join(template.format(i) for i in range(count))


def wire(headers: Headers) -> list[tuple[bytes, bytes]]:
    """Headers as bytes, so that values that are not ASCII go out as they are."""
    return [
        (name.encode(), value if isinstance(value, bytes) else value.encode())
        for name, value in headers.items()
    ]


def credentials(path: str, bearer: str) -> Headers:
    """What a case sends unless it sends an Authorization header of its own: the demo partner's
    token to Fixje, the demo customer's Basic credentials to vidaXL, nothing to the rest."""
    if path.startswith("/api/v1/") and not path.startswith(LOGIN):
        return {"Authorization": bearer}
    if path.startswith("/api_customer"):
        return {"Authorization": basic(*VIDAXL_DEMO)}
    return {}


def fixje_snapshot(client: TestClient, bearer: str) -> tuple[int, list[int]]:
    """What `snapshot` in helpers reads, in two small pages: the partner's order count and the
    first product's stock quantities, as Fixje shows them."""
    orders = client.get(ORDERS, params={"pagesize": 1}, headers={"Authorization": bearer})
    product = client.get("/api/v1/products", params={"pageSize": 1}, headers={"Authorization": bearer})
    assert (orders.status_code, product.status_code) == (200, 200)
    stocks = product.json()["data"][0]["stocks"]
    return orders.json()["totalCount"], [stock["quantity"] for stock in stocks]


def vidaxl_snapshot(client: TestClient, auth: tuple[str, str] = VIDAXL_DEMO) -> tuple[int, str]:
    """The customer's new (Temporary) orders and the first product's stock, as vidaXL shows them."""
    orders = client.get(VX_LIST, params={"status_order_id_eq": 1}, auth=auth)
    product = client.get(VX_PRODUCTS, params={"limit": 1}, auth=auth)
    assert (orders.status_code, product.status_code) == (200, 200)
    return len(orders.json()), product.json()["data"][0]["quantity"]


@dataclass
class Shared:
    """One app for every case, and the demo partner's token: each refusal must leave the app as it
    found it, which each case checks."""

    client: TestClient
    bearer: str = ""

    def recover(self) -> None:
        """Back to the seeded state with a fresh token, so that a case that changed something
        fails alone and not every case after it."""
        self.client.post("/_sandbox/reset")
        self.bearer = f"Bearer {login(self.client)}"


def observe(shared: Shared) -> tuple[Any, ...]:
    """What a refused request must leave as it was: the demo accounts' order counts and stock as
    the two APIs show them, and the whole exported state (but the generator of ProblemDetails trace
    ids, which every refusal draws from). The state is the runtime's export as GET /_sandbox/state
    answers it, read without the request: checking that answer against the spec takes a tenth of a
    second, twice a case, and is the business of the state's own tests."""
    snapshots = fixje_snapshot(shared.client, shared.bearer), vidaxl_snapshot(shared.client)
    state = json.loads(json.dumps(runtime(shared.client).export()))
    del state["fixje"]["traces"]
    return state, *snapshots


@contextmanager
def unchanged(shared: Shared) -> Iterator[None]:
    """The block leaves what `observe` sees as it was."""
    before = observe(shared)
    try:
        yield
        assert observe(shared) == before
    except BaseException:
        shared.recover()
        raise


def assert_refused(response: Any, status: int, field: str | None, fragment: str) -> None:
    """`status` in the error shape of the API the request went to; `field` (for the token endpoint:
    the OAuth error code) is named, with a message that holds `fragment`."""
    path = response.request.url.path
    assert response.status_code == status, response.text
    challenge = response.headers.get("www-authenticate")
    if path.startswith(LOGIN):
        assert response.headers["content-type"] == JSON_TYPE
        body = response.json()
        assert set(body) == {"error", "error_description"} and body["error"] == field, body
        messages = [body["error_description"]]
        basic_sent = response.request.headers.get("authorization", "").lower().startswith("basic ")
        assert (challenge or "").startswith("Basic" if basic_sent and status == 401 else ""), challenge
    elif path.startswith("/api/v1/"):
        problem = assert_problem(response, status)
        messages = problem["errors"][field] if field else [problem.get("detail", problem["title"])]
        assert status != 401 or (challenge or "").startswith('Bearer realm="fixje"'), challenge
    elif path.startswith(("/api_customer/", "/api_customers/")):
        assert response.headers["content-type"] == JSON_TYPE
        body = response.json()
        assert set(body) <= {"error", "errors"} and body["error"].strip(), body
        messages = body["errors"][field] if field else [body["error"]]
        assert status != 401 or challenge == 'Basic realm="Application"', challenge
    else:
        assert response.headers["content-type"] == JSON_TYPE
        body = response.json()
        assert set(body) <= {"error", "message", "errors"}, body
        assert body["error"] == CONTROL_ERRORS[status], body
        messages = body["errors"][field] if field else [body["message"]]
        assert status != 401 or challenge == 'Bearer realm="sandbox"', challenge
    assert any(fragment in message for message in messages), (fragment, messages)


@pytest.fixture(scope="module")
def shared() -> Iterator[Shared]:
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        sandbox = Shared(client)
        sandbox.recover()
        yield sandbox


# id, method, path, headers (credentials are added unless given), body, status, field (for the
# token endpoint: the OAuth error code), a fragment of its message.
Case = tuple[str, str, str, Headers, bytes | None, int, str | None, str]
TOO_DEEP = "nested too deeply"

NESTING: list[Case] = [
    ("login, 100000 [", "POST", LOGIN, JSON, DEEP_ARRAYS, 400, "invalid_request", TOO_DEEP),
    ("login, 100000 objects", "POST", LOGIN, JSON, DEEP_OBJECTS, 400, "invalid_request", TOO_DEEP),
    (
        "login, client_id 500 deep",
        "POST",
        LOGIN,
        JSON,
        b'{"grant_type": "client_credentials", "client_id": ' + nested(500) + b', "client_secret": "x"}',
        400,
        "invalid_request",
        "client_id: Expected a string, got an array",
    ),
    (
        "Fixje order, orderItems 100000 deep",
        "POST",
        ORDERS,
        JSON,
        b'{"orderItems": ' + DEEP_ARRAYS,
        400,
        "$",
        TOO_DEEP,
    ),
    (
        "Fixje order, reference 500 deep",
        "POST",
        ORDERS,
        JSON,
        b'{"reference": ' + nested(500) + b"}",
        400,
        "reference",
        "Expected a string or null, got an array",
    ),
    ("vidaXL order, 100000 [", "POST", VX_ORDERS, JSON, DEEP_ARRAYS, 400, "$", TOO_DEEP),
    ("vidaXL order.json, 100000 objects", "POST", VX_LIST, JSON, DEEP_OBJECTS, 400, "$", TOO_DEEP),
    (
        "vidaXL order, order_products 100000 deep",
        "POST",
        VX_ORDERS,
        JSON,
        b'{"order_products": ' + DEEP_ARRAYS,
        400,
        "$",
        TOO_DEEP,
    ),
    (
        "vidaXL order, product_code 500 deep",
        "POST",
        VX_ORDERS,
        JSON,
        VX_BODY.replace(b"@@", nested(500)),
        400,
        "order_products[0].product_code",
        "Expected a string or an integer, got an array",
    ),
    ("control clock, 100000 [", "POST", CLOCK, JSON, DEEP_ARRAYS, 400, "$", TOO_DEEP),
    ("control tenant, 100000 objects", "POST", TENANTS, JSON, DEEP_OBJECTS, 400, "$", TOO_DEEP),
    ("control event, 100000 [", "POST", VX_EVENTS, JSON, DEEP_ARRAYS, 400, "$", TOO_DEEP),
    (
        "control event, items 500 deep",
        "POST",
        FX_EVENTS,
        JSON,
        b'{"event": "ship", "items": {"FX100001": ' + nested(500) + b"}}",
        400,
        "items.FX100001",
        "Expected an integer, got an array",
    ),
    ("control token revoke, 100000 objects", "POST", REVOKE, JSON, DEEP_OBJECTS, 400, "$", TOO_DEEP),
    ("control state import, 100000 [", "PUT", STATE, JSON, DEEP_ARRAYS, 400, "$", TOO_DEEP),
]

NOT_UTF8 = "not valid UTF-8"
SURROGATE = "lone surrogate"

NOT_UNICODE: list[Case] = [
    (
        "login JSON not UTF-8",
        "POST",
        LOGIN,
        JSON,
        b'{"grant_type": "client_credentials", "client_id": "\xff\xfe", "client_secret": "x"}',
        400,
        "invalid_request",
        "The body is not valid UTF-8 (byte 51).",
    ),
    (
        "login JSON with a lone surrogate",
        "POST",
        LOGIN,
        JSON,
        b'{"grant_type": "client_credentials", "client_id": "\\ud800", "client_secret": "x"}',
        400,
        "invalid_request",
        SURROGATE,
    ),
    (
        "login form, raw bytes not UTF-8",
        "POST",
        LOGIN,
        FORM,
        b"grant_type=client_credentials&client_id=\xff\xfe&client_secret=x",
        400,
        "invalid_request",
        "The form body is not valid UTF-8.",
    ),
    (
        "login form, an overlong '/'",
        "POST",
        LOGIN,
        FORM,
        b"grant_type=client_credentials&client_id=%C0%AF&client_secret=x",
        400,
        "invalid_request",
        "The form body is not valid UTF-8.",
    ),
    # Starlette reads a multipart value that is not UTF-8 as Latin-1: no such client.
    (
        "login multipart, a value not UTF-8",
        "POST",
        LOGIN,
        MULTIPART,
        multipart(grant_type=b"client_credentials", client_id=b"\xff\xfe", client_secret=b"x"),
        401,
        "invalid_client",
        "unknown client or wrong secret",
    ),
    (
        "login multipart, garbage",
        "POST",
        LOGIN,
        MULTIPART,
        b"\xff\xfe\x00garbage",
        400,
        "invalid_request",
        "The multipart body is malformed",
    ),
    (
        "login multipart without a boundary",
        "POST",
        LOGIN,
        {"Content-Type": "multipart/form-data"},
        b"garbage",
        400,
        "invalid_request",
        "Missing boundary",
    ),
    (
        "Fixje order, an overlong '/'",
        "POST",
        ORDERS,
        JSON,
        b'{"reference": "\xc0\xaf"}',
        400,
        "$",
        "The body is not valid UTF-8 (byte 15).",
    ),
    (
        "Fixje order, reference with a lone surrogate",
        "POST",
        ORDERS,
        JSON,
        b'{"reference": "PO-\\udc80"}',
        400,
        "reference",
        SURROGATE,
    ),
    (
        "Fixje order, a key with a lone surrogate",
        "POST",
        ORDERS,
        JSON,
        b'{"orderItems": [{"\\ud800": 1}]}',
        400,
        "orderItems[0]",
        SURROGATE,
    ),
    (
        "vidaXL order in UTF-16",
        "POST",
        VX_ORDERS,
        JSON,
        '{"comments_customer": "x"}'.encode("utf-16"),
        400,
        "$",
        "The body is not valid UTF-8 (byte 0).",
    ),
    (
        "vidaXL order, an overlong '../'",
        "POST",
        VX_ORDERS,
        JSON,
        b'{"comments_customer": "\xc0\xae\xc0\xae\xc0\xaf"}',
        400,
        "$",
        NOT_UTF8,
    ),
    (
        "vidaXL order, product_code with a lone surrogate",
        "POST",
        VX_ORDERS,
        JSON,
        VX_BODY.replace(b"@@", b'"\\udfff"'),
        400,
        "order_products[0].product_code",
        SURROGATE,
    ),
    (
        "vidaXL order.json, an unknown field with a lone surrogate",
        "POST",
        VX_LIST,
        JSON,
        VX_BODY.replace(b"@@", b'"146400", "x": "\\ud83d"'),
        400,
        "order_products[0].x",
        SURROGATE,
    ),
    (
        "control tenant name not UTF-8",
        "POST",
        TENANTS,
        JSON,
        b'{"api": "fixje", "name": "\xff"}',
        400,
        "$",
        "The body is not valid UTF-8 (byte 26).",
    ),
    (
        "control tenant name with a lone surrogate",
        "POST",
        TENANTS,
        JSON,
        b'{"api": "vidaxl", "name": "\\ud800"}',
        400,
        "name",
        SURROGATE,
    ),
    (
        "control clock in UTF-16",
        "POST",
        CLOCK,
        JSON,
        '{"advance": "P1D"}'.encode("utf-16"),
        400,
        "$",
        NOT_UTF8,
    ),
    (
        "control event, trackingNumber with a lone surrogate",
        "POST",
        VX_EVENTS,
        JSON,
        b'{"event": "ship", "trackingNumbers": ["\\udc00"]}',
        400,
        "trackingNumbers[0]",
        SURROGATE,
    ),
    ("control state import not UTF-8", "PUT", STATE, JSON, b'{"format": "\xfe"}', 400, "$", NOT_UTF8),
]

ONLY_JSON = "Expected one of: application/json."
FORM_REFUSED = "a body a web form can send is refused"

CONTENT_TYPES: list[Case] = [
    (
        "login as XML",
        "POST",
        LOGIN,
        {"Content-Type": "application/xml"},
        b"<login/>",
        415,
        "invalid_request",
        "'application/xml' is not supported",
    ),
    (
        "login without Content-Type",
        "POST",
        LOGIN,
        {},
        b"grant_type=client_credentials",
        415,
        "invalid_request",
        "'none' is not supported",
    ),
    (
        "login JSON in Latin-1",
        "POST",
        LOGIN,
        {"Content-Type": "application/json; charset=latin-1"},
        b'{"grant_type": "client_credentials"}',
        415,
        "invalid_request",
        "send UTF-8",
    ),
    (
        "Fixje order, Content-Type ;;;=;",
        "POST",
        ORDERS,
        {"Content-Type": ";;;=;"},
        b"{}",
        415,
        "Content-Type",
        ONLY_JSON,
    ),
    (
        "Fixje order, a charset without a value",
        "POST",
        ORDERS,
        {"Content-Type": "application/json; charset"},
        b"{}",
        415,
        "Content-Type",
        "send UTF-8",
    ),
    (
        "Fixje order, Content-Type not UTF-8",
        "POST",
        ORDERS,
        {"Content-Type": b"application/json\xff"},
        b"{}",
        415,
        "Content-Type",
        ONLY_JSON,
    ),
    (
        "Fixje order, Content-Type of 8 KiB",
        "POST",
        ORDERS,
        {"Content-Type": "application/" + "x" * 8192},
        b"{}",
        415,
        "Content-Type",
        ONLY_JSON,
    ),
    ("vidaXL order without Content-Type", "POST", VX_ORDERS, {}, b"{}", 415, "Content-Type", ONLY_JSON),
    (
        "vidaXL order as a form",
        "POST",
        VX_LIST,
        FORM,
        b"order_products=146400",
        415,
        "Content-Type",
        ONLY_JSON,
    ),
    (
        "vidaXL order as multipart",
        "POST",
        VX_ORDERS,
        MULTIPART,
        multipart(order=VX_VALID),
        415,
        "Content-Type",
        ONLY_JSON,
    ),
    (
        "vidaXL order, JSON in UTF-16",
        "POST",
        VX_ORDERS,
        {"Content-Type": "application/json; charset=utf-16"},
        VX_VALID,
        415,
        "Content-Type",
        "send UTF-8",
    ),
    (
        "control tenant without Content-Type",
        "POST",
        TENANTS,
        {},
        b'{"api": "fixje"}',
        415,
        "Content-Type",
        ONLY_JSON,
    ),
    # what a web form can send never reaches the control API (sandbox/guard.py)
    (
        "control clock as text/plain",
        "POST",
        CLOCK,
        {"Content-Type": "text/plain"},
        b'{"advance": "P1D"}',
        403,
        None,
        FORM_REFUSED,
    ),
    ("control event as a form", "POST", VX_EVENTS, FORM, b"event=cancel", 403, None, FORM_REFUSED),
    (
        "control token revoke as multipart",
        "POST",
        REVOKE,
        MULTIPART,
        multipart(clientId=FIXJE_DEMO[0].encode()),
        403,
        None,
        FORM_REFUSED,
    ),
    (
        "control state import in Latin-1",
        "PUT",
        STATE,
        {"Content-Type": "application/json; charset=latin-1"},
        b"{}",
        415,
        "Content-Type",
        "send UTF-8",
    ),
]

ARABIC_TWO = "%D9%A2"  # U+0662: a decimal digit to Python's \d and int(), not to an HTTP API
QUERIES: list[Case] = [
    ("Fixje page not UTF-8", "GET", f"{ORDERS}?page=%FF", {}, None, 400, "page", "is not valid for page"),
    (
        "Fixje page of 64000 digits",
        "GET",
        f"{ORDERS}?page=" + "9" * 64_000,
        {},
        None,
        400,
        "page",
        "is not valid for page",
    ),
    (
        "Fixje page=0 after 5000 parameters",
        "GET",
        f"{ORDERS}?{many(5000, 'p{}=1')}&page=0",
        {},
        None,
        400,
        "page",
        "must be at least 1",
    ),
    (
        "vidaXL id_eq not UTF-8",
        "GET",
        f"{VX_LIST}?id_eq=%FF",
        {},
        None,
        400,
        "id_eq",
        "is not valid for id_eq",
    ),
    (
        "vidaXL id_eq of 64000 digits",
        "GET",
        f"{VX_LIST}?id_eq=" + "7" * 64_000,
        {},
        None,
        400,
        "id_eq",
        "is not valid for id_eq",
    ),
    (
        "vidaXL 3000 id_in[]",
        "GET",
        f"{VX_PRODUCTS}?{many(3000, 'id_in[]=12000')}",
        {},
        None,
        400,
        "id_in[]",
        "must have at most 500 items",
    ),
    (
        "vidaXL submitted_at_gteq not UTF-8",
        "GET",
        f"{VX_LIST}?submitted_at_gteq=2026-11-0%FF",
        {},
        None,
        400,
        "submitted_at_gteq",
        "is not valid for submitted_at_gteq",
    ),
    (
        "control status not UTF-8",
        "GET",
        f"{REQUESTS}?status=%FF",
        {},
        None,
        400,
        "status",
        "is not valid for status",
    ),
    (
        "control path filter of 64000 bytes",
        "GET",
        f"{REQUESTS}?path=" + "p" * 64_000,
        {},
        None,
        400,
        "path",
        "must be at most 500 characters long",
    ),
]
QUERIES_UNICODE: list[Case] = [
    (
        "Fixje page in Arabic-Indic digits",
        "GET",
        f"{ORDERS}?page={ARABIC_TWO}",
        {},
        None,
        400,
        "page",
        "is not valid for page",
    ),
    (
        "vidaXL limit in Arabic-Indic digits",
        "GET",
        f"{VX_PRODUCTS}?limit={ARABIC_TWO}",
        {},
        None,
        400,
        "limit",
        "is not valid for limit",
    ),
    (
        "control status in Arabic-Indic digits",
        "GET",
        f"{REQUESTS}?status={ARABIC_TWO * 3}",
        {},
        None,
        400,
        "status",
        "is not valid for status",
    ),
]

BEARER_REQUIRED = "A bearer token is required"
INVALID_TOKEN = "The access token is invalid."
MALFORMED = "The Basic authorization header is malformed."
UNKNOWN_CLIENT = "unknown client or wrong secret"
NO_CLIENT_ID = "The client_id parameter is missing."
DENIED = "HTTP Basic: Access denied."
NEGOTIATE = "Negotiate YIIBhwYGKwYBBQUCoIIBezCCAXeg"
GRANT = b"grant_type=client_credentials"


def bearer_case(name: str, authorization: str | bytes, message: str) -> Case:
    return (f"Fixje: {name}", "GET", ORDERS, {"Authorization": authorization}, None, 401, None, message)


def login_case(name: str, authorization: str | bytes, status: int, error: str, message: str) -> Case:
    return (
        f"login: {name}",
        "POST",
        LOGIN,
        {**FORM, "Authorization": authorization},
        GRANT,
        status,
        error,
        message,
    )


def basic_case(name: str, authorization: str | bytes, path: str = VX_LIST) -> Case:
    return (f"vidaXL: {name}", "GET", path, {"Authorization": authorization}, None, 401, None, DENIED)


CREDENTIALS: list[Case] = [
    bearer_case("Bearer without a token", "Bearer", BEARER_REQUIRED),
    bearer_case("Bearer and two tokens", "Bearer abc def", INVALID_TOKEN),
    bearer_case("a token with control characters", "Bearer abc\x01\x7fdef", INVALID_TOKEN),
    bearer_case("a token not UTF-8", b"Bearer \xff\xfe", INVALID_TOKEN),
    bearer_case("a token of 16 KiB", "Bearer " + "a" * 16_384, INVALID_TOKEN),
    bearer_case("Digest", 'Digest username="x", nonce="1", response="0"', BEARER_REQUIRED),
    bearer_case("Negotiate", NEGOTIATE, BEARER_REQUIRED),
    bearer_case("the client credentials as Basic", basic(*FIXJE_DEMO), BEARER_REQUIRED),
    (
        "Fixje: a token of 64 KiB on a create",
        "POST",
        ORDERS,
        {"Authorization": "Bearer " + "a" * 65_536, **JSON},
        b"{}",
        401,
        None,
        INVALID_TOKEN,
    ),
    login_case("Basic without credentials", "Basic", 400, "invalid_request", NO_CLIENT_ID),
    login_case("Basic of bytes not UTF-8", basic_bytes(b"\xff\xfe:\xff"), 401, "invalid_client", MALFORMED),
    login_case("a Basic header not ASCII", b"Basic \xff\xfe", 401, "invalid_client", MALFORMED),
    login_case(
        "Basic with a NUL after the secret",
        basic(FIXJE_DEMO[0], FIXJE_DEMO[1] + "\x00"),
        401,
        "invalid_client",
        UNKNOWN_CLIENT,
    ),
    login_case(
        "Basic with control characters in the id",
        basic(FIXJE_DEMO[0] + "\x1b[2J", FIXJE_DEMO[1]),
        401,
        "invalid_client",
        UNKNOWN_CLIENT,
    ),
    login_case("Basic of 16 KiB", basic("a" * 16_384, "b"), 401, "invalid_client", UNKNOWN_CLIENT),
    login_case("Digest is no credentials", "Digest username=x", 400, "invalid_request", NO_CLIENT_ID),
    basic_case("Basic without credentials", "Basic"),
    basic_case("Basic of bytes not UTF-8", basic_bytes(b"\xff\xfe:\xff")),
    basic_case("a Basic header not ASCII", b"Basic \xff\xfe"),
    basic_case("Basic with control characters", "Basic \x01\x02\x03"),
    basic_case("a NUL after the token", basic(VIDAXL_DEMO[0], VIDAXL_DEMO[1] + "\x00")),
    basic_case("a NUL in the e-mail", basic(f"{VIDAXL_DEMO[0]}\x00x", VIDAXL_DEMO[1]), VX_PRODUCTS),
    basic_case("Basic of 16 KiB", basic("a" * 16_384, "b")),
    basic_case("Digest", f'Digest username="{VIDAXL_DEMO[0]}"'),
    basic_case("Negotiate", NEGOTIATE, VX_PRODUCTS),
    (
        "vidaXL: a Basic header not ASCII on a create",
        "POST",
        VX_ORDERS,
        {"Authorization": b"Basic " + b"\xe9" * 100, **JSON},
        VX_VALID,
        401,
        None,
        DENIED,
    ),
    (
        "vidaXL: Basic of 64 KiB on a create",
        "POST",
        VX_ORDERS,
        {"Authorization": basic(VIDAXL_DEMO[0], "t" * 65_536), **JSON},
        VX_VALID,
        401,
        None,
        DENIED,
    ),
]

NO_UUID = "is not a valid UUID"

PATHS: list[Case] = [
    (
        "Fixje order id ../../etc/passwd, encoded",
        "GET",
        f"{ORDERS}/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        {},
        None,
        404,
        None,
        "No resource at /api/v1/orders/../../etc/passwd.",
    ),
    (
        "Fixje order id ..\\..\\",
        "GET",
        f"{ORDERS}/..%5C..%5Cwindows%5Cwin.ini",
        {},
        None,
        400,
        "orderId",
        NO_UUID,
    ),
    ("Fixje order id, a UUID and a NUL", "GET", f"{ORDERS}/{UUID}%00", {}, None, 400, "orderId", NO_UUID),
    ("Fixje order id, a UUID and ;", "GET", f"{ORDERS}/{UUID};rm%20-rf", {}, None, 400, "orderId", NO_UUID),
    ("Fixje order id, a UUID in braces", "GET", f"{ORDERS}/%7B{UUID}%7D", {}, None, 400, "orderId", NO_UUID),
    (
        "Fixje order id of 10000 hex digits",
        "GET",
        f"{ORDERS}/" + "f" * 10_000,
        {},
        None,
        400,
        "orderId",
        NO_UUID,
    ),
    ("Fixje order id in Unicode", "GET", f"{ORDERS}/%C3%BC%E2%80%AE", {}, None, 400, "orderId", NO_UUID),
    (
        "vidaXL ../ in the path, encoded",
        "GET",
        f"{VX_ORDERS}/..%2F..%2Fetc%2Fpasswd",
        {},
        None,
        404,
        None,
        "No resource at /api_customer/orders/../../etc/passwd.",
    ),
    ("vidaXL orders.json and a NUL", "GET", f"{VX_LIST}%00", {}, None, 404, None, "No resource at"),
    ("vidaXL orders, a NUL, .json", "GET", f"{VX_ORDERS}%00.json", {}, None, 404, None, "No resource at"),
    ("vidaXL id_eq ../1", "GET", f"{VX_LIST}?id_eq=..%2F1", {}, None, 400, "id_eq", "is not valid for id_eq"),
    (
        "vidaXL product_code ../../etc/passwd",
        "POST",
        VX_ORDERS,
        JSON,
        VX_BODY.replace(b"@@", b'"../../etc/passwd"'),
        422,
        "order_products[0].product_code",
        "Product ../../etc/passwd does not exist.",
    ),
    (
        "vidaXL product_code of 10000 characters",
        "POST",
        VX_ORDERS,
        JSON,
        VX_BODY.replace(b"@@", b'"' + b"9" * 10_000 + b'"'),
        422,
        "order_products[0].product_code",
        "does not exist",
    ),
    (
        "control: a Fixje order id with ../",
        "POST",
        "/_sandbox/fixje/orders/..%2F..%2Fetc/events",
        JSON,
        b'{"event": "process"}',
        404,
        None,
        "No resource at /_sandbox/fixje/orders/../../etc/events.",
    ),
    (
        "control: a Fixje order id ...",
        "POST",
        "/_sandbox/fixje/orders/..%2e/events",
        JSON,
        b'{"event": "process"}',
        404,
        None,
        "No Fixje order '...'.",
    ),
    (
        "control: a vidaXL order id NUL",
        "POST",
        VX_EVENT_ID.format("%00"),
        JSON,
        PAY,
        404,
        None,
        "No vidaXL order",
    ),
    (
        "control: a vidaXL order id of 64 digits",
        "POST",
        VX_EVENT_ID.format("9" * 64),
        JSON,
        PAY,
        404,
        None,
        "No vidaXL order",
    ),
    (
        "control: a vidaXL order id of 65 digits",
        "POST",
        VX_EVENT_ID.format("9" * 65),
        JSON,
        PAY,
        400,
        "orderId",
        "must be at most 64 characters long",
    ),
    (
        "control: a vidaXL order id -70001",
        "POST",
        VX_EVENT_ID.format("-70001"),
        JSON,
        PAY,
        404,
        None,
        "No vidaXL order '-70001'.",
    ),
    (
        "control: an api ..",
        "POST",
        "/_sandbox/%2e%2e/orders/1/events",
        JSON,
        PAY,
        400,
        "api",
        "is not one of",
    ),
    (
        "control: a scenario ../../etc/passwd",
        "POST",
        "/_sandbox/scenarios/..%2F..%2Fetc%2Fpasswd",
        {},
        None,
        404,
        None,
        "No resource at /_sandbox/scenarios/../../etc/passwd.",
    ),
    (
        "control: a scenario ...",
        "POST",
        "/_sandbox/scenarios/..%2e",
        {},
        None,
        400,
        "name",
        "is not valid for name",
    ),
    (
        "control: a scenario in Unicode",
        "POST",
        "/_sandbox/scenarios/b%C3%A4ckorder",
        {},
        None,
        400,
        "name",
        "is not valid for name",
    ),
    (
        "control: a token action ..",
        "POST",
        "/_sandbox/fixje/tokens/%2e%2e",
        JSON,
        b'{"clientId": "x"}',
        400,
        "action",
        "is not one of",
    ),
]
PATHS_UNICODE: list[Case] = [
    (
        "Fixje order id, a UUID in full-width digits",
        "GET",
        f"{ORDERS}/%EF%BC%95d1a3c9e-0000-4000-8000-000000000000",
        {},
        None,
        400,
        "orderId",
        NO_UUID,
    ),
    (
        "control: a vidaXL order id in superscript digits",
        "POST",
        VX_EVENT_ID.format("%C2%B2"),
        JSON,
        PAY,
        404,
        None,
        "No vidaXL order",
    ),
    (
        "control: a vidaXL order id in Arabic-Indic digits",
        "POST",
        VX_EVENT_ID.format("%D9%A7%D9%A0%D9%A0%D9%A0%D9%A1"),
        JSON,
        PAY,
        404,
        None,
        "No vidaXL order",
    ),
]

METHODS: list[Case] = [
    ("Fixje: TRACE", "TRACE", ORDERS, {}, None, 405, None, "Method Not Allowed"),
    ("vidaXL: DELETE", "DELETE", VX_LIST, {}, None, 405, None, "Method Not Allowed"),
    (
        "control: PATCH the clock",
        "PATCH",
        CLOCK,
        JSON,
        b'{"advance": "P1D"}',
        405,
        None,
        "Method Not Allowed",
    ),
]


def params(cases: list[Case], marks: Any = ()) -> list[Any]:
    return [pytest.param(*case[1:], id=case[0], marks=marks) for case in cases]


ALL = [
    *NESTING,
    *NOT_UNICODE,
    *CONTENT_TYPES,
    *QUERIES,
    *QUERIES_UNICODE,
    *CREDENTIALS,
    *PATHS,
    *PATHS_UNICODE,
    *METHODS,
]


@pytest.mark.parametrize(
    ("method", "path", "headers", "content", "status", "field", "fragment"),
    [
        *params(NESTING),
        *params(NOT_UNICODE),
        *params(CONTENT_TYPES),
        *params(QUERIES),
        *params(QUERIES_UNICODE),
        *params(CREDENTIALS),
        *params(PATHS),
        *params(PATHS_UNICODE),
        *params(METHODS),
    ],
)
def test_hostile_request_is_refused_and_changes_nothing(
    shared: Shared,
    method: str,
    path: str,
    headers: Headers,
    content: bytes | None,
    status: int,
    field: str | None,
    fragment: str,
) -> None:
    with unchanged(shared):
        sent = wire({**credentials(path, shared.bearer), **headers})
        response = shared.client.request(method, path, content=content, headers=sent)
        assert_refused(response, status, field, fragment)


def test_case_ids_are_distinct() -> None:
    names = [case[0] for case in ALL]
    assert len(names) == len(set(names)) >= 100


# id, path with hostile parameters, the same request without them (or with a value that matches
# nothing): unknown parameters are ignored, a filter value nobody has matches nothing.
IGNORED: list[tuple[str, str, str]] = [
    (
        "Fixje, an unknown parameter not UTF-8",
        "/api/v1/products?pageSize=2&filter=%FF%FE",
        "/api/v1/products?pageSize=2",
    ),
    (
        "Fixje, an unknown parameter of 64000 bytes",
        f"{ORDERS}?pagesize=3&x=" + "a" * 64_000,
        f"{ORDERS}?pagesize=3",
    ),
    ("Fixje, 5000 unknown parameters", f"{ORDERS}?pagesize=3&{many(5000, 'p{}=1')}", f"{ORDERS}?pagesize=3"),
    (
        "Fixje, page=2 5000 times",
        f"{ORDERS}?pagesize=3&{many(5000, 'page=2')}",
        f"{ORDERS}?pagesize=3&page=2",
    ),
    (
        "vidaXL, a reference filter not UTF-8",
        f"{VX_LIST}?customer_order_reference_eq=%FF%FE",
        f"{VX_LIST}?customer_order_reference_eq=none",
    ),
    (
        "vidaXL, a reference filter of 64000 bytes",
        f"{VX_LIST}?customer_order_reference_eq=" + "r" * 64_000,
        f"{VX_LIST}?customer_order_reference_eq=none",
    ),
    (
        "vidaXL, code_eq ../../etc/passwd",
        f"{VX_PRODUCTS}?code_eq=..%2F..%2Fetc%2Fpasswd",
        f"{VX_PRODUCTS}?code_eq=none",
    ),
    (
        "vidaXL, 5000 unknown parameters",
        f"{VX_PRODUCTS}?limit=3&{many(5000, 'p{}=1')}",
        f"{VX_PRODUCTS}?limit=3",
    ),
    ("control, a path filter not UTF-8", f"{REQUESTS}?path=%FF", f"{REQUESTS}?path=/nothing"),
    (
        "control, 5000 unknown parameters",
        f"{REQUESTS}?path=/nothing&{many(5000, 'p{}=1')}",
        f"{REQUESTS}?path=/nothing",
    ),
]


@pytest.mark.parametrize(("path", "same_as"), [pytest.param(*case[1:], id=case[0]) for case in IGNORED])
def test_hostile_parameters_that_the_docs_ignore(shared: Shared, path: str, same_as: str) -> None:
    with unchanged(shared):
        sent = wire(credentials(path, shared.bearer))
        response, expected = shared.client.get(path, headers=sent), shared.client.get(same_as, headers=sent)
        assert (response.status_code, expected.status_code) == (200, 200), response.text
        assert response.headers["content-type"] == JSON_TYPE
        assert response.json() == expected.json()


# --- the control API behind an admin token -----------------------------------------------------------

ADMIN = {"Authorization": "Bearer s3cret"}
GARBAGE_ADMIN: list[tuple[str, str | bytes]] = [
    ("Bearer without a token", "Bearer"),
    ("the token and a NUL", "Bearer s3cret\x00"),
    ("the token twice", "Bearer s3cret s3cret"),
    ("a prefix of the token", "Bearer s3cre"),
    ("the token as Basic", basic("admin", "s3cret")),
    ("the token without a scheme", "s3cret"),
    ("not UTF-8", b"Bearer s3cret\xff"),
    ("16 KiB", "Bearer " + "s" * 16_384),
    ("Digest", 'Digest username="admin"'),
]


@pytest.fixture(scope="module")
def guarded() -> Iterator[TestClient]:
    with TestClient(make_app(admin_token="s3cret"), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", STATE, None),
        ("POST", CLOCK, {"advance": "P1D"}),
        ("POST", TENANTS, {"api": "fixje"}),
        ("POST", "/_sandbox/reset", None),
    ],
)
@pytest.mark.parametrize("authorization", [pytest.param(value, id=name) for name, value in GARBAGE_ADMIN])
def test_garbage_admin_tokens_are_refused(
    guarded: TestClient,
    method: str,
    path: str,
    body: Any,
    authorization: str | bytes,
) -> None:
    before = guarded.get(STATE, headers=ADMIN).content
    response = guarded.request(method, path, json=body, headers=wire({"Authorization": authorization}))
    assert_refused(response, 401, None, "The control API needs Authorization: Bearer <admin token>.")
    assert guarded.get(STATE, headers=ADMIN).content == before


# --- over a socket, what a test client will not send -------------------------------------------------

INVALID = b"Invalid HTTP request received."
TOO_LARGE = b"The request line and headers pass 32768 bytes."
HOST = b"Host: localhost\r\n"
TOKEN = b"@@TOKEN@@"
FIXJE_AUTH = b"Authorization: Bearer " + TOKEN + b"\r\n"
VIDAXL_AUTH = f"Authorization: {basic(*VIDAXL_DEMO)}\r\n".encode()
AS_JSON = b"Content-Type: application/json\r\n"
CHUNKED = b"Transfer-Encoding: chunked\r\n"


def get(target: bytes, *headers: bytes) -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\n" + HOST + b"".join(headers) + b"Connection: close\r\n\r\n"


def post(target: bytes, body: bytes, *headers: bytes) -> bytes:
    return (
        b"POST " + target + b" HTTP/1.1\r\n" + HOST + b"".join(headers) + b"Connection: close\r\n\r\n" + body
    )


def length(size: int | str) -> bytes:
    return f"Content-Length: {size}\r\n".encode()


# id, the request's bytes (@@TOKEN@@: a Fixje token), status, who answers: "uvicorn" (its plain-text
# 400 before the app sees anything) or the API whose error shape the answer has.
RAW: list[tuple[str, bytes, int, str]] = [
    ("a NUL in a header value", get(b"/api/v1/orders", b"Authorization: Bearer a\x00b\r\n"), 400, "uvicorn"),
    (
        "a control character in a header value",
        get(b"/api_customer/orders.json", b"X-Note: a\x01b\r\n"),
        400,
        "uvicorn",
    ),
    ("a header name not ASCII", get(b"/api/v1/orders", b"X-\xff: 1\r\n"), 400, "uvicorn"),
    ("a header without a colon", get(b"/api/v1/orders", b"Garbage\r\n"), 400, "uvicorn"),
    (
        "a folded header",
        get(b"/api/v1/orders", b"Authorization: Bearer\r\n " + TOKEN + b"\r\n"),
        400,
        "uvicorn",
    ),
    ("raw bytes not UTF-8 in the path", get(b"/api/v1/orders/\xff\xfe"), 400, "uvicorn"),
    (
        "raw bytes not UTF-8 in the query",
        get(b"/api_customer/orders.json?customer_order_reference_eq=\xff", VIDAXL_AUTH),
        400,
        "uvicorn",
    ),
    # a request's head past 32 KiB is refused as it arrives (sandbox/limits.py)
    ("a request line of 64 KiB", get(b"/api/v1/orders?x=" + b"a" * 65_536), 431, "limits"),
    ("a request line of 1 MiB", get(b"/_sandbox/requests?path=" + b"a" * 1_048_576), 431, "limits"),
    ("Content-Length abc", post(b"/api/v1/login", b"", length("abc")), 400, "uvicorn"),
    ("Content-Length -1", post(b"/api/v1/login", b"", length(-1)), 400, "uvicorn"),
    (
        "Content-Length of 20 digits",
        post(b"/api/v1/orders", b"{}", FIXJE_AUTH, length("9" * 20)),
        400,
        "uvicorn",
    ),
    (
        "Content-Length twice",
        post(b"/api/v1/orders", b"{} ", FIXJE_AUTH, AS_JSON, length(2), length(3)),
        400,
        "uvicorn",
    ),
    (
        "Content-Length and chunked",
        post(b"/api_customer/orders", b"2\r\n{}\r\n0\r\n\r\n", VIDAXL_AUTH, length(2), CHUNKED),
        400,
        "uvicorn",
    ),
    (
        "a chunk size zz",
        post(b"/api/v1/orders", b"zz\r\n{}\r\n0\r\n\r\n", FIXJE_AUTH, AS_JSON, CHUNKED),
        400,
        "uvicorn",
    ),
    (
        "Transfer-Encoding gzip",
        post(b"/api/v1/orders", b"{}", FIXJE_AUTH, b"Transfer-Encoding: gzip\r\n"),
        400,
        "uvicorn",
    ),
    (
        "an unknown method",
        b"FOO /api/v1/orders HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n",
        400,
        "uvicorn",
    ),
    ("the HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, "uvicorn"),
    (
        "a TLS ClientHello",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(32)) + b"\r\n\r\n",
        400,
        "uvicorn",
    ),
    ("a token not UTF-8", get(b"/api/v1/orders", b"Authorization: Bearer \xff\xfe\r\n"), 401, "fixje"),
    (
        "a vidaXL Basic header not ASCII",
        get(b"/api_customer/orders.json", b"Authorization: Basic \xff\xfe\r\n"),
        401,
        "vidaxl",
    ),
    (
        "a login Basic header not ASCII",
        post(
            b"/api/v1/login",
            GRANT,
            b"Authorization: Basic \xc3\xa9\xff\r\n",
            b"Content-Type: application/x-www-form-urlencoded\r\n",
            length(len(GRANT)),
        ),
        401,
        "login",
    ),
    ("a header of 1 MiB", get(b"/api/v1/orders", b"X-Big: " + b"a" * 1_048_576 + b"\r\n"), 431, "limits"),
    (
        "10000 headers",
        get(b"/api_customer/orders.json", *(b"X-%d: 1\r\n" % i for i in range(10_000))),
        431,
        "limits",
    ),
    (
        "a token of 64 KiB",
        get(b"/api/v1/orders", b"Authorization: Bearer " + b"t" * 65_536 + b"\r\n"),
        431,
        "limits",
    ),
    (
        "a token of 16 KiB",
        get(b"/api/v1/orders", b"Authorization: Bearer " + b"t" * 16_384 + b"\r\n"),
        401,
        "fixje",
    ),
    (
        "a host name that is not this server's",
        get(b"/_sandbox/state").replace(HOST, b"Host: attacker.example\r\n"),
        421,
        "guard",
    ),
    ("../../ in the Fixje path", get(b"/api/v1/orders/../../etc/passwd", FIXJE_AUTH), 404, "fixje"),
    # a test client decodes a path twice; a server once, which leaves ..%2F: not a UUID
    (
        "..%252F, double-encoded, in the Fixje path",
        get(b"/api/v1/orders/..%252F..%252Fetc%252Fpasswd", FIXJE_AUTH),
        400,
        "fixje",
    ),
    ("..\\..\\ in the Fixje path", get(b"/api/v1/orders/..\\..\\etc\\passwd", FIXJE_AUTH), 400, "fixje"),
    ("../../ in the vidaXL path", get(b"/api_customer/../../etc/passwd", VIDAXL_AUTH), 404, "vidaxl"),
    (
        "../../ in the control path",
        post(b"/_sandbox/scenarios/../../../etc/passwd", b"", length(0)),
        404,
        "control",
    ),
    (
        "2 MiB announced, none sent",
        post(b"/api/v1/orders", b"", FIXJE_AUTH, AS_JSON, length(2 * 1024**2)),
        413,
        "fixje",
    ),
    (
        "a vidaXL body of 2 MiB announced, none sent",
        post(b"/api_customer/orders", b"", VIDAXL_AUTH, AS_JSON, length(2 * 1024**2)),
        413,
        "vidaxl",
    ),
]
SHAPES = {
    "fixje": "application/problem+json; charset=utf-8",
    "vidaxl": JSON_TYPE,
    "login": JSON_TYPE,
    "control": JSON_TYPE,
}


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serve("--freeze") as running:
        yield running
        time.sleep(0.2)  # the log is read by a thread of its own
        assert not tracebacks(running), "".join(running.log)


@pytest.fixture(scope="module")
def token(server: Server) -> bytes:
    response = requests.post(
        f"{server.url}{LOGIN}",
        timeout=5,
        data=login_form(),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"]).encode()


def exchange(server: Server, data: bytes) -> tuple[http.client.HTTPResponse, bytes]:
    """Send `data` as it is and read the one answer; a server that hangs fails the test."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(data)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response, response.read()


def exported(server: Server) -> Any:
    state = requests.get(f"{server.url}{STATE}", timeout=5).json()
    del state["fixje"]["traces"]
    return state


def tracebacks(server: Server, since: int = 0) -> str:
    return "".join(line for line in server.log[since:] if "Traceback" in line or "Exception" in line)


@pytest.mark.live
@pytest.mark.parametrize(("data", "status", "answers"), [pytest.param(*case[1:], id=case[0]) for case in RAW])
def test_hostile_bytes_over_a_socket(
    server: Server,
    token: bytes,
    data: bytes,
    status: int,
    answers: str,
) -> None:
    before, logged = exported(server), len(server.log)
    response, body = exchange(server, data.replace(TOKEN, token))
    assert response.status == status, body
    if answers in ("uvicorn", "limits", "guard"):
        assert response.getheader("content-type") == "text/plain; charset=utf-8"
        assert {
            "uvicorn": body == INVALID,
            "limits": body == TOO_LARGE,
            "guard": body.startswith(b"Misdirected request"),
        }[answers], body
    else:
        assert response.getheader("content-type") == SHAPES[answers]
        assert (response.getheader("www-authenticate") is not None) is (status == 401)
    assert exported(server) == before
    assert not tracebacks(server, logged)


@pytest.mark.live
def test_a_body_cut_short_is_no_crash(server: Server, token: bytes) -> None:
    """The client announces 100 bytes, sends 4 and closes its side: no answer can reach it, but the
    server refuses the request (and logs no traceback), stores nothing and goes on serving."""
    before, logged = exported(server), len(server.log)
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(
            post(
                b"/api/v1/orders", b'{"a"', b"Authorization: Bearer " + token + b"\r\n", AS_JSON, length(100)
            )
        )
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(65_536) == b""
    assert requests.get(f"{server.url}/_sandbox/health", timeout=5).json() == {
        "status": "ok",
        "durable": False,
    }
    assert exported(server) == before
    time.sleep(0.2)  # the log is read by a thread of its own
    assert not tracebacks(server, logged), "".join(server.log[logged:])
