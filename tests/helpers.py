"""What the tests share: the accounts of the default fixtures, an app as the tests build it, a Fixje
partner and a vidaXL customer as clients, order bodies, the documented error shapes, and changes to
a valid body named by field path. Fixtures stay in conftest.py; test modules import only this."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from httpx2 import Response
from starlette.applications import Starlette
from starlette.testclient import TestClient

from sandbox.app import create_app
from sandbox.runtime import Runtime, Seeded
from sandbox.settings import Settings
from sandbox.vidaxl.world import Customer as VidaxlAccount
from sandbox.vidaxl.world import VidaxlWorld

if TYPE_CHECKING:
    from playwright.sync_api import Page

Credentials = tuple[str, str]
Json = dict[str, Any]

# --- the accounts of fixtures/default.yaml, the fixtures every test app is seeded from -------------

FIXJE_DEMO: Credentials = ("fixje-demo-client", "fixje-demo-secret")
"""Fixje's first partner, "Demo Webshop B.V." (two storefronts): its client_id and client_secret."""
FIXJE_OTHER: Credentials = ("fixje-other-client", "fixje-other-secret")
"""Fixje's second partner, "Tuinhuis Online B.V." (one storefront)."""
VIDAXL_DEMO: Credentials = ("demo@vidaxl.sandbox", "vidaxl-demo-token")
"""vidaXL's first customer, "Demo Dropshipper" (price list 25, catalogue prices): e-mail and token."""
VIDAXL_OTHER: Credentials = ("other@vidaxl.sandbox", "vidaxl-other-token")
"""vidaXL's second customer, "Second Shop" (price list 26, catalogue prices times 0.95)."""
VIDAXL_DISABLED: Credentials = ("disabled@vidaxl.sandbox", "vidaxl-disabled-token")
"""vidaXL's "Disabled Account": API ordering not enabled, so every call gets 401."""

# --- an app as the tests build it -----------------------------------------------------------------

# Every reply is checked against the spec (a broken one becomes a 500 the test sees), and the
# clock stands still so that times and ids repeat.
# The test client's requests name the host `testserver`, which the sandbox answers only when allowed.
TEST_SETTINGS = Settings(check_responses=True, freeze=True, allowed_hosts=("testserver",))

SEEDED: dict[tuple[int | None, Path, int | None], Seeded] = {}
"""Worlds as the seed makes them, built once per session for each seed and fixtures file; each
app gets its own deep copy (the runtime's `Seeded`), so that no test sees another's changes."""


def make_app(**changes: Any) -> Starlette:
    """An app of `TEST_SETTINGS` with `changes` (fields of `Settings`)."""
    settings = replace(TEST_SETTINGS, **changes)
    fixtures = settings.fixtures.resolve()
    key = (settings.seed, fixtures, fixtures.stat().st_mtime_ns if fixtures.exists() else None)
    app = create_app(settings, seeded=SEEDED.get(key))
    runtime: Runtime = app.state.sandbox
    if runtime.fixtures.clock_start is not None:  # else each app starts at its own "now"
        SEEDED.setdefault(key, runtime.seeded)
    return app


def runtime(client: TestClient) -> Runtime:
    """The runtime (clock, worlds, journal) of the app behind `client`."""
    app: Any = client.app
    found: Runtime = app.state.sandbox
    return found


def vidaxl_world(client: TestClient) -> VidaxlWorld:
    """The live vidaXL world of the app behind `client`."""
    world = runtime(client).worlds["vidaxl"]
    assert isinstance(world, VidaxlWorld)
    return world


# --- credentials on the wire ----------------------------------------------------------------------


def basic(user: str, password: str) -> str:
    """An HTTP Basic `Authorization` header value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def http_scope(method: str, path: str, *headers: tuple[bytes, bytes]) -> dict[str, Any]:
    """The ASGI scope of a request to an app called directly (not through a test client), with
    `Host: testserver` and `headers`."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login_form(credentials: Credentials = FIXJE_DEMO, **extra: str) -> dict[str, str]:
    """The form of a Fixje login: the OAuth client credentials grant."""
    return {
        "grant_type": "client_credentials",
        "client_id": credentials[0],
        "client_secret": credentials[1],
        **extra,
    }


def login(client: TestClient, credentials: Credentials = FIXJE_DEMO) -> str:
    """A Fixje access token of the partner with `credentials`."""
    response = client.post("/api/v1/login", data=login_form(credentials))
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


# --- Fixje ----------------------------------------------------------------------------------------

PROBLEM_JSON = "application/problem+json; charset=utf-8"
TRACE_ID = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-00$")
FIXJE_ADDRESS: Json = {
    "firstName": "Sanne",
    "lastName": "de Vries",
    "street": "Stationsstraat",
    "houseNumber": "12",
    "zipCode": "5038 EA",
    "city": "Tilburg",
    "countryCode": "NL",
    "shipmentEmailAddress": "sanne@example.com",
}
"""A Dutch shipping address that every shipping method serving NL takes."""


