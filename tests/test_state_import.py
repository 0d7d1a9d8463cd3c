"""PUT /_sandbox/state: an exported state comes back byte for byte; a malformed one is a 400 in the
control API's error shape naming the field at fault, and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from starlette.testclient import TestClient

from sandbox.resources import spec_path
from sandbox.spec.loader import load_spec
from tests.helpers import VIDAXL_DEMO, Mutation, bearer, both, drop, login, login_form, make_app, put
from tests.live import Server, serve

State = dict[str, Any]
Field = str | Callable[[State], str]
"""The field path the 400 names, or how to find it in the exported state."""

SHIPPABLE = ("New", "Processing", "PartiallyShipped")
NO_SUCH_UUID = "00000000-0000-4000-8000-000000000000"


def held_fixje(state: State) -> tuple[int, int, str]:
    """The first Fixje line that holds units reserved: its order, its index and its stock."""
    return next(
        (o, i, line["stock_id"])
        for o, order in enumerate(state["fixje"]["orders"])
        for i, line in enumerate(order["lines"])
        if line["reserved"]
    )


def held_vidaxl(state: State) -> tuple[int, int, str]:
    """The first vidaXL line that holds units reserved: its order, its index and its product."""
    return next(
        (o, i, str(line["product"]))
        for o, order in enumerate(state["vidaxl"]["orders"])
        for i, line in enumerate(order["lines"])
        if line["reserved"]
    )


def shippable(state: State) -> int:
    """The first Fixje order that can still ship."""
    return next(o for o, order in enumerate(state["fixje"]["orders"]) if order["status"] in SHIPPABLE)


def first_stock(state: State) -> str:
    return str(next(iter(state["fixje"]["stock"])))


def with_stock(level: list[int], key: Callable[[State], str] = first_stock) -> Mutation:
    """A Fixje stock, the first by default, at `level` (its key is a UUID, which a field path
    cannot spell)."""

    def change(state: State, refs: Any) -> State:
        state["fixje"]["stock"][key(state)] = level
        return state

    return change


def unreserve_fixje(state: State, refs: Any) -> State:
    state["fixje"]["stock"][held_fixje(state)[2]][1] = 0
    return state


def unreserve_vidaxl(state: State, refs: Any) -> State:
    state["vidaxl"]["stock"][held_vidaxl(state)[2]][1] = 0
    return state


def unaccounted_unit(state: State, refs: Any) -> State:
    state["fixje"]["orders"][shippable(state)]["lines"][0]["backordered"] += 1
    return state


def another_products_stock(state: State) -> str:
    orders = state["fixje"]["orders"]
    return str(
        next(
            line["stock_id"]
            for order in orders
            for line in order["lines"]
            if line["sku"] != orders[0]["lines"][0]["sku"]
        )
    )


def book_of_first_line(state: State) -> dict[str, Any]:
    """The addressbook the first vidaXL order's first line ships to."""
    wanted = state["vidaxl"]["orders"][0]["lines"][0]["addressbook"]
    return next(
        book
        for customer in state["vidaxl"]["customers"]
        for book in customer["addressbooks"]
        if book["id"] == wanted
    )


def without_phone(state: State, refs: Any) -> State:
    book_of_first_line(state)["phone"] = None
    return state


def to_a_country_only(state: State, refs: Any) -> State:
    """The first vidaXL order addressed to a new addressbook with only a country (as integrations
    send it), each line to its own address."""
    world = state["vidaxl"]
    order = world["orders"][0]
    customer = next(c for c in world["customers"] if c["id"] == order["customer"])
    book_id = world["next_id"]["addressbook"]
    customer["addressbooks"].append(
        {**dict.fromkeys(book_of_first_line(state), None), "id": book_id, "country": "DK"}
    )
    order["addressbook"] = book_id
    world["next_id"]["addressbook"] += 1
    return state


def drop_newer_fields(state: State) -> State:
    """The state as an export from before replacement tracking numbers, addressbook e-mails and
    reference codes, and a shipping option on every order, with the generator of Fixje's trace
    ids at the top."""
    state["traces"] = state["fixje"].pop("traces")
    for order in state["vidaxl"]["orders"]:
        del order["replacement_tracking_number"]
        order["shipping_option_id"] = None
    for customer in state["vidaxl"]["customers"]:
        for book in customer["addressbooks"]:
            del book["email"], book["reference_code"]
    return state


