"""Hostile input at the transport level: body size, content types, broken JSON, odd queries and
paths. Each is refused in the API's error shape, never with a 500, and a refused order changes
nothing."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.helpers import FIXJE_DEMO, TRACE_ID, Partner, assert_problem, snapshot

MIB = 1024 * 1024
ORDERS = "/api/v1/orders"
LOGIN = "/api/v1/login"
JSON = "application/json"
PROBLEM_NS = "{urn:ietf:rfc:7807}"


def assert_oauth_error(response: Any, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == JSON
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["error_description"], str) and body["error_description"].strip()


def order_bytes(partner: Partner, size: int | None = None, **changes: Any) -> bytes:
    """A valid order as JSON, padded with trailing whitespace to exactly `size` bytes."""
    raw = json.dumps(partner.order_body(**changes)).encode()
    if size is None:
        return raw
    assert len(raw) <= size
    return raw + b" " * (size - len(raw))


def login_bytes(size: int) -> bytes:
    client_id, secret = FIXJE_DEMO
    raw = f"grant_type=client_credentials&client_id={client_id}&client_secret={secret}&scope=".encode()
    return raw + b"x" * (size - len(raw))


def chunked(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """`data` as a stream, so that it is sent without a Content-Length."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


# --- body size ---------------------------------------------------------------------------------------

# id, path, content type, body size, sent chunked.
TOO_LARGE: list[tuple[str, str, str, int, bool]] = [
    ("orders with Content-Length", ORDERS, JSON, MIB + 1, False),
    ("orders chunked", ORDERS, JSON, MIB + 1, True),
    ("orders 2 MiB chunked", ORDERS, JSON, 2 * MIB, True),
    ("login with Content-Length", LOGIN, "application/x-www-form-urlencoded", MIB + 1, False),
    ("login chunked", LOGIN, "application/x-www-form-urlencoded", MIB + 1, True),
]


@pytest.mark.parametrize(
    ("path", "content_type", "size", "stream"), [pytest.param(*case[1:], id=case[0]) for case in TOO_LARGE]
)
def test_body_over_one_mib_is_refused(
    demo: Partner, path: str, content_type: str, size: int, stream: bool
) -> None:
    data = order_bytes(demo, size) if path == ORDERS else login_bytes(size)
    before = snapshot(demo)
    response = demo.post(
        path, content=chunked(data) if stream else data, headers={"Content-Type": content_type}
    )
    assert ("content-length" in response.request.headers) is not stream
    if path == LOGIN:
        assert_oauth_error(response, 413, "invalid_request")
    else:
        assert_problem(response, 413)
        assert snapshot(demo) == before


@pytest.mark.parametrize("stream", [False, True], ids=["with Content-Length", "chunked"])
def test_body_of_exactly_one_mib_is_accepted(demo: Partner, stream: bool) -> None:
    data = order_bytes(demo, MIB)
    before = snapshot(demo)
    response = demo.post(ORDERS, content=chunked(data) if stream else data, headers={"Content-Type": JSON})
    assert response.status_code == 200, response.text
    assert snapshot(demo)[0] == before[0] + 1


# --- content types -----------------------------------------------------------------------------------

# id, body (None: the valid order as JSON), Content-Type header (None: none sent), multipart.
UNSUPPORTED: list[tuple[str, bytes | None, str | None]] = [
    ("text/plain", None, "text/plain"),
    (
        "application/xml",
        b"<OrderCreationRequest><reference>x</reference></OrderCreationRequest>",
        "application/xml",
    ),
    ("no Content-Type", None, None),
    ("form", b"reference=x", "application/x-www-form-urlencoded"),
    ("json charset latin-1", None, "application/json; charset=latin-1"),
    ("json charset utf-16", None, "application/json; charset=utf-16"),
]