@dataclass
class Partner:
    """A logged-in Fixje partner: its client and bearer headers."""

    client: TestClient
    headers: dict[str, str]

    @classmethod
    def login(cls, client: TestClient, credentials: Credentials = FIXJE_DEMO) -> Partner:
        return cls(client, bearer(login(client, credentials)))

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.client.get(path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.client.post(path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def first(self, path: str) -> Json:
        response = self.get(path, headers={"accept": "application/json"})
        assert response.status_code == 200, response.text
        item: Json = response.json()["data"][0]
        return item

    def all_products(self) -> dict[str, Json]:
        """The whole catalogue by SKU, page by page."""
        products: dict[str, Json] = {}
        page = 1
        while True:
            data = self.get(f"/api/v1/products?page={page}&pageSize=100").json()["data"]
            if not data:
                return products
            products.update({p["sku"]: p for p in data})
            page += 1

    def order_body(self, **changes: Any) -> Json:
        """A valid order: one unit of the first product, to NL, by a method that serves NL."""
        methods = self.get("/api/v1/shipping-methods", headers={"accept": "application/json"})
        method = next(m for m in methods.json()["data"] if "NL" in m["countries"])
        body = {
            "reference": "PO-TEST-1",
            "shippingMethodId": method["shippingMethodId"],
            "storeFrontId": self.first("/api/v1/storefronts")["storeFrontId"],
            "shippingAddress": dict(FIXJE_ADDRESS),
            "orderItems": [{"sku": self.first("/api/v1/products")["sku"], "quantity": 1}],
        }
        body.update(changes)
        return body


def snapshot(partner: Partner) -> tuple[int, list[int]]:
    """The partner's order count and the first product's stock quantities."""
    count: int = partner.get("/api/v1/orders").json()["totalCount"]
    return count, [stock["quantity"] for stock in partner.first("/api/v1/products")["stocks"]]


def assert_problem(response: Response, status: int) -> Json:
    """The response is a ProblemDetails object with `status`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: Json = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://tools.ietf.org/html/rfc9110#section-15.")
    assert isinstance(body["title"], str) and body["title"]
    assert TRACE_ID.match(body["traceId"]), body["traceId"]
    return body


# --- vidaXL ---------------------------------------------------------------------------------------

VIDAXL_ORDERS = "/api_customer/orders.json"
VIDAXL_PRODUCTS = "/api_customer/products.json"
VIDAXL_JSON = "application/json; charset=utf-8"
STATUS_NAMES = {
    1: "Temporary",
    2: "Submitted",
    3: "Awaiting Payment",
    4: "Being Prepared",
    5: "Sent",
    7: "Cancelled",
    8: "Refunded",
    9: "Replaced",
}
"""`status_order_id` -> its name (API-NOTES)."""
ORDER_MONEY = [
    "shipping_costs",
    "total_before_discount",
    "discount_percentage",
    "gross_total",
    "total_before_vat",
    "total_after_vat",
    "total_products_before_discount",
    "total_vat",
    "total_products_before_vat",
    "total_products_after_vat",
    "total_shipping_after_vat",
    "sales_rep_commission",
    "paid_amount",
    "total_m3",
    "total_quantity",
    "total_weight",
    "total_dimension",
    "coupon_amount",
    "coupon_vat",
    "custom_discount_amount",
]
"""The order's fields that are decimals written as JSON strings ("95.97", "1.0")."""
LINE_MONEY = [
    "quantity",
    "price",
    "final_price",
    "discount_percentage",
    "vat_percentage",
    "total_before_vat",
    "total_vat",
    "total_after_vat",
    "cost",
]
"""The order line's fields that are decimals written as JSON strings."""

ADDRESS: Json = {
    "address": "Covent Garden 100",
    "address2": "",
    "province": "",
    "city": "London",
    "postal_code": "NR33 7NL",
    "country": "GB",
    "name": "John Wall",
    "phone": "0684541247",
    "comments": "",
}
"""The docs' sample addressbook, the house number in `address`."""
LONDON: Json = {k: ADDRESS[k] for k in ("address", "city", "postal_code", "country", "name", "phone")}
"""The docs' sample addressbook with only the fields it needs."""
BERLIN: Json = {
    "address": "Hauptstrasse 5",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "name": "Jonas Weber",
    "phone": "+49 30 1234567",
}
UTRECHT: Json = {
    "address": "Dorpsstraat 1",
    "city": "Utrecht",
    "postal_code": "3511 AA",
    "country": "NL",
    "name": "Eva de Boer",
    "phone": "0301234567",
}
FIRST_PRODUCT = "146400"
"""The code of the first product of the vidaXL catalogue (seed 42)."""


def vidaxl_address(country: str = "GB", **changes: Any) -> Json:
    """The docs' sample addressbook, in `country`."""
    return {**ADDRESS, "country": country, **changes}


def vidaxl_order_body(*lines: tuple[str, int], country: str = "GB", **changes: Any) -> Json:
    """A valid order to `country`: one line per (product code, quantity)."""
    body: Json = {
        "customer_order_reference": "PO-TEST-1",
        "comments_customer": "Please deliver asap",
        "addressbook": vidaxl_address(country),
        "order_products": [{"product_code": code, "quantity": quantity} for code, quantity in lines],
    }
    body.update(changes)
    return body


def vidaxl_order_to(addressbook: Json, *lines: tuple[str | int, int], **changes: Any) -> Json:
    """The least order: `addressbook` and one line per (product code, quantity)."""
    return {
        **changes,
        "addressbook": addressbook,
        "order_products": [{"product_code": code, "quantity": quantity} for code, quantity in lines],
    }


def ok(response: Response) -> Any:
    """The JSON of a vidaXL 200."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == VIDAXL_JSON
    return response.json()


@dataclass
class Customer:
    """A vidaXL customer: its client, and the HTTP Basic credentials that go with each request."""

    client: TestClient
    auth: Credentials = VIDAXL_DEMO

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.client.get(path, auth=self.auth, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.client.post(path, auth=self.auth, **kwargs)

    def create(self, body: Json) -> Json:
        """The answer to an order that must be placed: `{"order": ..., "order_products": [...]}`."""
        created: Json = ok(self.post(VIDAXL_ORDERS, json=body))
        return created

    def listed(self, path: str = VIDAXL_ORDERS, **params: Any) -> list[Json]:
        """The orders of a list, unwrapped from `{"order": ...}` and `{"order_product": ...}`."""
        items = ok(self.get(path, params=params))
        assert isinstance(items, list)
        orders = []
        for item in items:
            assert list(item) == ["order"]
            order = dict(item["order"])
            lines = []
            for line in order["order_products"]:
                assert list(line) == ["order_product"]
                lines.append(line["order_product"])
            order["order_products"] = lines
            orders.append(order)
        return orders

    def all_orders(self) -> list[Json]:
        """Every order of the customer, newest first: the union of the lists by status."""
        found = [order for status in STATUS_NAMES for order in self.listed(status_order_id_eq=status)]
        return sorted(found, key=lambda order: order["id"], reverse=True)

    def products(self, **params: Any) -> Json:
        page: Json = ok(self.get(VIDAXL_PRODUCTS, params=params))
        return page

    def product(self, code: str) -> Json:
        data = self.products(code_eq=code)["data"]
        assert len(data) == 1, data
        item: Json = data[0]
        return item

    def stocked(self, count: int, at_least: int = 50) -> list[Json]:
        """`count` active products with at least `at_least` in stock."""
        found = [
            p for p in self.products(limit=200)["data"] if p["active"] and Decimal(p["quantity"]) >= at_least
        ]
        assert len(found) >= count
        return found[:count]

    def account(self) -> VidaxlAccount:
        """The customer as the app's live world holds it."""
        found = vidaxl_world(self.client).customer_by_email(self.auth[0])
        assert found is not None, self.auth[0]
        return found


# --- changes to a valid request body, named by field path as the errors name fields -------------

Mutation = Callable[[Any, Any], Any]
"""(body, refs) -> the changed body; `refs` are ids found in the running sandbox."""


def field_keys(path: str) -> list[str | int]:
    """`orderItems[1].sku` -> `["orderItems", 1, "sku"]`."""
    return [int(index) if index else name for name, index in re.findall(r"(\w+)|\[(\d+)\]", path)]


def _parent(body: Any, path: str) -> tuple[Any, str | int]:
    *parents, last = field_keys(path)
    for key in parents:
        body = body[key]
    return body, last


def put(path: str, value: Any) -> Mutation:
    """Set the field at `path` to `value`, or to `value(refs)` when it is callable; an index one
    past a list's end appends."""

    def change(body: Any, refs: Any) -> Any:
        target, key = _parent(body, path)
        new = value(refs) if callable(value) else value
        if isinstance(target, list) and key == len(target):
            target.append(new)
        else:
            target[key] = new
        return body

    return change


def drop(path: str) -> Mutation:
    """Remove the field at `path`."""

    def change(body: Any, refs: Any) -> Any:
        target, key = _parent(body, path)
        del target[key]
        return body

    return change


def both(*mutations: Mutation) -> Mutation:
    """One mutation after the other."""

    def change(body: Any, refs: Any) -> Any:
        for mutation in mutations:
            body = mutation(body, refs)
        return body

    return change


# --- the browser tests --------------------------------------------------------------------------

SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-output" / "screenshots"


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save the page (the whole page, or what the viewport shows) as test-output/screenshots/{name}.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
