"""Bad input across the Fixje API: each refusal has the right status, names the field at fault and
says what is wrong; a refused order changes nothing."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.helpers import FIXJE_DEMO, Partner, assert_problem, basic, both, drop, login_form, put, snapshot

MISSING_ORDER = "5d1a3c9e-0000-4000-8000-000000000000"
UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"

Body = dict[str, Any]


@dataclass(frozen=True)
class Refs:
    """Ids of the running sandbox that some cases need."""

    other_storefront: str
    foreign_stock: str
    """A stock of the second product, which the first product (the one ordered) does not hold."""
    postnl_standaard: str
    """A shipping method that serves only NL and BE."""


Mutation = Callable[[Body, Refs], Body]


@pytest.fixture
def refs(demo: Partner, other: Partner) -> Refs:
    methods = demo.get("/api/v1/shipping-methods").json()["data"]
    postnl = next(m for m in methods if m["name"] == "PostNL Standaard")
    assert postnl["countries"] == ["NL", "BE"]
    second = demo.get("/api/v1/products?pageSize=2").json()["data"][1]
    return Refs(
        other_storefront=other.first("/api/v1/storefronts")["storeFrontId"],
        foreign_stock=second["stocks"][0]["stockId"],
        postnl_standaard=postnl["shippingMethodId"],
    )


def mutated(partner: Partner, mutation: Mutation, refs: Refs) -> Body:
    """A valid order body from `partner.order_body()` with `mutation` applied."""
    return mutation(partner.order_body(), refs)


BILLING = {
    "street": "Markt",
    "houseNumber": "1",
    "zipCode": "5038 EA",
    "city": "Tilburg",
    "countryCode": "NL",
    "billingEmailAddress": "billing@example.com",
}
ORDERS = "/api/v1/orders"

# id, method, path, body mutation (POST) or None (GET: the query is in the path),
# expected status, field path in `errors`, fragment of its message.
CASES: list[tuple[str, str, str, Mutation | None, int, str, str]] = [
    ("no shippingMethodId", "POST", ORDERS, drop("shippingMethodId"), 400, "shippingMethodId", "is required"),
    ("no storeFrontId", "POST", ORDERS, drop("storeFrontId"), 400, "storeFrontId", "is required"),
    ("no shippingAddress", "POST", ORDERS, drop("shippingAddress"), 400, "shippingAddress", "is required"),
    ("no orderItems", "POST", ORDERS, drop("orderItems"), 400, "orderItems", "is required"),
    *[
        (
            f"no shippingAddress.{name}",
            "POST",
            ORDERS,
            drop(f"shippingAddress.{name}"),
            400,
            f"shippingAddress.{name}",
            "is required",
        )
        for name in ("lastName", "street", "houseNumber", "zipCode", "city", "countryCode")
    ],
    (
        "no orderItems[0].sku",
        "POST",
        ORDERS,
        drop("orderItems[0].sku"),
        400,
        "orderItems[0].sku",
        "is required",
    ),
    (
        "empty lastName",
        "POST",
        ORDERS,
        put("shippingAddress.lastName", ""),
        400,
        "shippingAddress.lastName",
        "must not be empty",
    ),
    (
        "quantity as string",
        "POST",
        ORDERS,
        put("orderItems[0].quantity", "1"),
        400,
        "orderItems[0].quantity",
        "Expected an integer",
    ),
    (
        "quantity as fraction",
        "POST",
        ORDERS,
        put("orderItems[0].quantity", 1.5),
        400,
        "orderItems[0].quantity",
        "Expected an integer",
    ),
    (
        "orderItems as object",
        "POST",
        ORDERS,
        put("orderItems", {"sku": "FX100000", "quantity": 1}),
        400,
        "orderItems",
        "Expected an array",
    ),
    (
        "order item as number",
        "POST",
        ORDERS,
        put("orderItems[0]", 7),
        400,
        "orderItems[0]",
        "Expected an object",
    ),
    (
        "shippingAddress null",
        "POST",
        ORDERS,
        put("shippingAddress", None),
        400,
        "shippingAddress",
        "Expected an object",
    ),
    (
        "price as string",
        "POST",
        ORDERS,
        put("orderItems[0].price", "24.95"),
        400,
        "orderItems[0].price",
        "Expected a number or null",
    ),
    (
        "price negative",
        "POST",
        ORDERS,
        put("orderItems[0].price", -1),
        400,
        "orderItems[0].price",
        "at least 0",
    ),
    (
        "reference as number",
        "POST",
        ORDERS,
        put("reference", 42),
        400,
        "reference",
        "Expected a string or null",
    ),
    ("empty orderItems", "POST", ORDERS, put("orderItems", []), 400, "orderItems", "at least 1 item"),
    (
        "501 orderItems",
        "POST",
        ORDERS,
        put("orderItems", [{"sku": "FX100000", "quantity": 1}] * 501),
        400,
        "orderItems",
        "at most 500 items",
    ),
    (
        "quantity 0",
        "POST",
        ORDERS,
        put("orderItems[0].quantity", 0),
        400,
        "orderItems[0].quantity",
        "at least 1",
    ),
    (
        "quantity negative",
        "POST",
        ORDERS,
        put("orderItems[0].quantity", -3),
        400,
        "orderItems[0].quantity",
        "at least 1",
    ),
    (
        "quantity above int32",
        "POST",
        ORDERS,
        put("orderItems[0].quantity", 2**31),
        400,
        "orderItems[0].quantity",
        "at most 2147483647",
    ),
    (
        "shippingMethodId malformed",
        "POST",
        ORDERS,
        put("shippingMethodId", "postnl"),
        400,
        "shippingMethodId",
        "not a valid UUID",
    ),
    (
        "storeFrontId malformed",
        "POST",
        ORDERS,
        put("storeFrontId", "7c81ed5a-ce5a-4372"),
        400,
        "storeFrontId",
        "not a valid UUID",
    ),
    (
        "stockId malformed",
        "POST",
        ORDERS,
        put("orderItems[0].stockId", "stock-1"),
        400,
        "orderItems[0].stockId",
        "not a valid UUID",
    ),
    (
        "shippingMethodId unknown",
        "POST",
        ORDERS,
        put("shippingMethodId", UNKNOWN_UUID),
        400,
        "shippingMethodId",
        "does not exist",
    ),
    (
        "storeFrontId of another partner",
        "POST",
        ORDERS,
        put("storeFrontId", lambda r: r.other_storefront),
        400,
        "storeFrontId",
        "does not exist for this partner",
    ),
    (
        "unknown sku at orderItems[1]",
        "POST",
        ORDERS,
        put("orderItems[1]", {"sku": "NOPE-1", "quantity": 1}),
        400,
        "orderItems[1].sku",
        "Unknown SKU 'NOPE-1'",
    ),
    (
        "stockId of another product",
        "POST",
        ORDERS,
        put("orderItems[0].stockId", lambda r: r.foreign_stock),
        400,
        "orderItems[0].stockId",
        "does not hold SKU",
    ),
    (
        "countryCode XX",
        "POST",
        ORDERS,
        put("shippingAddress.countryCode", "XX"),
        400,
        "shippingAddress.countryCode",
        "not an ISO 3166-1 alpha-2",
    ),
    (
        "countryCode NLD",
        "POST",
        ORDERS,
        put("shippingAddress.countryCode", "NLD"),
        400,
        "shippingAddress.countryCode",
        "not valid for countryCode",
    ),
    (
        "method does not serve US",
        "POST",
        ORDERS,
        both(put("shippingMethodId", lambda r: r.postnl_standaard), put("shippingAddress.countryCode", "US")),
        400,
        "shippingAddress.countryCode",
        "does not ship to US",
    ),
    (
        "shipmentEmailAddress invalid",
        "POST",
        ORDERS,
        put("shippingAddress.shipmentEmailAddress", "sanne.example.com"),
        400,
        "shippingAddress.shipmentEmailAddress",
        "not a valid e-mail address",
    ),
    (
        "billingEmailAddress invalid",
        "POST",
        ORDERS,
        put("billingAddress", {**BILLING, "billingEmailAddress": "billing@"}),
        400,
        "billingAddress.billingEmailAddress",
        "not a valid e-mail address",
    ),
    (
        "billingAddress without street",
        "POST",
        ORDERS,
        both(put("billingAddress", dict(BILLING)), drop("billingAddress.street")),
        400,
        "billingAddress.street",
        "is required",
    ),
    (
        "billingAddress countryCode XX",
        "POST",
        ORDERS,
        put("billingAddress", {**BILLING, "countryCode": "XX"}),
        400,
        "billingAddress.countryCode",
        "not an ISO 3166-1 alpha-2",
    ),
    (
        "delivery date month 13",
        "POST",
        ORDERS,
        put("requestedDeliveryDate", "2026-13-01"),
        400,
        "requestedDeliveryDate",
        "not a valid date",
    ),
    (
        "delivery date tomorrow",
        "POST",
        ORDERS,
        put("requestedDeliveryDate", "tomorrow"),
        400,
        "requestedDeliveryDate",
        "not a valid date",
    ),
    (
        "delivery date in the past",
        "POST",
        ORDERS,
        put("requestedDeliveryDate", "2020-01-01"),
        400,
        "requestedDeliveryDate",
        "lies before today",
    ),
    (
        "reference too long",
        "POST",
        ORDERS,
        put("reference", "R" * 101),
        400,
        "reference",
        "at most 100 characters",
    ),
    (
        "customerDeliveryNote too long",
        "POST",
        ORDERS,
        put("customerDeliveryNote", "n" * 1001),
        400,
        "customerDeliveryNote",
        "at most 1000 characters",
    ),
    (
        "city too long",
        "POST",
        ORDERS,
        put("shippingAddress.city", "c" * 101),
        400,
        "shippingAddress.city",
        "at most 100 characters",
    ),
    (
        "houseNumber too long",
        "POST",
        ORDERS,
        put("shippingAddress.houseNumber", "1" * 21),
        400,
        "shippingAddress.houseNumber",
        "at most 20 characters",
    ),
    (
        "partnerReference too long",
        "POST",
        ORDERS,
        put("orderItems[0].partnerReference", "p" * 101),
        400,
        "orderItems[0].partnerReference",
        "at most 100 characters",
    ),
    ("orders page=0", "GET", "/api/v1/orders?page=0", None, 400, "page", "at least 1"),
    ("orders page=abc", "GET", "/api/v1/orders?page=abc", None, 400, "page", "'abc' is not valid"),
    ("orders pagesize=101", "GET", "/api/v1/orders?pagesize=101", None, 400, "pagesize", "at most 100"),
    ("orders pagesize=-1", "GET", "/api/v1/orders?pagesize=-1", None, 400, "pagesize", "at least 1"),
    ("products pageSize=0", "GET", "/api/v1/products?pageSize=0", None, 400, "pageSize", "at least 1"),
    ("storefronts page=1.5", "GET", "/api/v1/storefronts?page=1.5", None, 400, "page", "'1.5' is not valid"),
    (
        "shipping-methods page too big",
        "GET",
        "/api/v1/shipping-methods?page=2147483648",
        None,
        400,
        "page",
        "at most 2147483647",
    ),
    ("orderId not a uuid", "GET", "/api/v1/orders/not-a-uuid", None, 400, "orderId", "not a valid UUID"),
]


@pytest.mark.parametrize(
    ("method", "path", "mutation", "status", "field", "fragment"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_input_is_refused_naming_the_field(
    demo: Partner,
    refs: Refs,
    method: str,
    path: str,
    mutation: Mutation | None,
    status: int,
    field: str,
    fragment: str,
) -> None:
    if method == "POST":
        assert mutation is not None
        body = mutated(demo, mutation, refs)
        before = snapshot(demo)
        response = demo.post(path, json=body)
    else:
        response = demo.get(path)
    problem = assert_problem(response, status)
    assert problem["title"] == "One or more validation errors occurred."
    assert field in problem["errors"], problem["errors"]
    messages = problem["errors"][field]
    assert any(fragment in message for message in messages), messages
    if method == "POST":
        assert snapshot(demo) == before


def test_case_ids_are_distinct() -> None:
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids)) >= 35


def test_several_errors_are_all_reported(demo: Partner, refs: Refs) -> None:
    body = mutated(
        demo,
        both(
            drop("storeFrontId"), put("orderItems[0].quantity", 0), put("shippingAddress.countryCode", "NLD")
        ),
        refs,
    )
    before = snapshot(demo)
    errors = assert_problem(demo.post(ORDERS, json=body), 400)["errors"]
    assert set(errors) == {"storeFrontId", "orderItems[0].quantity", "shippingAddress.countryCode"}
    assert snapshot(demo) == before


def test_several_reference_errors_are_all_reported(demo: Partner, refs: Refs) -> None:
    """Errors found past the schema (unknown ids, SKUs, dates) are collected too, not just the first."""
    body = mutated(
        demo,
        both(
            put("shippingMethodId", UNKNOWN_UUID),
            put("storeFrontId", lambda r: r.other_storefront),
            put("orderItems[1]", {"sku": "NOPE-1", "quantity": 1}),
            put("requestedDeliveryDate", "2020-01-01"),
        ),
        refs,
    )
    before = snapshot(demo)
    errors = assert_problem(demo.post(ORDERS, json=body), 400)["errors"]
    assert set(errors) == {"shippingMethodId", "storeFrontId", "orderItems[1].sku", "requestedDeliveryDate"}
    assert snapshot(demo) == before


def test_the_valid_body_is_accepted(demo: Partner, refs: Refs) -> None:
    """The bodies the cases break are valid to begin with, so each case fails for its own reason."""
    before = snapshot(demo)
    body = mutated(
        demo, both(put("billingAddress", dict(BILLING)), put("requestedDeliveryDate", "2026-12-01")), refs
    )
    response = demo.post(ORDERS, json=body)
    assert response.status_code == 200, response.text
    assert snapshot(demo)[0] == before[0] + 1


# --- /api/v1/login: RFC 6749 section 5.2 errors --------------------------------------------------

FORM = "application/x-www-form-urlencoded"


# id, keyword arguments for client.post, status, `error`, expected start of WWW-Authenticate or None.
LOGIN_CASES: list[tuple[str, dict[str, Any], int, str, str | None]] = [
    (
        "missing grant_type",
        {"data": {"client_id": FIXJE_DEMO[0], "client_secret": FIXJE_DEMO[1]}},
        400,
        "invalid_request",
        None,
    ),
    ("grant_type password", {"data": login_form(grant_type="password")}, 400, "unsupported_grant_type", None),
    ("wrong secret", {"data": login_form((FIXJE_DEMO[0], "wrong"))}, 401, "invalid_client", None),
    ("unknown client", {"data": login_form(("nobody", FIXJE_DEMO[1]))}, 401, "invalid_client", None),
    (
        "missing client_id",
        {"data": {"grant_type": "client_credentials", "client_secret": FIXJE_DEMO[1]}},
        400,
        "invalid_request",
        None,
    ),
    (
        "missing client_secret",
        {"data": {"grant_type": "client_credentials", "client_id": FIXJE_DEMO[0]}},
        400,
        "invalid_request",
        None,
    ),
    (
        "credentials in header and body",
        {"data": login_form(), "headers": {"Authorization": basic(*FIXJE_DEMO)}},
        400,
        "invalid_request",
        None,
    ),
    (
        "basic wrong secret",
        {
            "data": {"grant_type": "client_credentials"},
            "headers": {"Authorization": basic(FIXJE_DEMO[0], "wrong")},
        },
        401,
        "invalid_client",
        "Basic",
    ),
    (
        "basic not base64",
        {
            "data": {"grant_type": "client_credentials"},
            "headers": {"Authorization": "Basic %%%not-base64%%%"},
        },
        401,
        "invalid_client",
        "Basic",
    ),
    (
        "basic without colon",
        {
            "data": {"grant_type": "client_credentials"},
            "headers": {"Authorization": "Basic " + base64.b64encode(FIXJE_DEMO[0].encode()).decode()},
        },
        401,
        "invalid_client",
        "Basic",
    ),
    # RFC 6749 5.2: a client that authenticated with the Authorization header gets 401 and a challenge.
    (
        "basic with empty secret",
        {
            "data": {"grant_type": "client_credentials"},
            "headers": {"Authorization": basic(FIXJE_DEMO[0], "")},
        },
        401,
        "invalid_client",
        "Basic",
    ),
    ("json array body", {"json": [login_form()]}, 400, "invalid_request", None),
    (
        "json grant_type not a string",
        {"json": {**login_form(), "grant_type": 1}},
        400,
        "invalid_request",
        None,
    ),
    (
        "grant_type twice",
        {
            "content": "grant_type=client_credentials&grant_type=client_credentials"
            f"&client_id={FIXJE_DEMO[0]}&client_secret={FIXJE_DEMO[1]}",
            "headers": {"Content-Type": FORM},
        },
        400,
        "invalid_request",
        None,
    ),
    ("empty form body", {"content": b"", "headers": {"Content-Type": FORM}}, 400, "invalid_request", None),
    (
        "form body not utf-8",
        {"content": b"grant_type=client_credentials&client_id=%FF%FE", "headers": {"Content-Type": FORM}},
        400,
        "invalid_request",
        None,
    ),
]


@pytest.mark.parametrize(
    ("request_kwargs", "status", "error", "challenge"),
    [pytest.param(*case[1:], id=case[0]) for case in LOGIN_CASES],
)
def test_login_errors_follow_rfc6749(
    client: TestClient,
    request_kwargs: dict[str, Any],
    status: int,
    error: str,
    challenge: str | None,
) -> None:
    response = client.post("/api/v1/login", **request_kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == "application/json"
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["error_description"], str) and body["error_description"].strip()
    assert "access_token" not in body
    if challenge is not None:
        assert response.headers["www-authenticate"].startswith(challenge)


# --- bearer tokens on every other operation ----------------------------------------------------------

OPERATIONS: list[tuple[str, str, str]] = [
    ("listOrders", "GET", ORDERS),
    ("createOrder", "POST", ORDERS),
    ("getOrder", "GET", f"{ORDERS}/{MISSING_ORDER}"),
    ("listProducts", "GET", "/api/v1/products"),
    ("listShippingMethods", "GET", "/api/v1/shipping-methods"),
    ("listStoreFronts", "GET", "/api/v1/storefronts"),
]
# id, Authorization header (None: none sent), what WWW-Authenticate must equal or contain.
BEARER_CASES: list[tuple[str, str | None, str, str]] = [
    ("no Authorization", None, "equals", 'Bearer realm="fixje"'),
    ("unknown token", "Bearer nonsense", "contains", 'error="invalid_token"'),
    ("Basic scheme", "Basic " + base64.b64encode(b"x:y").decode(), "starts", "Bearer"),
    ("empty bearer", "Bearer ", "starts", "Bearer"),
]


@pytest.mark.parametrize(
    ("method", "path", "authorization", "check", "challenge"),
    [
        pytest.param(method, path, authorization, check, challenge, id=f"{operation}-{case}")
        for operation, method, path in OPERATIONS
        for case, authorization, check, challenge in BEARER_CASES
    ],
)
def test_bearer_token_is_required(
    client: TestClient,
    demo: Partner,
    method: str,
    path: str,
    authorization: str | None,
    check: str,
    challenge: str,
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    body = demo.order_body() if method == "POST" else None
    before = snapshot(demo)
    response = client.request(method, path, headers=headers, json=body)
    assert_problem(response, 401)
    found = response.headers["www-authenticate"]
    match check:
        case "equals":
            assert found == challenge
        case "contains":
            assert found.startswith("Bearer") and challenge in found
        case _:
            assert found.startswith(challenge)
    assert snapshot(demo) == before