LINE = "fixje.orders[0].lines[0]"
VIDAXL_LINE = "vidaxl.orders[0].lines[0]"
# (id, mutation, field, fragment of its message)
CASES: list[tuple[str, Mutation, Field, str]] = [
    # the form, as the spec's State schema says it
    (
        "null shipping_address",
        put("fixje.orders[0].shipping_address", None),
        "fixje.orders[0].shipping_address",
        "Expected an object, got null",
    ),
    (
        "null last_name of the shipping address",
        put("fixje.orders[0].shipping_address.last_name", None),
        "fixje.orders[0].shipping_address.last_name",
        "Expected a string, got null",
    ),
    (
        "billing address a string",
        put("fixje.orders[0].billing_address", "Dorpsstraat 1"),
        "fixje.orders[0].billing_address",
        "Expected an object or null",
    ),
    (
        "country code in lower case",
        put("fixje.orders[0].shipping_address.country_code", "nl"),
        "fixje.orders[0].shipping_address.country_code",
        "is not valid for country_code",
    ),
    (
        "unit_price abc",
        put(f"{LINE}.unit_price", "abc"),
        f"{LINE}.unit_price",
        'The value "abc" is not valid for unit_price',
    ),
    ("unit_price a number", put(f"{LINE}.unit_price", 12.5), f"{LINE}.unit_price", "Expected a string"),
    (
        "unit_price of 31 digits",
        put(f"{LINE}.unit_price", "1" + "0" * 30),
        f"{LINE}.unit_price",
        "at most 9 digits",
    ),
    (
        "a VAT rate of 101 %",
        put(f"{VIDAXL_LINE}.vat_percentage", "101"),
        f"{VIDAXL_LINE}.vat_percentage",
        "from 0 to 100",
    ),
    (
        "price_factor negative",
        put("vidaxl.customers[0].price_factor", "-1"),
        "vidaxl.customers[0].price_factor",
        "is not valid for price_factor",
    ),
    ("quantity 0", put(f"{VIDAXL_LINE}.quantity", 0), f"{VIDAXL_LINE}.quantity", "at least 1"),
    ("backordered negative", put(f"{LINE}.backordered", -1), f"{LINE}.backordered", "at least 0"),
    (
        "a naive time",
        put("fixje.orders[0].created_at", "2026-10-04T19:36:46"),
        "fixje.orders[0].created_at",
        "not a valid date and time",
    ),
    (
        "a time in the year 9999",
        put("vidaxl.orders[0].history[0].at", "9999-12-31T23:59:59+00:00"),
        "vidaxl.orders[0].history[0].at",
        "in the years 1000 to 9000",
    ),
    (
        "a time in lower case",
        put("vidaxl.orders[0].lines[0].created_at", "2026-10-14t16:09:18z"),
        f"{VIDAXL_LINE}.created_at",
        "in upper case",
    ),
    ("a naive clock", put("clock.now", "2026-11-02T09:00:00"), "clock.now", "not a valid date and time"),
    ("frozen a string", put("clock.frozen", "yes"), "clock.frozen", "Expected a boolean"),
    (
        "a negative Fixje stock",
        with_stock([-1, 0]),
        lambda s: f"fixje.stock.{first_stock(s)}[0]",
        "at least 0",
    ),
    ("a negative vidaXL reserve", put("vidaxl.stock.12000[1]", -3), "vidaxl.stock.12000[1]", "at least 0"),
    (
        "a stock of three numbers",
        put("vidaxl.stock.12000", [1, 2, 3]),
        "vidaxl.stock.12000",
        "at most 2 items",
    ),
    ("a stock keyed by a name", put("vidaxl.stock.chair", [1, 0]), "vidaxl.stock", "is not valid for stock"),
    (
        "an unknown Fixje status",
        put("fixje.orders[0].status", "Lost"),
        "fixje.orders[0].status",
        "is not one of: New, Processing",
    ),
    (
        "vidaXL status 6",
        put("vidaxl.orders[0].status", 6),
        "vidaxl.orders[0].status",
        "is not one of: 1, 2, 3, 4, 5, 7, 8, 9",
    ),
    (
        "an unknown history event",
        put("vidaxl.orders[0].history[1].event", "teleport"),
        "vidaxl.orders[0].history[1].event",
        "is not one of",
    ),
    (
        "an unknown cause",
        put("fixje.orders[0].history[0].cause", "magic"),
        "fixje.orders[0].history[0].cause",
        "is not one of: api, control",
    ),
    (
        "shipping option 3",
        put("vidaxl.orders[0].shipping_option_id", 3),
        "vidaxl.orders[0].shipping_option_id",
        "must be at most 2",
    ),
    (
        "an order without lines",
        put("vidaxl.orders[0].lines", []),
        "vidaxl.orders[0].lines",
        "at least 1 item",
    ),
    ("no partners", put("fixje.partners", []), "fixje.partners", "at least 1 item"),
    (
        "an order id in upper case",
        put("fixje.orders[0].id", lambda s: s["fixje"]["orders"][0]["id"].upper()),
        "fixje.orders[0].id",
        "A UUID in lower case",
    ),
    (
        "an unknown key in a partner",
        put("fixje.partners[0].nickname", "demo"),
        "fixje.partners[0].nickname",
        "Unknown field 'nickname'",
    ),
    (
        "an unknown key in an addressbook",
        put("vidaxl.customers[0].addressbooks[0].floor", 3),
        "vidaxl.customers[0].addressbooks[0].floor",
        "Unknown field 'floor'",
    ),
    ("a computed field in a line", put(f"{LINE}.total", "1.00"), f"{LINE}.total", "Unknown field 'total'"),
    (
        "an unknown key in a parcel",
        put("vidaxl.orders[0].parcels[0].weight", 2),
        "vidaxl.orders[0].parcels[0].weight",
        "Unknown field 'weight'",
    ),
    (
        "status_since missing",
        drop("fixje.orders[0].status_since"),
        "fixje.orders[0].status_since",
        "The status_since field is required",
    ),
    (
        "a customer's token missing",
        drop("vidaxl.customers[0].token"),
        "vidaxl.customers[0].token",
        "The token field is required",
    ),
    ("next_id.line missing", drop("vidaxl.next_id.line"), "vidaxl.next_id.line", "is required"),
    ("an rng of version 2", put("fixje.traces[0]", 2), "fixje.traces[0]", "must be 3"),
    ("an rng of 626 words", put("fixje.rng[1][625]", 0), "fixje.rng[1]", "at most 625 items"),
    ("a negative rng word", put("vidaxl.rng[1][0]", -1), "vidaxl.rng[1][0]", "at least 0"),
    ("an rng a string", put("fixje.ids", "seeded"), "fixje.ids", "Expected an array"),
    # what only the worlds know
    (
        "an rng at position 625",
        put("fixje.ids[1][624]", 625),
        "fixje.ids",
        "Not the state of a random generator",
    ),
    (
        "an rng of 624 words",
        put("vidaxl.rng[1]", lambda s: s["vidaxl"]["rng"][1][:-1]),
        "vidaxl.rng",
        "Not the state of a random generator",
    ),
    (
        "a clock before 1970",
        put("clock.now", "1969-12-31T23:00:00+00:00"),
        "clock.now",
        "The clock must stay between",
    ),
    (
        "an unknown product on a vidaXL line",
        put(f"{VIDAXL_LINE}.product", 99999),
        f"{VIDAXL_LINE}.product",
        "No vidaXL product has the id 99999.",
    ),
    (
        "an unknown addressbook on a line",
        put(f"{VIDAXL_LINE}.addressbook", 1),
        f"{VIDAXL_LINE}.addressbook",
        "No customer has an addressbook with the id 1.",
    ),
    (
        "an unknown addressbook on an order",
        put("vidaxl.orders[0].addressbook", 2),
        "vidaxl.orders[0].addressbook",
        "No customer has an addressbook with the id 2.",
    ),
    (
        "an unknown customer on an order",
        put("vidaxl.orders[0].customer", 3),
        "vidaxl.orders[0].customer",
        "No customer has the id 3.",
    ),
    ("a line to an address without a phone", without_phone, f"{VIDAXL_LINE}.addressbook", "lacks phone"),
    (
        "an addressbook in the US",
        put("vidaxl.customers[0].addressbooks[0].country", "US"),
        "vidaxl.customers[0].addressbooks[0].country",
        "vidaXL does not deliver to 'US'.",
    ),
    (
        "an unknown vidaXL product in stock",
        put("vidaxl.stock.99999", [1, 0]),
        "vidaxl.stock.99999",
        "No vidaXL product has the id 99999.",
    ),
    (
        "an unknown Fixje stock",
        with_stock([1, 0], lambda s: NO_SUCH_UUID),
        f"fixje.stock.{NO_SUCH_UUID}",
        "No stock of the catalogue has the id",
    ),
    (
        "an unknown SKU",
        put(f"{LINE}.sku", "XX1"),
        f"{LINE}.sku",
        "No product of the catalogue has the SKU 'XX1'.",
    ),
    (
        "a stock of another product",
        put(f"{LINE}.stock_id", another_products_stock),
        f"{LINE}.stock_id",
        "has no stock",
    ),
    (
        "an owner who is no partner",
        put("fixje.orders[0].owner", NO_SUCH_UUID),
        "fixje.orders[0].owner",
        "No partner has the id",
    ),
    (
        "two Fixje orders with one id",
        put("fixje.orders[1].id", lambda s: s["fixje"]["orders"][0]["id"]),
        "fixje.orders[1].id",
        "Another order already has the id",
    ),
    (
        "two vidaXL orders with one id",
        put("vidaxl.orders[1].id", 70001),
        "vidaxl.orders[1].id",
        "Another order already has the id 70001.",
    ),
    (
        "two customers with one id",
        put("vidaxl.customers[1].id", 9),
        "vidaxl.customers[1].id",
        "Another customer already has the id 9.",
    ),
    (
        "two addressbooks with one id",
        put("vidaxl.customers[1].addressbooks[0].id", 9001),
        "vidaxl.customers[1].addressbooks[0].id",
        "Another addressbook already has the id 9001.",
    ),
    (
        "a next order id that is taken",
        put("vidaxl.next_id.order", 70001),
        "vidaxl.next_id.order",
        "must be above every order id",
    ),
    (
        "Fixje lines hold more than the stock reserves",
        unreserve_fixje,
        lambda s: f"fixje.stock.{held_fixje(s)[2]}[1]",
        "hold 1 unit(s) reserved on this stock",
    ),
    (
        "vidaXL lines hold more than the stock reserves",
        unreserve_vidaxl,
        lambda s: f"vidaxl.stock.{held_vidaxl(s)[2]}[1]",
        "reserved on this product, more than its 0",
    ),
    (
        "a unit unaccounted for on an order that can ship",
        unaccounted_unit,
        lambda s: f"fixje.orders[{shippable(s)}].lines[0]",
        "must equal quantity",
    ),
]


