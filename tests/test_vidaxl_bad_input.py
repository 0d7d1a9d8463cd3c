"""Bad input across the vidaXL API: each refusal has the documented status and JSON error body, names
the field at fault and says what is wrong; a refused order changes nothing. Every operation refuses
missing or wrong HTTP Basic credentials with the same 401."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.helpers import (
    VIDAXL_DEMO,
    VIDAXL_DISABLED,
    VIDAXL_ORDERS,
    VIDAXL_OTHER,
    Customer,
    basic,
    both,
    drop,
    put,
    vidaxl_address,
    vidaxl_order_body,
    vidaxl_world,
)

JSON_TYPE = "application/json; charset=utf-8"
DENIED = {"error": "HTTP Basic: Access denied."}
CHALLENGE = 'Basic realm="Application"'
MIB = 1024 * 1024

Body = dict[str, Any]


@dataclass(frozen=True)
class Refs:
    """Products and addressbooks of the seeded world that some cases need."""

    code: str
    """An active product with plenty of stock: the one the valid body orders."""
    product_id: int
    inactive_code: str
    inactive_id: int
    other_addressbook: int
    """An addressbook of the second customer."""


@dataclass(frozen=True)
class Raw:
    """A body sent as it is, with its content type."""

    content: bytes
    content_type: str


Mutation = Callable[[Body, Refs], Body | Raw]


@pytest.fixture(scope="module")
def refs(shared: TestClient) -> Refs:
    """Found through the API once; every app is built from the same seed, so they hold everywhere."""
    catalogue = Customer(shared).products(limit=500)["data"]
    active = next(p for p in catalogue if p["active"] and float(p["quantity"]) >= 100)
    inactive = next(p for p in catalogue if not p["active"])
    other_line = Customer(shared, VIDAXL_OTHER).all_orders()[0]["order_products"][0]
    return Refs(active["code"], active["id"], inactive["code"], inactive["id"], other_line["addressbook_id"])


def raw(content: bytes | Callable[[Body], bytes], content_type: str = "application/json") -> Mutation:
    """Send `content` (or `content(valid body)`) instead of the JSON body."""

    def change(body: Body, refs: Refs) -> Raw:
        return Raw(content(body) if callable(content) else content, content_type)

    return change


def valid_body(refs: Refs) -> Body:
    return vidaxl_order_body((refs.code, 2))


def line(refs: Refs, **changes: Any) -> Body:
    return {"product_code": refs.code, "quantity": 1, **changes}


NO_PHONE = {k: v for k, v in vidaxl_address().items() if k != "phone"}
COULD_NOT = "Could not create order"
NOT_ACTIVE = "Product is not active"

# id, mutation of a valid body, status, field path in `errors` (None: no field is at fault),
# fragment of its message, the exact `error` where the docs give it (else None).
NO_DELIVERY = "No deliverable address for this line"
ONLY_COUNTRY = {"country": "GB"}

CASES: list[tuple[str, Mutation, int, str | None, str, str | None]] = [
    # the line has no address of its own, so it needs the order's, complete
    *[
        (
            f"no addressbook.{name}",
            drop(f"addressbook.{name}"),
            400,
            "order_products[0].addressbook",
            f"the order's lacks {name}.",
            None,
        )
        for name in ("address", "city", "postal_code", "country", "name", "phone")
    ],
    (
        "address of 31 characters",
        put("addressbook.address", "Covent Garden Market Square 100"),
        400,
        "addressbook.address",
        "at most 30 characters",
        None,
    ),
    (
        "address without a digit",
        put("addressbook.address", "Covent Garden"),
        400,
        "addressbook.address",
        "at least one digit in address or address2",
        None,
    ),
    (
        "address null",
        put("addressbook.address", None),
        400,
        "order_products[0].addressbook",
        "the order's lacks address.",
        None,
    ),
    (
        "phone empty",
        put("addressbook.phone", ""),
        400,
        "order_products[0].addressbook",
        "the order's lacks phone.",
        None,
    ),
    (
        "phone blank",
        put("addressbook.phone", "  "),
        400,
        "order_products[0].addressbook",
        "the order's lacks phone.",
        None,
    ),
    (
        "only a country on the order, none on the line",
        put("addressbook", ONLY_COUNTRY),
        400,
        "order_products[0].addressbook",
        NO_DELIVERY,
        None,
    ),
    (
        "address a number",
        put("addressbook.address", 12),
        400,
        "addressbook.address",
        "Expected a string or null, got an integer",
        None,
    ),
    (
        "country NLD",
        put("addressbook.country", "NLD"),
        400,
        "addressbook.country",
        "is not valid for country",
        None,
    ),
    ("addressbook null", put("addressbook", None), 400, "addressbook", "Expected an object", None),
    (
        "addressbook_id as string",
        both(drop("addressbook"), put("addressbook_id", "9001")),
        400,
        "addressbook_id",
        "Expected an integer",
        None,
    ),
    (
        "line addressbook without phone at [1], only a country on the order",
        both(
            put("addressbook", ONLY_COUNTRY),
            put("order_products[0].addressbook", vidaxl_address()),
            put("order_products[1]", lambda r: line(r, addressbook=dict(NO_PHONE))),
        ),
        400,
        "order_products[1].addressbook",
        "nor the order's has phone.",
        None,
    ),
    (
        "line addressbook without phone, none on the order",
        both(drop("addressbook"), put("order_products[0].addressbook", dict(NO_PHONE))),
        400,
        "order_products[0].addressbook",
        "its addressbook lacks phone, and the order has none.",
        None,
    ),
    (
        "line address without a digit",
        put("order_products[0].addressbook", vidaxl_address(address="High Street")),
        400,
        "order_products[0].addressbook.address",
        "at least one digit in address or address2",
        None,
    ),
    (
        "line address of 31 characters",
        put("order_products[0].addressbook", vidaxl_address(address="Covent Garden Market Square 100")),
        400,
        "order_products[0].addressbook.address",
        "at most 30 characters",
        None,
    ),
    (
        "product_code an object",
        put("order_products[0].product_code", {"code": "274181"}),
        400,
        "order_products[0].product_code",
        "Expected a string or an integer, got an object",
        None,
    ),
    (
        "product_code a boolean",
        put("order_products[0].product_code", True),
        400,
        "order_products[0].product_code",
        "Expected a string or an integer, got a boolean",
        None,
    ),
    (
        "no product_code nor product_id",
        drop("order_products[0].product_code"),
        400,
        "order_products[0]",
        "One of the fields product_code, product_id is required.",
        None,
    ),
    (
        "product_id as string",
        both(
            drop("order_products[0].product_code"),
            put("order_products[0].product_id", lambda r: str(r.product_id)),
        ),
        400,
        "order_products[0].product_id",
        "Expected an integer",
        None,
    ),
    (
        "product_id 0",
        both(drop("order_products[0].product_code"), put("order_products[0].product_id", 0)),
        400,
        "order_products[0].product_id",
        "must be at least 1",
        None,
    ),
    (
        "quantity 0",
        put("order_products[0].quantity", 0),
        400,
        "order_products[0].quantity",
        "at least 1",
        None,
    ),
    (
        "quantity negative",
        put("order_products[0].quantity", -2),
        400,
        "order_products[0].quantity",
        "at least 1",
        None,
    ),
    (
        "quantity a string",
        put("order_products[0].quantity", "1"),
        400,
        "order_products[0].quantity",
        "Expected an integer, got a string",
        None,
    ),
    (
        "quantity a fraction",
        put("order_products[0].quantity", 1.5),
        400,
        "order_products[0].quantity",
        "Expected an integer, got a number",
        None,
    ),
    (
        "quantity above 100000",
        put("order_products[0].quantity", 100001),
        400,
        "order_products[0].quantity",
        "at most 100000",
        None,
    ),
    ("order_products empty", put("order_products", []), 400, "order_products", "at least 1 item", None),
    (
        "order_products an object",
        put("order_products", {"product_code": "274181", "quantity": 1}),
        400,
        "order_products",
        "Expected an array",
        None,
    ),
    ("order_products missing", drop("order_products"), 400, "order_products", "is required", None),
    (
        "order_products[0] a number",
        put("order_products[0]", 7),
        400,
        "order_products[0]",
        "Expected an object",
        None,
    ),
    (
        "501 order_products",
        put("order_products", [{"product_code": "274181", "quantity": 1}] * 501),
        400,
        "order_products",
        "at most 500 items",
        None,
    ),
    (
        "customer_order_reference an object",
        put("customer_order_reference", {"po": 1}),
        400,
        "customer_order_reference",
        "Expected a string or an integer or null, got an object",
        None,
    ),
    (
        "customer_order_reference of 101 characters",
        put("customer_order_reference", "R" * 101),
        400,
        "customer_order_reference",
        "at most 100 characters",
        None,
    ),
    (
        "customer_order_reference a number of 300 digits",
        put("customer_order_reference", 10**300),
        400,
        "customer_order_reference",
        "The field customer_order_reference must be at most 1e+99.",
        None,
    ),
    (
        # just past 1e99 as Python compares, and equal to it as a double: jsonschema-rs alone would take it
        "customer_order_reference 99 nines",
        put("customer_order_reference", 10**99 - 1),
        400,
        "customer_order_reference",
        "The field customer_order_reference must be at most 1e+99.",
        None,
    ),
    (
        "customer_order_reference a negative number of 300 digits",
        put("customer_order_reference", -(10**300)),
        400,
        "customer_order_reference",
        "The field customer_order_reference must be at least -1e+99.",
        None,
    ),
    (
        "comments_customer of 1001 characters",
        put("comments_customer", "c" * 1001),
        400,
        "comments_customer",
        "at most 1000 characters",
        None,
    ),
    ("body an array", raw(lambda body: json.dumps([body]).encode()), 400, "$", "Expected an object", None),
    ("malformed JSON", raw(b'{"order_products": ['), 400, "$", "The JSON body is malformed", None),
    ("empty body", raw(b""), 400, "$", "A non-empty request body is required", None),
    ("body not UTF-8", raw(b'{"comments_customer": "\xff"}'), 400, "$", "not valid UTF-8", None),
    (
        "text/plain",
        raw(lambda body: json.dumps(body).encode(), "text/plain"),
        415,
        "Content-Type",
        "Expected one of: application/json",
        None,
    ),
    (
        "application/xml",
        raw(b"<order/>", "application/xml"),
        415,
        "Content-Type",
        "Expected one of: application/json",
        None,
    ),
    (
        "charset latin-1",
        raw(lambda body: json.dumps(body).encode(), "application/json; charset=iso-8859-1"),
        415,
        "Content-Type",
        "send UTF-8",
        None,
    ),
    (
        "body over 1 MiB",
        raw(lambda body: json.dumps(body).encode().ljust(MIB + 1)),
        413,
        None,
        "larger than 1048576 bytes",
        None,
    ),
    (
        "unknown product by code",
        put("order_products[0].product_code", "999999"),
        422,
        "order_products[0].product_code",
        "Product 999999 does not exist",
        f"{COULD_NOT}: product 999999 does not exist",
    ),
    (
        "unknown product by code as a number",
        put("order_products[0].product_code", 999998),
        422,
        "order_products[0].product_code",
        "Product 999998 does not exist",
        f"{COULD_NOT}: product 999998 does not exist",
    ),
    (
        "unknown product by id",
        both(drop("order_products[0].product_code"), put("order_products[0].product_id", 99)),
        422,
        "order_products[0].product_id",
        "Product 99 does not exist",
        f"{COULD_NOT}: product 99 does not exist",
    ),
    (
        "unknown product at [1]",
        put("order_products[1]", lambda r: line(r, product_code="100000")),
        422,
        "order_products[1].product_code",
        "Product 100000 does not exist",
        f"{COULD_NOT}: product 100000 does not exist",
    ),
    (
        "inactive product by code",
        put("order_products[0].product_code", lambda r: r.inactive_code),
        422,
        "order_products[0].product_code",
        "is not active",
        NOT_ACTIVE,
    ),
    (
        "inactive product by id",
        both(
            drop("order_products[0].product_code"),
            put("order_products[0].product_id", lambda r: r.inactive_id),
        ),
        422,
        "order_products[0].product_id",
        "is not active",
        NOT_ACTIVE,
    ),
    (
        "unknown addressbook_id on the order",
        both(drop("addressbook"), put("addressbook_id", 1)),
        422,
        "addressbook_id",
        "Addressbook 1 does not exist",
        f"{COULD_NOT}: addressbook 1 does not exist",
    ),
    (
        "unknown addressbook_id on a line",
        put("order_products[0].addressbook_id", 1),
        422,
        "order_products[0].addressbook_id",
        "Addressbook 1 does not exist",
        f"{COULD_NOT}: addressbook 1 does not exist",
    ),
    (
        "another customer's addressbook_id",
        put("order_products[0].addressbook_id", lambda r: r.other_addressbook),
        422,
        "order_products[0].addressbook_id",
        "does not exist",
        None,
    ),
    (
        "US on the order",
        put("addressbook.country", "US"),
        422,
        "addressbook.country",
        "vidaXL does not deliver to US",
        f"{COULD_NOT}: vidaXL does not deliver to US",
    ),
    (
        "us in lower case on the order",
        put("addressbook.country", "us"),
        422,
        "addressbook.country",
        "vidaXL does not deliver to US",
        f"{COULD_NOT}: vidaXL does not deliver to US",
    ),
    (
        "XX on the order",
        put("addressbook.country", "XX"),
        422,
        "addressbook.country",
        "Country 'XX' is unknown",
        f"{COULD_NOT}: country 'XX' is unknown",
    ),
    (
        "US on a line",
        put("order_products[0].addressbook", vidaxl_address("US")),
        422,
        "order_products[0].addressbook.country",
        "vidaXL does not deliver to US",
        f"{COULD_NOT}: vidaXL does not deliver to US",
    ),
    (
        "XX on a line",
        put("order_products[0].addressbook", vidaxl_address("XX")),
        422,
        "order_products[0].addressbook.country",
        "Country 'XX' is unknown",
        f"{COULD_NOT}: country 'XX' is unknown",
    ),
    (
        "no address at all",
        drop("addressbook"),
        422,
        "order_products[0].addressbook",
        "An address is required",
        None,
    ),
]


def world_state(client: TestClient, refs: Refs) -> tuple[int, int, int, int]:
    """The demo customer's orders and addressbooks, and the stock of the products the cases name."""
    world = vidaxl_world(client)
    demo = Customer(client).account()
    return (
        world.orders.count(demo.key),
        len(demo.addressbooks),
        world.by_code[refs.code].stock.available,
        world.by_code[refs.inactive_code].stock.available,
    )