@pytest.mark.parametrize(
    ("content", "content_type"), [pytest.param(*case[1:], id=case[0]) for case in UNSUPPORTED]
)
def test_unsupported_content_type_is_refused(
    demo: Partner, content: bytes | None, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    before = snapshot(demo)
    response = demo.post(ORDERS, content=order_bytes(demo) if content is None else content, headers=headers)
    assert response.request.headers.get("content-type") == content_type
    problem = assert_problem(response, 415)
    assert "Content-Type" in problem.get("errors", {}), problem
    assert snapshot(demo) == before


def test_multipart_order_is_refused(demo: Partner) -> None:
    before = snapshot(demo)
    response = demo.post(ORDERS, files={"order": ("order.json", order_bytes(demo), JSON)})
    assert response.request.headers["content-type"].startswith("multipart/form-data; boundary=")
    problem = assert_problem(response, 415)
    assert "Content-Type" in problem["errors"], problem
    assert snapshot(demo) == before


def test_unsupported_content_type_on_login_is_an_oauth_error(client: TestClient) -> None:
    response = client.post(
        LOGIN, content=b"grant_type=client_credentials", headers={"Content-Type": "text/plain"}
    )
    assert_oauth_error(response, 415, "invalid_request")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=utf-8",
        'Application/JSON; charset="UTF-8"',
        "text/json",
        "application/vnd.api+json",
    ],
)
def test_json_content_types_are_accepted(demo: Partner, content_type: str) -> None:
    before = snapshot(demo)
    response = demo.post(ORDERS, content=order_bytes(demo), headers={"Content-Type": content_type})
    assert response.status_code == 200, response.text
    assert snapshot(demo)[0] == before[0] + 1


# --- broken JSON -------------------------------------------------------------------------------------

Raw = Callable[[Partner], bytes]


def with_value(field: str, literal: str) -> Raw:
    """The valid order with the first item's `field` replaced by a raw JSON literal."""

    def raw(partner: Partner) -> bytes:
        body = partner.order_body()
        body["orderItems"][0][field] = "@@VALUE@@"
        return json.dumps(body).replace('"@@VALUE@@"', literal).encode()

    return raw


def fixed(data: bytes) -> Raw:
    return lambda partner: data


# id, body, the field path in `errors`, a fragment of its message.
MALFORMED: list[tuple[str, Raw, str, str]] = [
    ("truncated", lambda p: order_bytes(p)[:-7], "$", "malformed"),
    ("trailing comma", lambda p: order_bytes(p)[:-1] + b",}", "$", "malformed"),
    ("single quotes", fixed(b"{'reference': 'PO-1'}"), "$", "malformed"),
    ("empty body", fixed(b""), "$", "A non-empty request body is required."),
    ("whitespace only", fixed(b"  \r\n "), "$", "malformed"),
    ("not utf-8", lambda p: order_bytes(p).replace(b"Tilburg", b"Tilb\xfcrg"), "$", "not valid UTF-8"),
    ("NaN quantity", with_value("quantity", "NaN"), "$", "NaN"),
    ("Infinity price", with_value("price", "Infinity"), "$", "Infinity"),
    ("quantity of 5000 digits", with_value("quantity", "9" * 5000), "$", "malformed"),
    ("100000 [", fixed(b"[" * 100_000), "$", "nested too deeply"),
    ("100000 nested objects", fixed(b'{"a":' * 100_000), "$", "nested too deeply"),
    ("array", lambda p: b"[" + order_bytes(p) + b"]", "$", "Expected an object"),
    ("string", fixed(b'"order"'), "$", "Expected an object"),
    ("number", fixed(b"42"), "$", "Expected an object"),
    ("null", fixed(b"null"), "$", "Expected an object"),
]


@pytest.mark.parametrize(
    ("raw", "field", "fragment"), [pytest.param(*case[1:], id=case[0]) for case in MALFORMED]
)
def test_malformed_json_is_a_bad_request(demo: Partner, raw: Raw, field: str, fragment: str) -> None:
    content = raw(demo)
    before = snapshot(demo)
    response = demo.post(ORDERS, content=content, headers={"Content-Type": JSON})
    errors = assert_problem(response, 400)["errors"]
    assert field in errors, errors
    assert any(fragment in message for message in errors[field]), errors
    assert snapshot(demo) == before


def test_price_that_overflows_a_double_is_a_bad_request(demo: Partner) -> None:
    """1e400 is valid JSON syntax but no double: it is refused, naming the body or the price."""
    content = with_value("price", "1e400")(demo)
    before = snapshot(demo)
    response = demo.post(ORDERS, content=content, headers={"Content-Type": JSON})
    assert (response.status_code, snapshot(demo)) == (400, before), response.text
    errors = assert_problem(response, 400)["errors"]
    assert {"$", "orderItems[0].price"} & set(errors), errors