def assert_refused(response: Any, field: str) -> list[str]:
    """A 400 in the control API's error shape naming `field`, and only it; its messages."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"error", "message", "errors"}, body
    assert body["error"] == "BadRequest" and body["message"].strip()
    assert list(body["errors"]) == [field], body
    messages: list[str] = body["errors"][field]
    return messages


@pytest.fixture(scope="module")
def refusing() -> Iterator[tuple[TestClient, bytes]]:
    """One sandbox for the refusals (each must leave it as it was) and its export."""
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        yield client, client.get("/_sandbox/state").content


@pytest.mark.parametrize(
    ("mutation", "field", "fragment"), [pytest.param(*case[1:], id=case[0]) for case in CASES]
)
def test_a_malformed_state_is_refused_naming_the_field(
    refusing: tuple[TestClient, bytes],
    mutation: Mutation,
    field: Field,
    fragment: str,
) -> None:
    client, before = refusing
    state = mutation(json.loads(before), json.loads(before))  # `refs`: the export as it was
    response = client.put("/_sandbox/state", json=state)
    messages = assert_refused(response, field(json.loads(before)) if callable(field) else field)
    assert any(fragment in message for message in messages), messages
    assert client.get("/_sandbox/state").content == before


def test_case_ids_are_distinct() -> None:
    names = [case[0] for case in CASES]
    assert len(names) == len(set(names)) >= 50


def test_each_case_changes_the_export() -> None:
    """Every mutation breaks a field the export has, so each case fails for its own reason."""
    with TestClient(make_app()) as client:
        exported = client.get("/_sandbox/state").json()
    for name, mutation, _, _ in CASES:
        assert mutation(json.loads(json.dumps(exported)), exported) != exported, name


def test_an_export_round_trips_byte_for_byte(client: TestClient) -> None:
    client.post("/_sandbox/clock", json={"advance": "P2D"})  # the schedule moves seeded orders
    client.post("/_sandbox/tenants", json={"api": "vidaxl"})
    exported = client.get("/_sandbox/state")
    with TestClient(make_app()) as other:
        assert other.get("/_sandbox/state").content != exported.content
        imported = other.put(
            "/_sandbox/state", content=exported.content, headers={"content-type": "application/json"}
        )
        assert imported.status_code == 200, imported.text
        assert other.get("/_sandbox/state").content == exported.content


def test_an_export_without_the_newer_vidaxl_fields_still_imports(client: TestClient) -> None:
    exported = client.get("/_sandbox/state").json()
    older = drop_newer_fields(json.loads(json.dumps(exported)))
    for order in older["fixje"]["orders"] + older["vidaxl"]["orders"]:
        del order["history"]  # exports from before the dashboard
    with TestClient(make_app()) as other:
        assert other.put("/_sandbox/state", json=older).status_code == 200
        again = other.get("/_sandbox/state").json()
    assert all(
        order["shipping_option_id"] == 1
        and order["replacement_tracking_number"] is None
        and order["history"] == []
        for order in again["vidaxl"]["orders"]
    )
    assert all(
        book["email"] is None and book["reference_code"] is None
        for customer in again["vidaxl"]["customers"]
        for book in customer["addressbooks"]
    )
    assert again["fixje"]["stock"] == exported["fixje"]["stock"]
    assert "traces" not in again and again["fixje"]["traces"][0] == 3  # seeded afresh


ODD_BUT_VALID: list[tuple[str, Mutation]] = [
    ("stocks with nothing left", both(put("vidaxl.stock.12000", [0, 0]), with_stock([0, 0]))),
    (
        "a billing address without a last name",
        put(
            "fixje.orders[0].billing_address",
            lambda s: {**s["fixje"]["orders"][0]["shipping_address"], "last_name": None},
        ),
    ),
    (
        "a vidaXL order replaced",
        both(put("vidaxl.orders[0].status", 9), put("vidaxl.orders[0].replacement_tracking_number", "JVGL1")),
    ),
    (
        "the largest amounts",
        both(
            put(f"{LINE}.unit_price", "999999999.999999"),
            put(f"{LINE}.vat_rate", "100"),
            put(f"{LINE}.quantity", 2147483647),
            put(f"{LINE}.quantity_shipped", 2147483647),
            put(f"{VIDAXL_LINE}.price", "999999999.999999"),
            put(f"{VIDAXL_LINE}.vat_percentage", "99.999999"),
            put(f"{VIDAXL_LINE}.quantity", 2147483647),
        ),
    ),
    ("a vidaXL order to an address with only a country", to_a_country_only),
    (
        "a Fixje order of an unknown shipping method and storefront",
        both(
            put("fixje.orders[0].shipping_method_id", NO_SUCH_UUID),
            put("fixje.orders[0].storefront_id", NO_SUCH_UUID),
        ),
    ),
    (
        "times with Z and other offsets",
        both(
            put("clock.now", "2026-11-02T10:00:00+01:00"),
            put("fixje.orders[0].created_at", "2026-10-04T19:36:46Z"),
        ),
    ),
]


@pytest.mark.parametrize("mutation", [pytest.param(case[1], id=case[0]) for case in ODD_BUT_VALID])
def test_an_odd_but_valid_state_serves_every_later_request(client: TestClient, mutation: Mutation) -> None:
    """What the schema and the checks let through, the APIs, the dashboard and a further export
    and import all take."""
    exported = client.get("/_sandbox/state")
    state = mutation(exported.json(), exported.json())
    assert client.put("/_sandbox/state", json=state).status_code == 200
    fixje = bearer(login(client))
    order_id, number = state["fixje"]["orders"][0]["id"], state["vidaxl"]["orders"][0]["id"]
    for path in ("/api/v1/orders", f"/api/v1/orders/{order_id}", "/api/v1/products"):
        assert client.get(path, headers=fixje).status_code == 200, path
    for path in (
        "/api_customer/orders.json",
        "/api_customer/orders.xml",
        "/api_customer/orders.csv",
        f"/api_customer/orders.json?id_eq={number}",
    ):
        assert client.get(path, auth=VIDAXL_DEMO).status_code == 200, path
    for path in (
        "/_sandbox/ui",
        "/_sandbox/ui/orders",
        f"/_sandbox/ui/fixje/orders/{order_id}",
        "/_sandbox/ui/orders?api=vidaxl",
        f"/_sandbox/ui/vidaxl/orders/{number}",
    ):
        assert client.get(path).status_code == 200, path
    assert client.post("/_sandbox/clock", json={"advance": "P3D"}).status_code == 200
    exported = client.get("/_sandbox/state")
    assert exported.status_code == 200, exported.text
    with TestClient(make_app()) as other:
        assert (
            other.put(
                "/_sandbox/state", content=exported.content, headers={"content-type": "application/json"}
            ).status_code
            == 200
        )


# --- over a real server: the broken imports of the hardening issue, then every operation ----------


def first_order_with(state: State, api: str, key: str, values: tuple[Any, ...]) -> int:
    return next(i for i, order in enumerate(state[api]["orders"]) if order[key] in values)


# id, mutation: each a state that was taken once and then answered 500 until a reset
BROKEN: list[tuple[str, Mutation]] = [
    ("fixje.placed a string", put("fixje.placed", "x")),
    ("a clock in the year 9999", put("clock.now", "9999-01-01T00:00:00+00:00")),
    ("a clock in the year 0001", put("clock.now", "0001-01-01T00:00:00+00:00")),
    ("a partner's client_secret null", put("fixje.partners[0].client_secret", None)),
    ("stock levels as strings", put("vidaxl.stock.12000", ["5", "0"])),
    ("next_id empty", put("vidaxl.next_id", {})),
    ("an order status Bogus", put("fixje.orders[0].status", "Bogus")),
    (
        "the same order twice",
        lambda s, r: {
            **s,
            "fixje": {**s["fixje"], "orders": [*s["fixje"]["orders"], s["fixje"]["orders"][0]]},
        },
    ),
    ("an unknown owner", put("fixje.orders[0].owner", NO_SUCH_UUID)),
    ("a unit_price abc", put(f"{LINE}.unit_price", "abc")),
]


def every_operation(server: Server) -> list[tuple[str, str, str, Any]]:
    """(spec, method, path, body) for one request of every operation of the three specs, with
    path parameters of the seeded world and each body's example (or `{}`)."""
    vidaxl_order = requests.get(
        f"{server.url}/api_customer/orders.json?status_order_id_eq=5", auth=VIDAXL_DEMO, timeout=10
    ).json()[0]["order"]["id"]
    fixje_order = (
        fixje_session(server)
        .get(f"{server.url}/api/v1/orders?pagesize=1", timeout=10)
        .json()["data"][0]["orderId"]
    )
    values = {
        "orderId": fixje_order,
        "id": vidaxl_order,
        "document_id": vidaxl_order * 10 + 1,
        "api": "vidaxl",
        "name": "two-parcels",
        "action": "expire",
        "faultId": "fault-1",
    }
    requests_: list[tuple[str, str, str, Any]] = []
    for name in ("fixje", "vidaxl", "sandbox"):
        for op in load_spec(spec_path(name)).operations:
            path = op.path
            for key, value in values.items():
                if key == "orderId" and path.startswith("/_sandbox"):
                    value = vidaxl_order
                path = path.replace(f"{{{key}}}", str(value))
            body = None
            if op.bodies:
                media = next(iter(op.bodies))
                document = load_spec(spec_path(name)).document
                raw = document["paths"][op.path][op.method.lower()]["requestBody"]
                content = (
                    raw.get("content")
                    or document["components"]["requestBodies"][raw["$ref"].rsplit("/", 1)[1]]["content"]
                )
                body = content[media].get("example", {})
            requests_.append((name, op.method, path, body))
    # what resets or replaces the state goes last
    return sorted(
        requests_,
        key=lambda r: (
            r[2].startswith(("/_sandbox/reset", "/_sandbox/scenarios/", "/_sandbox/state")) and r[1] != "GET"
        ),
    )