def assert_error(response: Any, status: int) -> dict[str, Any]:
    """A JSON error body `{"error": "...", "errors": {path: [messages]}}` with `status`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == JSON_TYPE
    body: dict[str, Any] = response.json()
    assert set(body) <= {"error", "errors"}, body
    assert isinstance(body["error"], str) and body["error"].strip()
    for path, messages in body.get("errors", {}).items():
        assert isinstance(path, str) and path
        assert messages and all(isinstance(m, str) and m.strip() for m in messages), body
    return body


@pytest.mark.parametrize(
    ("mutation", "status", "field", "fragment", "error"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_bad_order_is_refused_naming_the_field(
    client: TestClient,
    refs: Refs,
    mutation: Mutation,
    status: int,
    field: str | None,
    fragment: str,
    error: str | None,
) -> None:
    assert not vidaxl_world(client).by_code[refs.inactive_code].active
    request = mutation(valid_body(refs), refs)
    before = world_state(client, refs)
    if isinstance(request, Raw):
        response = client.post(
            VIDAXL_ORDERS,
            content=request.content,
            auth=VIDAXL_DEMO,
            headers={"content-type": request.content_type},
        )
    else:
        response = client.post(VIDAXL_ORDERS, json=request, auth=VIDAXL_DEMO)
    body = assert_error(response, status)
    if field is None:
        assert "errors" not in body
        assert fragment in body["error"]
    else:
        # exactly the field at fault, nothing else
        assert list(body["errors"]) == [field], body
        assert any(fragment in message for message in body["errors"][field]), body
    if error is not None:
        assert body["error"] == error
    elif status == 422:
        assert body["error"].startswith(f"{COULD_NOT}: "), body
    assert world_state(client, refs) == before


def test_case_ids_are_distinct() -> None:
    names = [case[0] for case in CASES]
    assert len(names) == len(set(names)) >= 35


def test_the_valid_body_is_accepted(client: TestClient, refs: Refs) -> None:
    """The body the cases break is valid, so each case fails for its own reason."""
    before = world_state(client, refs)
    body = valid_body(refs)
    body["order_products"].append(line(refs, addressbook=vidaxl_address("NL")))
    response = client.post(VIDAXL_ORDERS, json=body, auth=VIDAXL_DEMO)
    assert response.status_code == 200, response.text
    after = world_state(client, refs)
    assert (after[0] - before[0], after[1] - before[1], before[2] - after[2]) == (1, 2, 3)


def test_every_schema_error_is_reported(client: TestClient, refs: Refs) -> None:
    body = valid_body(refs)
    body["addressbook"]["address"] = "x" * 31
    body["order_products"][0]["quantity"] = 0
    body["order_products"].append(line(refs, addressbook={**vidaxl_address(), "phone": 612345678}))
    before = world_state(client, refs)
    errors = assert_error(client.post(VIDAXL_ORDERS, json=body, auth=VIDAXL_DEMO), 400)["errors"]
    assert set(errors) == {
        "addressbook.address",
        "order_products[0].quantity",
        "order_products[1].addressbook.phone",
    }
    assert world_state(client, refs) == before


def test_every_line_without_an_address_is_reported(client: TestClient, refs: Refs) -> None:
    """Past the schema: each line that has no deliverable address, and each address without a
    house number, in one answer."""
    body = valid_body(refs)
    body["addressbook"] = dict(ONLY_COUNTRY)
    body["order_products"] = [
        line(refs),
        line(refs, addressbook=vidaxl_address(address="High Street")),
        line(refs, addressbook=vidaxl_address()),
        line(refs, addressbook=dict(NO_PHONE)),
    ]
    before = world_state(client, refs)
    errors = assert_error(client.post(VIDAXL_ORDERS, json=body, auth=VIDAXL_DEMO), 400)["errors"]
    assert list(errors) == [
        "order_products[0].addressbook",
        "order_products[1].addressbook.address",
        "order_products[3].addressbook",
    ]
    assert errors["order_products[0].addressbook"] == [
        "No deliverable address for this line: it has no addressbook of its own and the order's lacks "
        "address, city, postal_code, name, phone."
    ]
    assert errors["order_products[3].addressbook"] == [
        "No deliverable address for this line: neither its addressbook nor the order's has phone."
    ]
    assert world_state(client, refs) == before


def test_every_unprocessable_line_is_reported(client: TestClient, refs: Refs) -> None:
    body = valid_body(refs)
    body["order_products"] = [
        line(refs, product_code="999999"),
        line(refs, product_code=refs.inactive_code),
        line(refs, addressbook=vidaxl_address("US")),
        line(refs),
    ]
    before = world_state(client, refs)
    response = assert_error(client.post(VIDAXL_ORDERS, json=body, auth=VIDAXL_DEMO), 422)
    assert set(response["errors"]) == {
        "order_products[0].product_code",
        "order_products[1].product_code",
        "order_products[2].addressbook.country",
    }
    assert response["error"] == f"{COULD_NOT}: product 999999 does not exist"
    assert world_state(client, refs) == before


# --- query parameters ----------------------------------------------------------------------------

# id, path and query, field path in `errors`, fragment of its message.
QUERIES: list[tuple[str, str, str, str]] = [
    ("id_eq=abc", "/api_customer/orders?id_eq=abc", "id_eq", "'abc' is not valid"),
    ("id_eq empty", "/api_customer/orders.json?id_eq=", "id_eq", "'' is not valid"),
    ("id_eq=0", "/api_customer/orders.json?id_eq=0", "id_eq", "at least 1"),
    ("id_eq too big", "/api_customer/orders.xml?id_eq=2147483648", "id_eq", "at most 2147483647"),
    ("id_eq=1.5 csv", "/api_customer/orders.csv?id_eq=1.5", "id_eq", "'1.5' is not valid"),
    (
        "status_order_id_eq=1.5",
        "/api_customer/orders.json?status_order_id_eq=1.5",
        "status_order_id_eq",
        "'1.5' is not valid",
    ),
    (
        "status_order_id_eq=-1",
        "/api_customers/orders?status_order_id_eq=-1",
        "status_order_id_eq",
        "at least 0",
    ),
    (
        "status_order_id_eq=sent",
        "/api_customers/orders.json?status_order_id_eq=sent",
        "status_order_id_eq",
        "'sent' is not valid",
    ),
    (
        "submitted_at_gteq=2026-13-01",
        "/api_customer/orders.json?submitted_at_gteq=2026-13-01",
        "submitted_at_gteq",
        "is not valid for submitted_at_gteq. A day of the calendar",
    ),
    (
        "submitted_at_gteq=0000-01-01",
        "/api_customer/orders.json?submitted_at_gteq=0000-01-01",
        "submitted_at_gteq",
        "is not valid for submitted_at_gteq. A day of the calendar",
    ),
    (
        "submitted_at_gteq=yesterday",
        "/api_customer/orders.json?submitted_at_gteq=yesterday",
        "submitted_at_gteq",
        "is not valid for submitted_at_gteq",
    ),
    (
        "submitted_at_gt_eq=2026-02-30",
        "/api_customers/orders.xml?submitted_at_gt_eq=2026-02-30",
        "submitted_at_gt_eq",
        "is not valid for submitted_at_gt_eq",
    ),
    (
        "submitted_at_gteq=2026-04-31",
        "/api_customer/orders.json?submitted_at_gteq=2026-04-31",
        "submitted_at_gteq",
        "is not valid for submitted_at_gteq",
    ),
    (
        "submitted_at_lteq=2100-02-29",
        "/api_customer/orders.json?submitted_at_lteq=2100-02-29",
        "submitted_at_lteq",
        "is not valid for submitted_at_lteq",
    ),
    (
        "submitted_at_lteq=20261301",
        "/api_customer/orders.csv?submitted_at_lteq=20261301",
        "submitted_at_lteq",
        "is not valid for submitted_at_lteq",
    ),
    (
        "submitted_at_lteq=2026-11",
        "/api_customer/orders.json?submitted_at_lteq=2026-11",
        "submitted_at_lteq",
        "is not valid",
    ),
    (
        "submitted_at_castedeq=2026/11/02",
        "/api_customer/orders.json?submitted_at_castedeq=2026/11/02",
        "submitted_at_castedeq",
        "is not valid",
    ),
    (
        "submitted_at_casted_eq=2026-1-2",
        "/api_customers/orders.csv?submitted_at_casted_eq=2026-1-2",
        "submitted_at_casted_eq",
        "is not valid",
    ),
    (
        "submitted_at_casted_eq=20260230",
        "/api_customer/orders.json?submitted_at_casted_eq=20260230",
        "submitted_at_casted_eq",
        "is not valid for submitted_at_casted_eq",
    ),
    (
        "submitted_at_casted_eq=20250229",
        "/api_customer/orders.json?submitted_at_casted_eq=20250229",
        "submitted_at_casted_eq",
        "is not valid for submitted_at_casted_eq",
    ),
    ("products offset=-1", "/api_customer/products?offset=-1", "offset", "at least 0"),
    ("products offset=1.5", "/api_customer/products.json?offset=1.5", "offset", "'1.5' is not valid"),
    ("products limit=0", "/api_customer/products.json?limit=0", "limit", "at least 1"),
    ("products limit=501", "/api_customer/products.xml?limit=501", "limit", "at most 500"),
    ("products limit=abc", "/api_customer/products.csv?limit=abc", "limit", "'abc' is not valid"),
    ("products id_eq=abc", "/api_customer/products.json?id_eq=abc", "id_eq", "'abc' is not valid"),
    ("products id_eq=0", "/api_customer/products.json?id_eq=0", "id_eq", "at least 1"),
    ("products id_in[]=abc", "/api_customer/products.json?id_in[]=abc", "id_in[][0]", '"abc" is not valid'),
    (
        "products second id_in[] bad",
        "/api_customer/products.json?id_in[]=12000&id_in[]=x",
        "id_in[][1]",
        '"x" is not valid',
    ),
    (
        "products 501 id_in[]",
        "/api_customer/products.json?" + "&".join(["id_in[]=12000"] * 501),
        "id_in[]",
        "at most 500 items",
    ),
]


@pytest.mark.parametrize(("path", "field", "fragment"), [pytest.param(*q[1:], id=q[0]) for q in QUERIES])
def test_bad_query_is_refused_naming_the_parameter(
    shared: TestClient,
    path: str,
    field: str,
    fragment: str,
) -> None:
    body = assert_error(shared.get(path, auth=VIDAXL_DEMO), 400)
    assert list(body["errors"]) == [field], body
    assert any(fragment in message for message in body["errors"][field]), body


def test_query_ids_are_distinct() -> None:
    names = [query[0] for query in QUERIES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    "day", ["2024-02-29", "20240229", "2000-02-29", "1000-01-31", "9999-12-31", "2026-04-30", "20261231"]
)
def test_every_day_of_the_calendar_is_a_filter(shared: TestClient, day: str) -> None:
    """The date pattern knows month lengths and leap years: what it takes, the code takes."""
    for name in ("submitted_at_gteq", "submitted_at_lteq", "submitted_at_castedeq"):
        response = shared.get(f"/api_customer/orders.json?{name}={day}", auth=VIDAXL_DEMO)
        assert response.status_code == 200, response.text


# --- HTTP Basic on every operation -------------------------------------------------------------------

OPERATIONS: list[tuple[str, str]] = [
    *[("GET", f"/api_customer/orders{suffix}") for suffix in ("", ".json", ".xml", ".csv")],
    *[("GET", f"/api_customers/orders{suffix}") for suffix in ("", ".json", ".xml", ".csv")],
    ("POST", "/api_customer/orders"),
    ("POST", "/api_customer/orders.json"),
    *[("GET", f"/api_customer/products{suffix}") for suffix in ("", ".json", ".xml", ".csv")],
]


# id, Authorization header (None: none sent).
AUTH_CASES: list[tuple[str, str | None]] = [
    ("missing", None),
    ("wrong token", basic(VIDAXL_DEMO[0], "vidaxl-wrong-token")),
    ("another customer's token", basic(VIDAXL_DEMO[0], VIDAXL_OTHER[1])),
    ("empty token", basic(VIDAXL_DEMO[0], "")),
    ("unknown e-mail", basic("nobody@vidaxl.sandbox", VIDAXL_DEMO[1])),
    ("no colon", "Basic " + base64.b64encode(VIDAXL_DEMO[0].encode()).decode()),
    ("malformed base64", "Basic %%%not-base64%%%"),
    ("empty Basic", "Basic "),
    ("Bearer instead of Basic", f"Bearer {VIDAXL_DEMO[1]}"),
    ("token alone", VIDAXL_DEMO[1]),
    ("disabled customer", basic(*VIDAXL_DISABLED)),
]


@pytest.mark.parametrize(
    ("method", "path", "authorization"),
    [
        pytest.param(method, path, authorization, id=f"{method} {path} {case}")
        for method, path in OPERATIONS
        for case, authorization in AUTH_CASES
    ],
)
def test_basic_credentials_are_required(
    shared: TestClient,
    refs: Refs,
    method: str,
    path: str,
    authorization: str | None,
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    body = valid_body(refs) if method == "POST" else None
    before = world_state(shared, refs)
    response = shared.request(method, path, headers=headers, json=body)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == JSON_TYPE
    assert response.headers["www-authenticate"] == CHALLENGE
    assert response.json() == DENIED
    assert world_state(shared, refs) == before
    assert vidaxl_world(shared).orders.count(Customer(shared, VIDAXL_DISABLED).account().key) == 0


def test_credentials_are_checked_before_the_request(shared: TestClient) -> None:
    """A bad body or query without credentials is a 401, not a 400 that would leak the rules."""
    refused = [
        shared.post(VIDAXL_ORDERS, content=b"{", headers={"content-type": "application/json"}),
        shared.post(
            VIDAXL_ORDERS, content=b"{}", headers={"content-type": "text/plain"}, auth=VIDAXL_DISABLED
        ),
        shared.get("/api_customer/orders.xml?id_eq=abc"),
        shared.get("/api_customer/products.csv?limit=0", auth=(VIDAXL_DEMO[0], "wrong")),
    ]
    for response in refused:
        assert (response.status_code, response.json()) == (401, DENIED), response.text


def test_valid_credentials_open_every_operation(client: TestClient, refs: Refs) -> None:
    """The 401s above are about the credentials: the same requests with them succeed."""
    for method, path in OPERATIONS:
        body = valid_body(refs) if method == "POST" else None
        for auth in (VIDAXL_DEMO, VIDAXL_OTHER, (VIDAXL_DEMO[0].upper(), VIDAXL_DEMO[1])):
            response = client.request(method, path, json=body, auth=auth)
            assert response.status_code == 200, (method, path, auth, response.text)