@pytest.mark.parametrize("price", ["1e30", "123456789012345678901234567.5"])
def test_a_huge_price_is_charged_at_the_catalogue_price(demo: Partner, price: str) -> None:
    """A finite double as `price` is valid: the catalogue price is charged, with a warning."""
    before = snapshot(demo)
    response = demo.post(ORDERS, content=with_value("price", price)(demo), headers={"Content-Type": JSON})
    assert response.status_code == 200, response.text
    assert any("differs from the catalogue price" in w for w in response.json()["creationWarnings"])
    assert snapshot(demo)[0] == before[0] + 1


# --- query strings and paths -------------------------------------------------------------------------

# id, path, status, the field path in `errors` (None: the request succeeds).
QUERIES: list[tuple[str, str, int, str | None]] = [
    ("page of 5000 digits", "/api/v1/orders?page=" + "9" * 5000, 400, "page"),
    ("pagesize of 5000 digits", "/api/v1/orders?pagesize=1" + "0" * 4999, 400, "pagesize"),
    ("pageSize of 19 digits", "/api/v1/products?pageSize=" + "1" * 19, 400, "pageSize"),
    ("page with a NUL", "/api/v1/storefronts?page=1%00", 400, "page"),
    ("unknown parameters", "/api/v1/orders?foo=bar&sort=desc&page=1", 200, None),
    ("unknown parameter 30 kB long", "/api/v1/products?filter=" + "x" * 30_000, 200, None),
]


@pytest.mark.parametrize(
    ("path", "status", "field"), [pytest.param(*case[1:], id=case[0]) for case in QUERIES]
)
def test_odd_query_strings(demo: Partner, path: str, status: int, field: str | None) -> None:
    response = demo.get(path)
    if field is None:
        assert response.status_code == status, response.text
        assert response.json()["statusCode"] == "OK"
    else:
        assert field in assert_problem(response, status)["errors"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/orders/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/orders/%00",
        "/api/v1/orders/%2Fetc%2Fpasswd",
        "/api/v1/orders/" + "a" * 10_000,
    ],
)
def test_hostile_order_ids_are_refused(demo: Partner, path: str) -> None:
    response = demo.get(path)
    assert response.status_code in (400, 404), response.text
    problem = assert_problem(response, response.status_code)
    if response.status_code == 400:
        assert "orderId" in problem["errors"]


def test_unknown_path_is_a_problem(demo: Partner) -> None:
    problem = assert_problem(demo.get("/api/v1/invoices"), 404)
    assert problem["title"] == "Not Found"


def test_wrong_method_is_a_problem_with_allow(demo: Partner) -> None:
    before = snapshot(demo)
    response = demo.client.delete(ORDERS, headers=demo.headers)
    assert_problem(response, 405)
    allowed = {method.strip() for method in response.headers["allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    assert "DELETE" not in allowed
    assert snapshot(demo) == before


# --- errors as XML -----------------------------------------------------------------------------------

# id, method, path, send the bearer token, status.
XML_ERRORS: list[tuple[str, str, str, bool, int]] = [
    ("bad page", "GET", "/api/v1/orders?page=0", True, 400),
    ("no token", "GET", ORDERS, False, 401),
    ("unknown order", "GET", f"{ORDERS}/5d1a3c9e-0000-4000-8000-000000000000", True, 404),
    ("unknown path", "GET", "/api/v1/invoices", True, 404),
    ("wrong method", "DELETE", ORDERS, True, 405),
]


@pytest.mark.parametrize(
    ("method", "path", "authorized", "status"), [pytest.param(*case[1:], id=case[0]) for case in XML_ERRORS]
)
def test_errors_as_problem_xml(demo: Partner, method: str, path: str, authorized: bool, status: int) -> None:
    headers = {**(demo.headers if authorized else {}), "Accept": "application/xml"}
    response = demo.client.request(method, path, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{PROBLEM_NS}problem"
    assert root.findtext(f"{PROBLEM_NS}status") == str(status)
    assert (root.findtext(f"{PROBLEM_NS}title") or "").strip()
    assert TRACE_ID.match(root.findtext(f"{PROBLEM_NS}traceId") or "")
    if status == 400:
        keys = [item.get("key") for item in root.iter(f"{PROBLEM_NS}item")]
        assert "page" in keys


def test_login_error_as_xml(client: TestClient) -> None:
    response = client.post(LOGIN, data={"grant_type": "password"}, headers={"Accept": "application/xml"})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "OAuthError"
    assert root.findtext("error") == "invalid_request"