def fixje_session(server: Server) -> requests.Session:
    session = requests.Session()
    token = requests.post(
        f"{server.url}/api/v1/login",
        timeout=10,
        data=login_form(),
    ).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    return session


@pytest.fixture(scope="module")
def live() -> Iterator[Server]:
    with serve("--freeze") as server:
        yield server


@pytest.mark.live
@pytest.mark.parametrize("mutation", [pytest.param(case[1], id=case[0]) for case in BROKEN])
def test_a_broken_import_is_refused_and_every_operation_still_answers(
    live: Server,
    mutation: Mutation,
) -> None:
    exported = requests.get(f"{live.url}/_sandbox/state", timeout=10)
    response = requests.put(
        f"{live.url}/_sandbox/state", timeout=30, json=mutation(exported.json(), exported.json())
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "BadRequest" and len(response.json()["errors"]) >= 1
    assert requests.get(f"{live.url}/_sandbox/state", timeout=10).content == exported.content
    fixje = fixje_session(live)
    for name, method, path, body in every_operation(live):
        client = fixje if name == "fixje" else requests
        auth = VIDAXL_DEMO if name == "vidaxl" else None
        answer = client.request(method, f"{live.url}{path}", json=body, auth=auth, timeout=30)
        assert answer.status_code < 500, (method, path, answer.status_code, answer.text[:300])
    assert not any("Traceback" in line for line in live.log), "".join(live.log)
